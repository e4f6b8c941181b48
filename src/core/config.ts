/**
 * board.yaml: what each setting means, with defaults. Pure: takes parsed YAML data.
 */
import { parseDuration } from './duration.js';
import { invalid, type BoardError } from './errors.js';
import { WAVE_POLICIES, type WavePolicy } from './graph.js';
import { isAgentName } from './names.js';

export interface AgentConfig {
  role: string | null;
  worktree: string | null;
  tmux: string | null;
  notify: string | null;
  email: string | null;
}

export interface GitConfig {
  autocommit: boolean;
  verify: boolean;
  debounceMs: number;
}

export interface BoardConfig {
  prefix: string;
  waves: WavePolicy;
  leaseMs: number;
  git: GitConfig;
  agents: Record<string, AgentConfig>;
}

export const DEFAULT_CONFIG: BoardConfig = {
  prefix: 'T-',
  waves: 'strict',
  leaseMs: 30 * 60_000,
  git: { autocommit: true, verify: true, debounceMs: 1000 },
  agents: {},
};

const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$|^$/;

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

export function configFromData(data: Record<string, unknown>, file = 'board.yaml'): BoardConfig {
  const fail = (field: string, message: string, hint?: string): BoardError => invalid(`${file}: ${message}`, { file, field, hint });

  const prefix = data.prefix ?? DEFAULT_CONFIG.prefix;
  if (typeof prefix !== 'string' || !PREFIX_RE.test(prefix)) throw fail('prefix', `invalid id prefix ${JSON.stringify(prefix)}`, 'use letters, digits, ".", "_" or "-", e.g. "T-"');

  const waves = data.waves ?? DEFAULT_CONFIG.waves;
  if (!WAVE_POLICIES.includes(waves as WavePolicy)) throw fail('waves', `unknown wave policy ${JSON.stringify(waves)}`, 'use strict or flow');

  let leaseMs = DEFAULT_CONFIG.leaseMs;
  if (data.lease !== undefined && data.lease !== null) {
    leaseMs = parseDuration(data.lease as string | number, 'lease');
  }

  const g = (data.git ?? {}) as Record<string, unknown>;
  if (typeof g !== 'object' || Array.isArray(g)) throw fail('git', 'git must be a map');
  const bool = (v: unknown, d: boolean, field: string) => {
    if (v === undefined || v === null) return d;
    if (typeof v !== 'boolean') throw fail(field, `${field} must be true or false`);
    return v;
  };
  const git: GitConfig = {
    autocommit: bool(g.autocommit, DEFAULT_CONFIG.git.autocommit, 'git.autocommit'),
    verify: bool(g.verify, DEFAULT_CONFIG.git.verify, 'git.verify'),
    debounceMs: g.debounce === undefined || g.debounce === null ? DEFAULT_CONFIG.git.debounceMs : parseDuration(g.debounce as string, 'git.debounce'),
  };

  const agents: Record<string, AgentConfig> = {};
  const a = data.agents ?? {};
  if (typeof a !== 'object' || Array.isArray(a)) throw fail('agents', 'agents must be a map of name to settings');
  for (const [name, raw] of Object.entries(a as Record<string, unknown>)) {
    if (!isAgentName(name)) throw fail('agents', `invalid agent name ${JSON.stringify(name)}`);
    const c = (raw ?? {}) as Record<string, unknown>;
    if (typeof c !== 'object' || Array.isArray(c)) throw fail(`agents.${name}`, 'agent settings must be a map');
    agents[name] = {
      role: str(c.role),
      worktree: str(c.worktree),
      tmux: str(c.tmux),
      notify: str(c.notify),
      email: str(c.email),
    };
  }

  return { prefix, waves: waves as WavePolicy, leaseMs, git, agents };
}
