/**
 * Agents' git worktrees: one linked worktree per agent, on branch `board/NAME`, so that
 * several conversations edit code side by side without sharing a working tree. Commands run
 * inside a linked worktree find the main worktree's board (store/locate.ts), so every agent
 * shares one board.
 *
 * The audit branch (`recado`) is never checked out here: agents' branches are `board/NAME`,
 * a name the audit branch cannot take (core/config.ts).
 */
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { conflict, usageError } from '../core/errors.js';
import type { Board } from '../store/board.js';
import { runGit } from './git.js';

export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** `refs/heads/...` or null (detached). */
  branch: string | null;
}

export const agentBranch = (name: string) => `board/${name}`;

/** `git worktree list --porcelain`, run in `cwd`. */
export async function listWorktrees(cwd: string): Promise<WorktreeEntry[]> {
  const out = (await runGit(['worktree', 'list', '--porcelain'], { cwd })).stdout.toString('utf8');
  const list: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const line of out.split('\n')) {
    if (line.startsWith('worktree ')) {
      cur = { path: line.slice(9), head: null, branch: null };
      list.push(cur);
    } else if (cur && line.startsWith('HEAD ')) cur.head = line.slice(5);
    else if (cur && line.startsWith('branch ')) cur.branch = line.slice(7);
  }
  return list;
}

/** The top of the git work tree holding `dir` and its common git dir; null outside git. */
async function repoOf(dir: string): Promise<{ top: string; common: string } | null> {
  const r = await runGit(['rev-parse', '--show-toplevel', '--git-common-dir'], { cwd: dir, okCodes: [128] });
  if (r.code !== 0) return null;
  const [top, common] = r.stdout.toString('utf8').split('\n');
  if (!top || !common) return null;
  return { top, common: isAbsolute(common) ? common : resolve(dir, common) };
}

/** Where an agent's worktree is recorded in board.yaml: relative to the repository when inside it. */
export function recordedPath(board: Board, path: string): string {
  const rel = relative(board.repo, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return path;
  return rel.split(sep).join('/');
}

/** The absolute path of a worktree recorded in board.yaml. */
export function worktreePath(board: Board, recorded: string): string {
  return isAbsolute(recorded) ? recorded : resolve(board.repo, recorded);
}

function samePath(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  return real(a) === real(b);
}

export interface AddWorktreeResult {
  /** Absolute path. */
  path: string;
  branch: string;
  /** created: a new worktree; existing: it was there already; adopted: the branch's worktree found elsewhere. */
  action: 'created' | 'existing' | 'adopted';
  /** The branch existed before (not created from HEAD). */
  branchExisted: boolean;
  /** The commit the worktree starts from. */
  head: string | null;
}

/**
 * Create the worktree of agent `name`: branch `board/NAME` from the current HEAD (of the
 * worktree `cwd` is in, when it belongs to the board's repository), at `path` (default
 * `../<repo>-NAME` beside the repository). Running it again is harmless.
 */
export async function addAgentWorktree(
  board: Board,
  name: string,
  opts: { path?: string; cwd?: string } = {},
): Promise<AddWorktreeResult> {
  const cwd = opts.cwd ?? process.cwd();
  const repo = await repoOf(board.repo);
  if (!repo) {
    throw usageError(`${board.repo} is not inside a git repository: an agent's worktree needs one`, {
      hint: 'run `git init` (and make a first commit) at the top of the repository, or add the agent without --worktree',
    });
  }
  const here = await repoOf(cwd).catch(() => null);
  const gitCwd = here && here.common === repo.common ? here.top : repo.top;
  const branch = agentBranch(name);
  const path = opts.path ? resolve(cwd, opts.path) : join(dirname(repo.top), `${basename(repo.top)}-${name}`);

  let worktrees = await listWorktrees(gitCwd);
  if (worktrees.some((w) => !existsSync(w.path))) {
    // a worktree folder removed by hand: let git forget it, so it can be made again
    await runGit(['worktree', 'prune'], { cwd: gitCwd });
    worktrees = await listWorktrees(gitCwd);
  }
  const holder = worktrees.find((w) => w.branch === `refs/heads/${branch}`);
  if (holder) {
    const same = samePath(holder.path, path);
    if (same || !opts.path) {
      return {
        path: holder.path,
        branch,
        action: same ? 'existing' : 'adopted',
        branchExisted: true,
        head: holder.head,
      };
    }
    throw conflict(`branch ${branch} is already checked out at ${holder.path}`, {
      hint: `use that worktree (\`board agent add ${name} --worktree ${holder.path}\`), or remove it first: git worktree remove ${holder.path}`,
      data: { branch, worktree: holder.path },
    });
  }
  if (existsSync(path) && readdirSync(path).length > 0) {
    throw conflict(`${path} exists and is not ${name}'s worktree`, {
      hint: `pass another folder: board agent add ${name} --worktree PATH`,
      data: { path },
    });
  }

  const branchExisted =
    (await runGit(['rev-parse', '--verify', '-q', `refs/heads/${branch}`], { cwd: gitCwd, okCodes: [1] })).code === 0;
  if (!branchExisted) {
    const head = await runGit(['rev-parse', '--verify', '-q', 'HEAD^{commit}'], { cwd: gitCwd, okCodes: [1] });
    if (head.code !== 0) {
      throw usageError(`the repository has no commit yet: a worktree starts from the current HEAD`, {
        hint: 'make a first commit (e.g. `git commit --allow-empty -m "Start"`), then run this again',
      });
    }
  }
  const args = branchExisted ? ['worktree', 'add', path, branch] : ['worktree', 'add', '-b', branch, path, 'HEAD'];
  await runGit([...args.slice(0, 2), '--quiet', ...args.slice(2)], { cwd: gitCwd });
  const head = (await runGit(['rev-parse', 'HEAD'], { cwd: path })).stdout.toString('utf8').trim() || null;
  return { path, branch, action: 'created', branchExisted, head };
}

/** Files with uncommitted changes in a worktree (`git status --porcelain`: modified, staged, untracked). */
export async function uncommittedChanges(path: string): Promise<string[]> {
  const out = (await runGit(['status', '--porcelain', '--untracked-files=all'], { cwd: path })).stdout.toString('utf8');
  return out.split('\n').filter((l) => l.trim() !== '');
}

/** Remove an agent's worktree (its branch is kept: it may hold commits). */
export async function removeWorktree(board: Board, path: string, opts: { force?: boolean } = {}): Promise<void> {
  const repo = await repoOf(board.repo);
  const cwd = repo?.top ?? board.repo;
  if (!existsSync(path)) {
    await runGit(['worktree', 'prune'], { cwd });
    return;
  }
  await runGit(['worktree', 'remove', ...(opts.force ? ['--force'] : []), path], { cwd });
}
