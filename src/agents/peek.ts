/**
 * An agent's screen: the last lines of its tmux pane, control characters stripped. One
 * function for `board peek` and the web board's lanes.
 */
import { notFound } from '../core/errors.js';
import { checkAgentName } from '../core/names.js';
import { terminalSafe } from '../core/notify.js';
import type { Board } from '../store/board.js';
import { livePane } from './launch.js';
import { tmuxOk } from './tmux.js';

export interface Screen {
  agent: string;
  target: string;
  dead: boolean;
  lines: string[];
}

/** The last `n` lines (1 to 10,000; default 30) of the agent's pane; exit 3 when it has none. */
export function peekScreen(board: Board, name: string, n = 30): Screen {
  const agent = checkAgentName(name);
  const count = Math.min(Math.max(n, 1), 10_000);
  const { pane } = livePane(board, agent);
  if (!pane) throw notFound(`${agent} has no tmux pane`, { hint: `start it: board up ${agent}` });
  const text = tmuxOk(['capture-pane', '-p', '-J', '-t', pane.pane, '-S', `-${count}`], `read ${agent}'s pane`);
  const lines = terminalSafe(text, { keepNewlines: true }).replace(/\s+$/, '').split('\n').slice(-count);
  return { agent, target: pane.pane, dead: pane.dead, lines };
}
