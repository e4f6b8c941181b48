/**
 * The live state of agents' conversations on disk: one small JSON file per agent under
 * `.board/run/agents/` (written atomically; the last writer wins, which is right for a state
 * that only ever moves forward in time).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { initialState, type AgentRunState } from '../core/agents.js';
import { isAgentName } from '../core/names.js';
import { writeAtomic } from './atomic.js';
import type { Board } from './board.js';
import { ensureDir } from './nolink.js';

export function readAgentState(board: Board, agent: string): AgentRunState | null {
  let raw: string;
  try {
    raw = readFileSync(board.agentStateFile(agent), 'utf8');
  } catch {
    return null;
  }
  try {
    const s = JSON.parse(raw) as AgentRunState;
    if (!s || typeof s !== 'object' || typeof s.state !== 'string') return null;
    return { ...initialState(agent, s.since ?? new Date(0).toISOString()), ...s, agent };
  } catch {
    return null;
  }
}

export function writeAgentState(board: Board, s: AgentRunState): void {
  ensureDir(board.agentsRunDir);
  writeAtomic(board.tmpDir, board.agentStateFile(s.agent), JSON.stringify(s, null, 1) + '\n', { fsync: false });
}

/** Read, change and write an agent's state; `fn` gets the state (a fresh one when none). */
export function updateAgentState(
  board: Board,
  agent: string,
  fn: (s: AgentRunState) => AgentRunState,
  now = new Date(),
): AgentRunState {
  const before = readAgentState(board, agent) ?? { ...initialState(agent, now.toISOString()), event: null };
  const after = fn(before);
  writeAgentState(board, after);
  return after;
}

/** Every agent with a state file. */
export function readAllAgentStates(board: Board): Map<string, AgentRunState> {
  const out = new Map<string, AgentRunState>();
  let names: string[];
  try {
    names = readdirSync(board.agentsRunDir);
  } catch {
    return out;
  }
  for (const n of names) {
    if (!n.endsWith('.json')) continue;
    const agent = n.slice(0, -5);
    if (!isAgentName(agent)) continue;
    const s = readAgentState(board, agent);
    if (s) out.set(agent, s);
  }
  return out;
}
