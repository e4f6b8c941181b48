/**
 * What every command shares: the common options, finding the board, who is acting, and
 * turning errors into exit codes.
 */
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../core/errors.js';
import { agentNameFrom, checkAgentName } from '../core/names.js';
import type { Board } from '../store/board.js';
import { loadConfig } from '../store/config.js';
import { locateBoard } from '../store/locate.js';
import { reportError } from './output.js';

export interface CommonOptions {
  board?: string;
  json?: boolean;
  as?: string;
}

/** Add --board and --json (and --as when the command acts as someone). */
export function common(cmd: Command, opts: { as?: boolean } = {}): Command {
  cmd.option('--board <dir>', 'use the board at DIR (default: found from the working directory, or BOARD_DIR)');
  if (opts.as)
    cmd.option(
      '--as <name>',
      'who is acting (default: BOARD_AGENT, else the agent whose worktree this is, else git config user.name)',
    );
  cmd.option('--json', 'print JSON (stable shapes, see docs/json.md)');
  return cmd;
}

export function openBoard(opts: CommonOptions): Board {
  return locateBoard({ board: opts.board });
}

/**
 * The agent whose recorded worktree (board.yaml `agents.NAME.worktree`) holds the working
 * directory, or undefined (no board, no such agent). The innermost one wins.
 */
export function worktreeOwner(opts: CommonOptions, cwd = process.cwd()): string | undefined {
  let board: Board;
  let agents: Record<string, { worktree: string | null }>;
  try {
    board = openBoard(opts);
    agents = loadConfig(board).agents;
  } catch {
    return undefined;
  }
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const here = real(cwd);
  let best: { name: string; len: number } | undefined;
  for (const [name, a] of Object.entries(agents)) {
    if (!a.worktree) continue;
    const top = real(isAbsolute(a.worktree) ? a.worktree : resolve(board.repo, a.worktree));
    if ((here === top || here.startsWith(top + sep)) && (!best || top.length > best.len))
      best = { name, len: top.length };
  }
  return best?.name;
}

/**
 * Who is acting: --as, else BOARD_AGENT, else the agent whose worktree this is, else git's
 * user.name turned into a valid name.
 * A given name that is not valid is refused (exit 2) before anything is touched.
 */
export function actorOf(opts: CommonOptions): string {
  if (opts.as !== undefined) return checkAgentName(opts.as, '--as name');
  const env = process.env.BOARD_AGENT;
  if (env) return checkAgentName(env, 'BOARD_AGENT name');
  const owner = worktreeOwner(opts);
  if (owner) return owner;
  const r = spawnSync('git', ['config', 'user.name'], { encoding: 'utf8', timeout: 5000 });
  const name = r.status === 0 ? agentNameFrom(r.stdout.trim()) : undefined;
  if (name) return name;
  throw usageError('who is acting? no --as, no BOARD_AGENT, and no usable git user.name', {
    hint: 'pass --as NAME or set BOARD_AGENT=NAME',
  });
}

/** Wrap a command's action: BoardErrors become their exit codes, JSON errors with --json. */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void> | void) {
  return async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (e) {
      const cmd = args[args.length - 1] as Command | undefined;
      const json = Boolean(cmd && typeof cmd.opts === 'function' && (cmd.opts() as CommonOptions).json);
      process.exitCode = reportError(e, json);
    }
  };
}

/** Split "a,b, c" into ["a","b","c"]; repeated options are concatenated. */
export function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

export function intOption(name: string) {
  return (value: string): number => {
    if (!/^-?\d+$/.test(value)) throw usageError(`${name} must be a whole number, got ${JSON.stringify(value)}`);
    return Number(value);
  };
}
