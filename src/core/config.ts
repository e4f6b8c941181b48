/**
 * board.yaml: what each setting means, with defaults. Pure: takes parsed YAML data.
 */
import { parseDuration } from './duration.js';
import { invalid, type BoardError } from './errors.js';
import { DEFAULT_INTEGRATE, integrateConfigFromData, type IntegrateConfig } from './integrate.js';
import { WAVE_POLICIES, type WavePolicy } from './graph.js';
import { isAgentName } from './names.js';
import { AGENT_KINDS, RESTART_POLICIES, type AgentKind, type RestartPolicy } from './agents.js';

export interface AgentConfig {
  role: string | null;
  worktree: string | null;
  tmux: string | null;
  notify: string | null;
  /** At most one tmux notice per this long (a duration as written, e.g. "30s"); null: the default. */
  notify_every: string | null;
  email: string | null;
  /** The agent's CLI (`board up`): claude, codex, gemini or generic. */
  kind: AgentKind;
  /** The program `board up` runs (a `sh -c` script); null: the kind's preset. */
  command: string | null;
  /** Restart the program when it exits with a failure. */
  restart: RestartPolicy;
  /** More programs a notice may be typed into, for this agent. */
  programs: string[];
}

export interface GitIdentity {
  name: string;
  email: string;
}

export interface GitConfig {
  autocommit: boolean;
  verify: boolean;
  debounceMs: number;
  /** The branch that holds the audit trail (never the user's branch). */
  branch: string;
  /** The remote `board sync` uses by default. */
  remote: string;
  /** Committer of board commits (the author is the agent). */
  committer: GitIdentity;
}

/** Working across clones through the git remote (see docs/sync.md). */
export interface SyncConfig {
  /** local: claims are decided on this clone (reconciled at sync); remote: a push confirms each. */
  claims: 'local' | 'remote';
  /** The watcher syncs this often (and soon after local changes); null: only `board sync`. */
  everyMs: number | null;
}

export interface BoardConfig {
  prefix: string;
  waves: WavePolicy;
  leaseMs: number;
  git: GitConfig;
  sync: SyncConfig;
  agents: Record<string, AgentConfig>;
  /** Merging closed tickets' work into the integration branch (core/integrate.ts). */
  integrate: IntegrateConfig;
  /** More programs a notice may be typed into (agent CLIs besides the built-in list). */
  programs: string[];
}

export const DEFAULT_CONFIG: BoardConfig = {
  prefix: 'T-',
  waves: 'strict',
  leaseMs: 30 * 60_000,
  git: {
    autocommit: true,
    verify: true,
    debounceMs: 1000,
    branch: 'recado',
    remote: 'origin',
    committer: { name: 'recado', email: 'board@localhost' },
  },
  sync: { claims: 'local', everyMs: null },
  agents: {},
  integrate: DEFAULT_INTEGRATE,
  programs: [],
};

const REMOTE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Why `name` cannot be the audit branch, or undefined when it can. A subset of git's
 * check-ref-format, and never `board` or `board/...`: agents' worktree branches are named
 * `board/NAME`, and git cannot hold a branch `board` next to branches `board/NAME`.
 */
export function auditBranchProblem(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > 100)
    return 'git.branch must be a branch name of 1-100 characters';
  if (
    !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(name) ||
    name.includes('..') ||
    name.includes('//') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.endsWith('.lock') ||
    name.split('/').some((c) => c.startsWith('.'))
  ) {
    return `invalid branch name ${JSON.stringify(name)}`;
  }
  if (name === 'board' || name.startsWith('board/'))
    return `the audit branch cannot be named ${JSON.stringify(name)}: agents' worktree branches are board/NAME`;
  if (name === 'HEAD') return 'the audit branch cannot be named HEAD';
  return undefined;
}

/** Parse "Name <email>" into an identity. */
export function parseIdentity(s: string): GitIdentity | undefined {
  const m = /^\s*([^<>\n]+?)\s*<([^<>\s]+)>\s*$/.exec(s);
  return m ? { name: m[1], email: m[2] } : undefined;
}

const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$|^$/;

function str(v: unknown): string | null {
  return typeof v === 'string' && v.trim() !== '' ? v : null;
}

export function configFromData(data: Record<string, unknown>, file = 'board.yaml'): BoardConfig {
  const fail = (field: string, message: string, hint?: string): BoardError =>
    invalid(`${file}: ${message}`, { file, field, hint });

  const prefix = data.prefix ?? DEFAULT_CONFIG.prefix;
  if (typeof prefix !== 'string' || !PREFIX_RE.test(prefix))
    throw fail(
      'prefix',
      `invalid id prefix ${JSON.stringify(prefix)}`,
      'use letters, digits, ".", "_" or "-", e.g. "T-"',
    );

  const waves = data.waves ?? DEFAULT_CONFIG.waves;
  if (!WAVE_POLICIES.includes(waves as WavePolicy))
    throw fail('waves', `unknown wave policy ${JSON.stringify(waves)}`, 'use strict or flow');

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
    debounceMs:
      g.debounce === undefined || g.debounce === null
        ? DEFAULT_CONFIG.git.debounceMs
        : parseDuration(g.debounce as string, 'git.debounce'),
    branch: DEFAULT_CONFIG.git.branch,
    remote: DEFAULT_CONFIG.git.remote,
    committer: DEFAULT_CONFIG.git.committer,
  };
  if (g.branch !== undefined && g.branch !== null) {
    const why = auditBranchProblem(g.branch);
    if (why) throw fail('git.branch', why, 'use a plain branch name such as "recado"');
    git.branch = g.branch as string;
  }
  if (g.remote !== undefined && g.remote !== null) {
    if (typeof g.remote !== 'string' || !REMOTE_RE.test(g.remote))
      throw fail(
        'git.remote',
        `invalid remote name ${JSON.stringify(g.remote)}`,
        'use the name of a git remote, e.g. "origin"',
      );
    git.remote = g.remote;
  }
  if (g.committer !== undefined && g.committer !== null) {
    const id = typeof g.committer === 'string' ? parseIdentity(g.committer) : undefined;
    if (!id)
      throw fail(
        'git.committer',
        `invalid committer ${JSON.stringify(g.committer)}`,
        'write it as "Name <email>", e.g. "recado <board@localhost>"',
      );
    git.committer = id;
  }

  const sy = (data.sync ?? {}) as Record<string, unknown>;
  if (typeof sy !== 'object' || Array.isArray(sy)) throw fail('sync', 'sync must be a map');
  const sync: SyncConfig = { ...DEFAULT_CONFIG.sync };
  if (sy.claims !== undefined && sy.claims !== null) {
    if (sy.claims !== 'local' && sy.claims !== 'remote')
      throw fail(
        'sync.claims',
        `unknown sync.claims ${JSON.stringify(sy.claims)}`,
        'use local (decided on this clone) or remote (confirmed by a push to the git remote)',
      );
    sync.claims = sy.claims;
  }
  if (sy.every !== undefined && sy.every !== null && sy.every !== false) {
    sync.everyMs = parseDuration(sy.every as string | number, 'sync.every');
    if (sync.everyMs < 1000) throw fail('sync.every', 'sync.every must be at least 1s', 'e.g. 30s or 5m');
  }

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
      notify_every: null,
      email: str(c.email),
      kind: 'generic',
      command: str(c.command),
      restart: 'never',
      programs: programList(c.programs, `agents.${name}.programs`),
    };
    const kind = c.kind ?? (c.command ? 'generic' : undefined);
    if (kind !== undefined && kind !== null) {
      if (!AGENT_KINDS.includes(kind as AgentKind))
        throw fail(
          `agents.${name}.kind`,
          `unknown kind ${JSON.stringify(kind)} for agent ${name}`,
          `use one of ${AGENT_KINDS.join(', ')}`,
        );
      agents[name].kind = kind as AgentKind;
    } else if (!c.command) {
      agents[name].kind = 'claude';
    }
    if (c.restart !== undefined && c.restart !== null) {
      if (!RESTART_POLICIES.includes(c.restart as RestartPolicy))
        throw fail(
          `agents.${name}.restart`,
          `invalid restart ${JSON.stringify(c.restart)} for agent ${name}`,
          'use never or on-failure',
        );
      agents[name].restart = c.restart as RestartPolicy;
    }
    if (c.notify_every !== undefined && c.notify_every !== null) {
      try {
        parseDuration(c.notify_every as string | number, `agents.${name}.notify_every`);
      } catch (e) {
        throw fail(`agents.${name}.notify_every`, (e as Error).message, 'give seconds ("30") or a duration: 10s, 2m');
      }
      agents[name].notify_every = String(c.notify_every);
    }
  }

  const integrate = integrateConfigFromData(data, parseDuration, file);
  return {
    prefix,
    waves: waves as WavePolicy,
    leaseMs,
    git,
    sync,
    agents,
    integrate,
    programs: programList(data.programs, 'programs'),
  };

  function programList(v: unknown, field: string): string[] {
    if (v === undefined || v === null) return [];
    const items = typeof v === 'string' ? [v] : v;
    if (
      !Array.isArray(items) ||
      !items.every((x) => typeof x === 'string' && /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(x))
    ) {
      throw fail(
        field,
        `${field} must be a list of program names`,
        "e.g. programs: [my-agent-cli] (the name tmux shows as the pane's command)",
      );
    }
    return items as string[];
  }
}
