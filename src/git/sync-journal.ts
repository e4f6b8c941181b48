/**
 * The journal that makes `board sync` safe to kill at any instant.
 *
 * A sync moves the local audit branch and then writes the merged files into `.board/`. Killed
 * between the two, `.board/` would hold the old files under the new branch tip, and the next
 * commit would record them as local changes, reverting what the other clones did. So, before
 * the branch moves, the sync writes `.board/run/sync-journal.json` (atomically) saying which
 * tree `.board/` is moving from and to, and removes it only once the files are written and
 * the agents whose claims the merge undid are told. Whoever commits to the audit branch next
 * (`board sync`, `board commit`, the watcher) finds a journal whose sync is no longer running
 * and finishes the write-out first (writeOut is idempotent: a file already right is left, a
 * file still at the old version is replaced, a file edited since is kept and merged).
 *
 *   branch not moved yet      the journal is dropped (the next sync fast-forwards); when the
 *                             merge undid claims, only the next sync drops it, telling the
 *                             losers once its branch holds that merge
 *   branch at or past `to`    the files are written from `from` to `to`, losers told, dropped
 *   branch elsewhere          (reset by hand) the journal is dropped, nothing written
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import type { GitRepo } from './git.js';
import type { ReconciledClaim } from './sync-merge.js';
import { ensureDir } from '../store/nolink.js';

export interface SyncJournal {
  /** The sync process (a live one finishes its own journal). */
  pid: number;
  /** The audit branch (full ref name). */
  ref: string;
  /** The branch tip before (null: none) and after. */
  from: string | null;
  to: string;
  /** The tree `.board/` holds before: the old tip's, or null for a clone without a board. */
  fromTree: string | null;
  /** Claims the merge undid: their holders are told. */
  reconciled: ReconciledClaim[];
  /** The merge commit the notices are named after. */
  merge: string | null;
}

export function journalFile(board: Board): string {
  return join(board.runDir, 'sync-journal.json');
}

export function readJournal(board: Board): SyncJournal | null {
  let text: string;
  try {
    text = readFileSync(journalFile(board), 'utf8');
  } catch {
    return null;
  }
  try {
    const j = JSON.parse(text) as SyncJournal;
    return typeof j.to === 'string' && typeof j.ref === 'string' ? j : null;
  } catch {
    return null; // torn by hand: writeAtomic never leaves half a file
  }
}

export function writeJournal(board: Board, j: SyncJournal): void {
  ensureDir(board.runDir);
  writeAtomic(board.tmpDir, journalFile(board), JSON.stringify(j, null, 2) + '\n');
}

export function dropJournal(board: Board): void {
  rmSync(journalFile(board), { force: true });
}

/** Syncs running in this process (a watcher's live sync): their journals are not left over. */
let syncsHere = 0;

export async function whileSyncing<T>(fn: () => Promise<T>): Promise<T> {
  syncsHere++;
  try {
    return await fn();
  } finally {
    syncsHere--;
  }
}

function alive(pid: number, self: boolean): boolean {
  if (pid === process.pid) return !self && syncsHere > 0; // ours: a sync running here, else left by one that failed
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Finished {
  action: 'dropped' | 'finished';
  written: string[];
  deleted: string[];
  kept: string[];
  notified: string[];
}

/**
 * Finish the write-out of a sync that was killed (no-op when there is no journal, or its sync
 * is still running). Cheap when there is nothing to do: one failed open.
 */
export async function finishInterruptedSync(
  board: Board,
  repo: GitRepo,
  prefix: string,
  progress: (line: string) => void = () => undefined,
  opts: { sync?: boolean } = {},
): Promise<Finished | null> {
  const j = readJournal(board);
  if (!j || alive(j.pid, !!opts.sync)) return null;
  const out: Finished = { action: 'dropped', written: [], deleted: [], kept: [], notified: [] };
  const tip = (await repo.tip(j.ref))?.commit ?? null;
  const reached = tip && (tip === j.to || (await repo.isAncestor(j.to, tip)));
  // not moved yet, with losers to tell: left for the next sync, which tells them once its
  // branch holds the merge (the push may have reached the remote before the kill)
  if (!reached && !opts.sync && j.merge && j.reconciled.length && tip === j.from) return null;
  if (reached) {
    const { writeOut, tellLosers } = await import('./sync-write.js');
    progress(`finishing a sync that was interrupted (${j.ref.replace('refs/heads/', '')} at ${j.to.slice(0, 10)})`);
    await writeOut({ board, repo, prefix, hasBoard: true, progress }, j.fromTree, `${j.to}^{tree}`, out);
    if (j.merge && j.reconciled.length) out.notified = tellLosers(board, j.merge, j.reconciled).notified;
    out.action = 'finished';
  }
  dropJournal(board);
  return out;
}

/**
 * A test hook: `BOARD_SYNC_KILL_AT=STEP` makes a sync SIGKILL itself at that step (see
 * docs/sync.md), so tests can kill it at every step with a real signal.
 */
export function checkpoint(step: string): void {
  if (process.env.BOARD_SYNC_KILL_AT === step) process.kill(process.pid, 'SIGKILL');
}
