/**
 * The git remote as the board's coordination point.
 *
 * Transport: fetching the remote's audit branch and pushing to it (a push either
 * fast-forwards the remote's branch or is rejected: a compare-and-swap any git host does).
 *
 * Claims confirmed by the remote (board.yaml `sync.claims: remote`): `confirmOnRemote` runs
 * one board operation (claim, next, renew, release, close) so that the push is its commit
 * point. Under the sync lock of this clone:
 *
 *   1. sync: commit local changes, fetch, merge, push, write out (the board is now current);
 *   2. run the operation on the board (its usual checks: a ticket held by someone else is
 *      refused here, exit 4, naming the holder and the clone it claimed from);
 *   3. commit the ticket as the operation left it, on the local audit branch;
 *   4. push that commit: accepted → confirmed, done. Rejected → another clone moved first:
 *      the ticket file is put back as it was and the branch back to where it was, and the
 *      loop starts again at 1 (which brings the other clone's change, and 2 decides again).
 *
 * Any number of clones: each push names the remote tip it builds on, so of two operations
 * built on the same tip only one is accepted; the other one is decided again on top of it.
 * The ticket operations (ops/tickets.ts: claim, next, renew, release, close) call it around
 * their store operation, so every face (CLI, web, MCP, requests by recado) gets the same.
 */
import { hostname } from 'node:os';
import { authorIdentity } from '../core/audit.js';
import { activeClaim } from '../core/claims.js';
import type { BoardConfig } from '../core/config.js';
import { describeTicketChange } from '../core/describe.js';
import { BoardError, conflict } from '../core/errors.js';
import type { Ticket } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { loadConfig } from '../store/config.js';
import { withLock } from '../store/lock.js';
import { readTicket } from '../store/tickets.js';
import { GIT_NETWORK_TIMEOUT_MS, gitFailure, GitRepo } from './git.js';
import { buildTree, commitTree, moveRef, readText } from './plumbing.js';

/* ---------------------------------------------------------------- transport ---- */

/** Fetch the remote's branch into `track`; its tip, or null when the remote has no such branch. */
export async function fetchBranch(
  repo: GitRepo,
  remote: string,
  branch: string,
  track: string,
): Promise<string | null> {
  const r = await repo.run(
    [
      'fetch',
      '--no-tags',
      '--no-write-fetch-head',
      '--no-recurse-submodules',
      remote,
      `+refs/heads/${branch}:${track}`,
    ],
    {
      timeoutMs: GIT_NETWORK_TIMEOUT_MS,
      okCodes: [1, 128],
    },
  );
  if (r.code !== 0) {
    if (/couldn't find remote ref/i.test(r.stderr)) {
      await repo.run(['update-ref', '-d', track]).catch(() => undefined);
      return null;
    }
    throw unreachable(remote, `git fetch ${remote}`, r.code, r.stderr);
  }
  return (await repo.tip(track))?.commit ?? null;
}

/** A remote that could not be reached (gone, no network, no permission to read). */
function unreachable(remote: string, command: string, code: number, stderr: string): BoardError {
  const e = gitFailure(command, code, stderr);
  e.message = `the remote "${remote}" cannot be reached: ${e.message}`;
  e.details.hint = `check that the remote "${remote}" is reachable (git fetch ${remote}); nothing was lost: local board changes are committed on the audit branch and go out with the next board sync`;
  e.details.data = { ...(e.details.data as object), remote, reason: 'unreachable' };
  return e;
}

/**
 * Push `commit` as the remote's `branch`. False when the remote moved (not a fast-forward: a
 * race another clone won). Any other refusal (a pre-receive hook, no permission, a remote
 * that vanished) throws, saying which.
 */
export async function pushBranch(
  repo: GitRepo,
  remote: string,
  branch: string,
  commit: string,
  verify: boolean,
): Promise<boolean> {
  const args = ['push', '--porcelain'];
  if (!verify) args.push('--no-verify');
  args.push(remote, `${commit}:refs/heads/${branch}`);
  const r = await repo.run(args, { timeoutMs: GIT_NETWORK_TIMEOUT_MS, okCodes: [1, 128] });
  if (r.code === 0) return true;
  const out = r.stdout.toString('utf8');
  const line = out.split('\n').find((l) => l.startsWith('!'));
  if (line && /\[rejected\]/.test(line) && /(fetch first|non-fast-forward|stale info)/.test(line)) return false;
  // two pushes at once: the remote could not lock or update the ref for the later one
  if (
    line &&
    /\[remote rejected\]/.test(line) &&
    /(failed to update ref|failed to lock|cannot lock ref|incorrect old value)/.test(line)
  )
    return false;
  const e = gitFailure(`git push ${remote}`, r.code, `${r.stderr}\n${line ?? ''}`);
  const remoteRejected = line && /\[remote rejected\]/.test(line);
  if (remoteRejected) {
    const why = /\(([^)]*)\)\s*$/.exec(line!)?.[1] ?? 'refused';
    e.message = `the remote "${remote}" refused the push of the audit branch ${branch} (${why}); the board changes stay committed locally`;
    e.details.hint = `a hook or rule on the remote refuses pushes to ${branch}: allow them there (board commits touch only ${branch}), then run board sync again`;
    e.details.data = { ...(e.details.data as object), remote, reason: 'remote-rejected', why };
  } else if (
    !line &&
    /(could not read from remote|does not appear to be a git repository|unable to access|could not resolve|connection refused|repository .* not found)/i.test(
      r.stderr,
    )
  ) {
    throw unreachable(remote, `git push ${remote}`, r.code, r.stderr);
  } else {
    e.details.hint = /hook/i.test(r.stderr)
      ? 'a pre-push hook refused the push: fix it, or set git.verify: false in .board/board.yaml to skip hooks for board pushes'
      : `check that you can push to "${remote}" (git push ${remote}); the board changes stay committed locally`;
  }
  throw e;
}

/** This clone's name, as recorded with the claims it confirms: git config board.clone, else host:path. */
export async function cloneName(repo: GitRepo): Promise<string> {
  const r = await repo.run(['config', '--get', 'board.clone'], { okCodes: [1] });
  const set = r.code === 0 ? r.stdout.toString('utf8').trim() : '';
  return (set || `${hostname()}:${repo.top}`).replace(/[\r\n]/g, ' ').slice(0, 200);
}

/* ------------------------------------------------------ confirmed by remote ---- */

export interface Confirmation {
  /** remote: confirmed by a push; offline: decided here only (--offline), reconciled at the next sync; local: sync.claims is local. */
  mode: 'remote' | 'offline' | 'local';
  confirmed: boolean;
  remote: string | null;
  clone: string | null;
  /** Pushes rejected because another clone moved first, before this one went through. */
  retries: number;
}

/** What an operation did to one ticket. */
export interface OpOutcome {
  changed: boolean;
  before: Ticket | null;
  after: Ticket;
}

export interface ConfirmOptions {
  actor: string;
  /** Decide on this clone only (the remote is not asked); reconciled at the next sync. */
  offline?: boolean;
  /** Progress lines (stderr on a terminal). */
  progress?: (line: string) => void;
}

const MAX_ROUNDS = 12;

/**
 * Run `op` (one claim, next, renew, release or close on this board) so that, with
 * `sync.claims: remote`, it holds only once the remote accepted it. Returns what `op`
 * returned and how it was confirmed. Refusals are op's own (exit 4), with the holder's clone.
 */
export async function confirmOnRemote<T>(
  board: Board,
  opts: ConfirmOptions,
  op: () => Promise<T>,
  outcome: (value: T) => OpOutcome,
): Promise<{ value: T; confirmation: Confirmation }> {
  const config = loadConfig(board);
  if (config.sync.claims !== 'remote' || opts.offline) {
    const value = await op();
    const mode = opts.offline && config.sync.claims === 'remote' ? 'offline' : 'local';
    return { value, confirmation: { mode, confirmed: false, remote: null, clone: null, retries: 0 } };
  }
  const repo = await GitRepo.find(board.repo);
  const prefix = repo?.relPath(board.root);
  if (!repo || !prefix) {
    throw new BoardError('not_found', `sync.claims is remote, but ${board.root} is not inside a git work tree`, {
      hint: 'clone the repository with git, or set sync.claims: local in .board/board.yaml',
    });
  }
  const { syncBoard, SYNC_LOCK_KEY } = await import('./sync.js');
  const remote = config.git.remote;
  const clone = await cloneName(repo);
  const progress = opts.progress ?? (() => undefined);
  return withLock(board, SYNC_LOCK_KEY, async () => {
    for (let round = 0; round < MAX_ROUNDS; round++) {
      try {
        await syncBoard(board, { locked: true, progress });
      } catch (e) {
        if (e instanceof BoardError && (e.details.data as { reason?: string } | undefined)?.reason === 'unreachable') {
          e.message = `cannot confirm with the remote: ${e.message}`;
          e.details.hint = `sync.claims is remote: each claim is confirmed by a push to "${remote}". Retry when it is reachable, or pass --offline to decide on this clone only (unconfirmed; reconciled at the next board sync, where the earliest claim wins)`;
        }
        throw e;
      }
      let value: T;
      try {
        value = await op();
      } catch (e) {
        throw await withHolderClone(e, board, repo, prefix, config);
      }
      const o = outcome(value);
      if (!o.changed)
        return { value, confirmation: { mode: 'remote', confirmed: true, remote, clone, retries: round } };
      const r = await commitAndPush(board, repo, prefix, config, remote, clone, opts.actor, o);
      if (r === 'pushed')
        return { value, confirmation: { mode: 'remote', confirmed: true, remote, clone, retries: round } };
      progress(`${remote} moved first (another clone); deciding again`);
    }
    throw conflict(
      `${remote}/${config.git.branch} kept moving: the operation could not be confirmed after ${MAX_ROUNDS} tries`,
      {
        hint: 'many clones are writing at once; try again in a moment (nothing was changed)',
      },
    );
  });
}

/**
 * Commit the ticket as `op` left it on top of the local audit branch and push that commit.
 * 'rejected': the remote moved first; the ticket file and the branch are put back as they
 * were (file first: a kill in between leaves the branch ahead of the file, never a claim on
 * disk that the branch does not hold).
 */
async function commitAndPush(
  board: Board,
  repo: GitRepo,
  prefix: string,
  config: BoardConfig,
  remote: string,
  clone: string,
  actor: string,
  o: OpOutcome,
): Promise<'pushed' | 'rejected'> {
  const ref = `refs/heads/${config.git.branch}`;
  const rel = `tickets/${o.after.id}.md`;
  const path = `${prefix}/${rel}`;
  const tip = await repo.tip(ref);
  const text = readText(board.ticketFile(o.after.id));
  if (text === null)
    throw new BoardError('internal', `${board.rel(board.ticketFile(o.after.id))} vanished right after it was written`);
  const oid = await repo.hashContent(text);
  const tree = await buildTree(repo, board, tip?.tree ?? null, new Map([[path, { mode: '100644', oid }]]));
  const what = describeTicketChange(o.before, o.after);
  const commit = await commitTree(repo, {
    tree,
    parents: tip ? [tip.commit] : [],
    message: `board(${o.after.id}): ${what} (confirmed by ${remote})\n\nBoard-Clone: ${clone}\n`,
    author: authorIdentity(actor, config),
    committer: config.git.committer,
  });
  if (!(await moveRef(repo, ref, commit, tip?.commit ?? null, `recado: ${what}`))) {
    throw conflict(`the audit branch ${config.git.branch} moved while confirming ${o.after.id}`, { hint: 'try again' });
  }
  const undo = async () => {
    const before = tip ? ((await repo.catFiles([`${tip.commit}:${path}`])).get(`${tip.commit}:${path}`) ?? null) : null;
    const { writeBoardFile } = await import('./sync-write.js');
    if (readText(board.ticketFile(o.after.id)) === text) await writeBoardFile({ board, hasBoard: true }, rel, before);
    if (tip) await moveRef(repo, ref, tip.commit, commit, `recado: ${o.after.id} not confirmed by ${remote}`);
  };
  let pushed: boolean;
  try {
    pushed = await pushBranch(repo, remote, config.git.branch, commit, config.git.verify);
  } catch (e) {
    // refused for another reason than a race (a hook, permissions, the remote gone): not done
    await undo();
    if (e instanceof BoardError) e.message = `${o.after.id} unchanged (not confirmed): ${e.message}`;
    throw e;
  }
  if (pushed) return 'pushed';
  // rejected: undo here, then decide again on top of what the other clone pushed
  await undo();
  return 'rejected';
}

/** A refusal because someone holds the ticket: name the clone their claim was confirmed from. */
async function withHolderClone(
  e: unknown,
  board: Board,
  repo: GitRepo,
  prefix: string,
  config: BoardConfig,
): Promise<unknown> {
  if (!(e instanceof BoardError) || e.kind !== 'conflict') return e;
  const id = /^(\S+) (is claimed by|overlaps)/.exec(e.message)?.[1];
  if (!id) return e;
  let holder: string | null = null;
  try {
    holder = activeClaim(readTicket(board, id).ticket, new Date())?.by ?? null;
  } catch {
    /* unreadable: leave the message */
  }
  if (!holder) return e;
  const log = await repo
    .text([
      'log',
      '-n',
      '50',
      '--format=%an%x00%(trailers:key=Board-Clone,valueonly,separator=%x20)%x00',
      `refs/heads/${config.git.branch}`,
      '--',
      `${prefix}/tickets/${id}.md`,
    ])
    .catch(() => '');
  const parts = log.split('\0').map((s) => s.trim());
  for (let i = 0; i + 1 < parts.length; i += 2) {
    if (parts[i] === holder && parts[i + 1]) {
      e.message += ` (confirmed from clone ${parts[i + 1]})`;
      e.details.data = { ...(e.details.data as object), holder, clone: parts[i + 1] };
      return e;
    }
  }
  e.details.data = { ...(e.details.data as object), holder };
  return e;
}
