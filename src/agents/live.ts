/**
 * The live state of every agent as `board status` shows it: the state file written by its
 * hooks and by `board up`/`down`/exits, checked against tmux (one `list-panes` call, only
 * when some agent is recorded as running): a pane that is gone or dead makes it dead (or
 * stopped after `board down`); a program without hooks is working while its pane prints.
 */
import { paneState, type AgentRunState } from '../core/agents.js';
import type { AgentStateView } from '../core/status.js';
import type { Board } from '../store/board.js';
import { readAllAgentStates } from '../store/agent-state.js';
import { listPanes, sessionName, useSocket, type PaneFacts } from './tmux.js';

export function liveStates(board: Board, now = new Date()): Map<string, AgentRunState> {
  const states = readAllAgentStates(board);
  const running = [...states.values()].filter((s) => s.target && s.state !== 'stopped' && s.state !== 'dead');
  if (!running.length) return states;
  const servers = new Map<string, Map<string, PaneFacts> | null>();
  const panesOf = (sock: string | null) => {
    const key = sock ?? '';
    if (!servers.has(key)) {
      try {
        useSocket(sock ?? '');
        servers.set(key, new Map(listPanes().map((p) => [p.pane, p])));
      } catch {
        servers.set(key, null); // no tmux here: the recorded states stand
      } finally {
        useSocket(undefined);
      }
    }
    return servers.get(key)!;
  };
  const session = sessionName(board);
  for (const s of running) {
    const panes = panesOf(s.socket);
    if (!panes) continue;
    const p = panes.get(s.target!);
    const mine = p && p.session === session && p.windowName === s.agent ? p : null;
    states.set(
      s.agent,
      paneState(s, mine ? { alive: true, dead: mine.dead, activityMs: mine.activityMs } : null, now.getTime()),
    );
  }
  return states;
}

export function agentStates(board: Board, now = new Date()): Map<string, AgentStateView> {
  const out = new Map<string, AgentStateView>();
  for (const [name, s] of liveStates(board, now)) {
    out.set(name, {
      state: s.state,
      since: s.since,
      tool: s.state === 'working' ? s.tool : null,
      detail: s.state === 'waiting' || s.state === 'dead' ? s.detail : null,
      target: s.target,
      hooks: s.hooks,
    });
  }
  return out;
}
