/**
 * Who hears about an agent in trouble (it died, it did not wake up): the person — board.yaml's
 * `person:` when set, else git's user.name turned into an agent name — and every agent with
 * role `orchestrator`, never the agent itself. Only names with an inbox receive anything.
 */
import { spawnSync } from 'node:child_process';
import type { BoardConfig } from '../core/config.js';
import { agentNameFrom, isAgentName } from '../core/names.js';
import type { Board } from '../store/board.js';

let gitPerson: string | null | undefined;

export function personOf(board: Board, config: BoardConfig): string | null {
  const set = (config as unknown as { person?: unknown }).person;
  if (isAgentName(set)) return set;
  if (gitPerson === undefined) {
    const r = spawnSync('git', ['config', 'user.name'], { cwd: board.repo, encoding: 'utf8', timeout: 5000 });
    gitPerson = r.status === 0 ? (agentNameFrom(r.stdout.trim()) ?? null) : null;
  }
  return gitPerson;
}

export function reportRecipients(board: Board, config: BoardConfig, agent: string): string[] {
  const to = new Set<string>();
  const person = personOf(board, config);
  if (person && person !== agent) to.add(person);
  for (const [name, c] of Object.entries(config.agents)) if (c.role === 'orchestrator' && name !== agent) to.add(name);
  return [...to];
}
