/**
 * The next wave starts from the integrated code: bringing agents' worktrees up to date with
 * the integration branch.
 *
 * Whose: the agents holding or assigned an unfinished ticket of the open wave (optionally only
 * the tickets that depend, directly or not, on tickets just integrated). Where: the agent's
 * worktree from board.yaml, else the worktree that has `board/NAME` checked out; never the
 * main checkout (the person's). How: `git merge` of the integration branch's tip into the
 * branch checked out there, which must be the agent's own `board/NAME`: their commits are
 * never rewritten (a fast-forward when they have none of their own, else a merge commit).
 * A worktree with uncommitted changes is not touched: its agent is told to commit and run
 * `board update`. A merge that conflicts is aborted (the worktree is left as it was) and
 * the agent is told which files.
 */
import { existsSync, realpathSync } from 'node:fs';
import { announcementId } from '../core/announce.js';
import type { BoardConfig } from '../core/config.js';
import { integrateSettings, oneLine } from '../core/integrate.js';
import { RESOLVED, type Ticket } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { sendFromBoard, type BoardNotice, type SendResult } from '../store/mailbox.js';
import { loadBoard, type LoadedBoard } from '../store/tickets.js';
import { GitRepo, runGit } from './git.js';
import { activeClaim } from '../core/claims.js';
import { agentBranch, listWorktrees, uncommittedChanges, worktreePath, type WorktreeEntry } from './worktree.js';

export type UpdateResult =
  | 'updated'
  | 'up_to_date'
  | 'dirty'
  | 'conflict'
  | 'no_worktree'
  | 'other_branch'
  | 'no_integration'
  | 'error';

export interface UpdateOutcome {
  agent: string;
  worktree: string | null;
  result: UpdateResult;
  /** The worktree's commit after the update. */
  commit?: string;
  files?: string[];
  message?: string;
  told?: string[];
}

export interface UpdateOptions {
  /** Only agents whose open-wave tickets depend on one of these tickets. */
  after?: Iterable<string>;
  /** Exactly these agents (board update NAME…), whatever their tickets. */
  agents?: string[];
  send?: (notice: BoardNotice) => SendResult;
  now?: Date;
  /** Tell agents (dirty, conflict) by recado; default true. */
  tell?: boolean;
}

const real = (p: string) => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

/** Agents holding or assigned an unfinished ticket of the open wave (those depending on `after`, when given). */
export function openWaveAgents(loaded: LoadedBoard, now: Date, after?: Iterable<string>): string[] {
  const open = loaded.graph.openWave;
  const names = new Set<string>();
  const since = after ? new Set(after) : null;
  const dependsOn = (t: Ticket): boolean => {
    if (!since) return true;
    const seen = new Set<string>();
    const stack = [...t.deps];
    while (stack.length) {
      const d = stack.pop()!;
      if (since.has(d)) return true;
      if (seen.has(d)) continue;
      seen.add(d);
      stack.push(...(loaded.tickets.get(d)?.deps ?? []));
    }
    return false;
  };
  for (const t of loaded.tickets.values()) {
    if (RESOLVED.has(t.status)) continue;
    const wave = loaded.graph.waveOf(t.id);
    if (open === null || wave !== open) {
      if (loaded.graph.policy === 'strict' || !loaded.derived(t.id).ready) continue; // flow: every ready ticket is open
    }
    if (!dependsOn(t)) continue;
    const holder = activeClaim(t, now)?.by;
    if (holder) names.add(holder);
    if (t.assignee) names.add(t.assignee);
  }
  return [...names].sort();
}

/** Bring the worktrees of the open wave's agents (or of `opts.agents`) up to date. */
export async function updateWorktrees(board: Board, opts: UpdateOptions = {}): Promise<UpdateOutcome[]> {
  const repo = await GitRepo.find(board.repo);
  if (!repo) return [];
  const loaded = loadBoard(board);
  const config = loaded.config;
  const now = opts.now ?? new Date();
  const agents = opts.agents ?? openWaveAgents(loaded, now, opts.after);
  if (!agents.length) return [];
  const branch = integrateSettings(config).branch;
  const tip = (await repo.tip(`refs/heads/${branch}`))?.commit ?? null;
  if (!tip && !opts.agents) return []; // nothing integrated yet: nothing to bring
  const worktrees = await listWorktrees(repo.top);
  const out: UpdateOutcome[] = [];
  for (const agent of agents) {
    const o = await updateAgent(board, repo, config, agent, tip, worktrees, opts, now);
    out.push(o);
  }
  return out;
}

async function updateAgent(
  board: Board,
  repo: GitRepo,
  config: BoardConfig,
  agent: string,
  tip: string | null,
  worktrees: WorktreeEntry[],
  opts: UpdateOptions,
  now: Date,
): Promise<UpdateOutcome> {
  const ref = `refs/heads/${agentBranch(agent)}`;
  const recorded = config.agents[agent]?.worktree;
  let path = recorded ? worktreePath(board, recorded) : null;
  if (!path || !existsSync(path)) path = worktrees.find((w) => w.branch === ref)?.path ?? null;
  if (!path)
    return {
      agent,
      worktree: null,
      result: 'no_worktree',
      message: `${agent} has no worktree of its own (board agent add ${agent} --worktree makes one)`,
    };
  if (real(path) === real(repo.top))
    return {
      agent,
      worktree: path,
      result: 'no_worktree',
      message: "that is the main checkout (the person's): the board does not merge there",
    };
  return updateCheckout(board, config, agent, path, tip, { ...opts, now, expectBranch: ref });
}

/**
 * Merge the integration tip into the checkout at `path` (see the top of this file). With
 * `expectBranch`, only when that branch is checked out there.
 */
export async function updateCheckout(
  board: Board,
  config: BoardConfig,
  agent: string,
  path: string,
  tip: string | null,
  opts: UpdateOptions & { expectBranch?: string; now?: Date },
): Promise<UpdateOutcome> {
  const branch = integrateSettings(config).branch;
  const base: UpdateOutcome = { agent, worktree: path, result: 'up_to_date' };
  const git = (args: string[], o: { okCodes?: number[]; env?: Record<string, string> } = {}) =>
    runGit(args, { cwd: path, ...o });
  try {
    if (!tip)
      return {
        ...base,
        result: 'no_integration',
        message: `there is no branch ${branch} yet: nothing is integrated (run \`board integrate\`)`,
      };
    const head = await git(['symbolic-ref', '--quiet', 'HEAD'], { okCodes: [1, 128] });
    const checkedOut = head.code === 0 ? head.stdout.toString('utf8').trim() : null;
    if (opts.expectBranch && checkedOut !== opts.expectBranch) {
      return {
        ...base,
        result: 'other_branch',
        message: `${path} has ${checkedOut ?? 'a detached HEAD'} checked out, not ${opts.expectBranch.replace('refs/heads/', '')}: left alone`,
      };
    }
    if ((await git(['merge-base', '--is-ancestor', tip, 'HEAD'], { okCodes: [1] })).code === 0) return base;
    const dirty = await uncommittedChanges(path);
    if (dirty.length) {
      const told = tell(
        board,
        opts,
        agent,
        'dirty',
        tip,
        `your worktree is behind ${branch}: commit, then run \`board update\``,
        [
          `${branch} has new integrated work, but your worktree ${path} has uncommitted changes (${dirty.length} file${dirty.length === 1 ? '' : 's'}), so the board did not touch it.`,
          '',
          'Commit your changes, then run `board update` to merge the integrated code into your branch.',
        ].join('\n'),
      );
      return {
        ...base,
        result: 'dirty',
        files: dirty.slice(0, 50).map((l) => l.slice(3)),
        message: `${dirty.length} uncommitted change${dirty.length === 1 ? '' : 's'}: not touched`,
        told,
      };
    }
    const who = config.git.committer;
    const env = {
      GIT_AUTHOR_NAME: who.name,
      GIT_AUTHOR_EMAIL: who.email,
      GIT_COMMITTER_NAME: who.name,
      GIT_COMMITTER_EMAIL: who.email,
    };
    const r = await git(
      [
        'merge',
        '--no-edit',
        '--no-verify',
        '--no-gpg-sign',
        '-m',
        `Merge ${branch} into ${checkedOut?.replace('refs/heads/', '') ?? 'HEAD'} (board update)`,
        tip,
      ],
      { env, okCodes: [1, 128] },
    );
    if (r.code !== 0) {
      const files = (await git(['diff', '--name-only', '-z', '--diff-filter=U'])).stdout
        .toString('utf8')
        .split('\0')
        .filter(Boolean);
      await git(['merge', '--abort'], { okCodes: [1, 128] });
      const told = tell(
        board,
        opts,
        agent,
        'conflict',
        tip,
        `merging ${branch} into your branch conflicts`,
        [
          `The board tried to bring your worktree ${path} up to date with ${branch} and the merge conflicts${files.length ? ` in:\n${files.map((f) => `- ${f}`).join('\n')}` : '.'}`,
          '',
          `Nothing was changed. Run \`git merge ${branch}\` in your worktree, resolve, and commit.`,
        ].join('\n'),
      );
      return {
        ...base,
        result: 'conflict',
        files,
        message: files.length
          ? `conflict in ${files.length} file${files.length === 1 ? '' : 's'}; merge aborted`
          : oneLine(r.stderr, 200),
        told,
      };
    }
    const commit = (await git(['rev-parse', 'HEAD'])).stdout.toString('utf8').trim();
    return { ...base, result: 'updated', commit };
  } catch (e) {
    return { ...base, result: 'error', message: oneLine(String((e as Error)?.message ?? e), 300) };
  }
}

function tell(
  board: Board,
  opts: UpdateOptions,
  agent: string,
  kind: string,
  tip: string,
  subject: string,
  body: string,
): string[] {
  if (opts.tell === false) return [];
  const notice: BoardNotice = { id: announcementId('update', `${agent}-${kind}`, [tip]), to: [agent], subject, body };
  try {
    const r = (opts.send ?? ((n) => sendFromBoard(board, n, opts.now ?? new Date())))(notice);
    return [...r.delivered, ...(r.already ?? [])];
  } catch {
    return [];
  }
}
