/**
 * `board sync`: carrying the audit branch between clones through a git remote.
 *
 *   0. finish a sync that was killed halfway (sync-journal.ts);
 *   1. commit what `.board/` has that the audit branch does not (commitAll);
 *   2. fetch the remote's audit branch into refs/remotes/<remote>/<branch>;
 *   3. fast-forward, or replay/merge the two branches in a private index (sync-merge.ts);
 *   4. push the result (a rejected push means someone pushed first: fetch and merge again);
 *   5. write the journal, move the local audit branch (compare-and-swap), write the changed
 *      files into `.board/` (sync-write.ts: atomically; nothing outside `.board/`), tell
 *      agents whose claim lost (a recado from `board`), drop the journal;
 *   6. commit those notices and the files changed meanwhile, push them.
 *
 * Killed at any instant, the next sync (or the next commit by anyone) finds the journal and
 * finishes step 5 before committing anything: `.board/` never holds older files than the
 * branch says it does when a commit is built from it. Merge rules: see sync-merge.ts.
 */
import { existsSync } from 'node:fs';
import { DEFAULT_CONFIG, type BoardConfig } from '../core/config.js';
import { conflict, notFound } from '../core/errors.js';
import type { Board } from '../store/board.js';
import { loadConfig } from '../store/config.js';
import { withLock } from '../store/lock.js';
import { AuditLog } from './audit.js';
import { excludeBoardFromGit } from './exclude.js';
import { GitRepo } from './git.js';
import { checkNotCheckedOut, moveRef } from './plumbing.js';
import { fetchBranch, pushBranch } from './remote.js';
import {
  checkpoint,
  dropJournal,
  finishInterruptedSync,
  readJournal,
  whileSyncing,
  writeJournal,
} from './sync-journal.js';
import { mergeBranches, type MergeOutcome, type ReconciledClaim, type SyncContext } from './sync-merge.js';
import { ensureFolders, tellLosers, writeOut } from './sync-write.js';

export { ensureFolders } from './sync-write.js';
export type { ReconciledClaim } from './sync-merge.js';

/** The lock a sync holds while it runs (a watcher can test it to recognise sync's writes). */
export const SYNC_LOCK_KEY = 'git-sync';

export interface SyncOptions {
  /** Remote name (default: board.yaml git.remote, else origin). */
  remote?: string;
  /** Progress lines. */
  progress?: (line: string) => void;
  /** The caller holds the sync lock already (a claim confirmed by the remote). */
  locked?: boolean;
}

export interface SyncResult {
  remote: string;
  branch: string;
  /** up-to-date | pushed | fast-forward | merged | replayed | nothing (no board on either side). */
  action: 'up-to-date' | 'pushed' | 'fast-forward' | 'merged' | 'replayed' | 'nothing';
  /** Local audit branch before and after, and the remote's as fetched. */
  local: string | null;
  remoteTip: string | null;
  result: string | null;
  pushed: boolean;
  /** Commits made of local changes before syncing. */
  committed: number;
  /** Board files written or deleted in `.board/` (relative to it). */
  written: string[];
  deleted: string[];
  /** Files changed in `.board/` while the sync ran: kept (tickets merged) and committed next. */
  kept: string[];
  /** Tickets claimed on both sides: who kept the claim, whose claim was undone. */
  reconciled: ReconciledClaim[];
  /** Tickets edited on both sides whose fields were decided by the later `updated`. */
  contested: { ticket: string; fields: string[] }[];
  /** Other files changed on both sides: the version kept aside in rejected/. */
  setAside: { path: string; keptAs: string }[];
  /** Agents told that their claim was undone, and those who could not be told (no inbox). */
  notified: string[];
  unreachable: string[];
  /** A follow-up commit (the notices) that could not be pushed yet; the next sync pushes it. */
  unpushed: boolean;
  /** A sync killed halfway before this one, whose write-out this one finished. */
  resumed: boolean;
}

class Syncer {
  private readonly ref: string;
  private readonly track: string;
  private readonly ctx: SyncContext;

  constructor(
    readonly board: Board,
    readonly repo: GitRepo,
    readonly prefix: string,
    readonly config: BoardConfig,
    readonly remote: string,
    readonly hasBoard: boolean,
    private readonly progress: (line: string) => void,
  ) {
    this.ref = `refs/heads/${config.git.branch}`;
    this.track = `refs/remotes/${remote}/${config.git.branch}`;
    this.ctx = { board, repo, prefix, config, remote };
  }

  async run(): Promise<SyncResult> {
    const branch = this.config.git.branch;
    const result: SyncResult = {
      remote: this.remote,
      branch,
      action: 'up-to-date',
      local: null,
      remoteTip: null,
      result: null,
      pushed: false,
      committed: 0,
      written: [],
      deleted: [],
      kept: [],
      reconciled: [],
      contested: [],
      setAside: [],
      notified: [],
      unreachable: [],
      unpushed: false,
      resumed: false,
    };
    checkNotCheckedOut(this.repo, branch);
    let audit: AuditLog | null = null;
    // a merge a killed sync pushed but did not get to tell its losers about (told below, once
    // the branch holds it)
    let untold: { merge: string; reconciled: ReconciledClaim[] } | null = null;
    if (this.hasBoard) {
      const stale = readJournal(this.board);
      if (stale?.merge && stale.reconciled.length && stale.pid !== process.pid)
        untold = { merge: stale.merge, reconciled: stale.reconciled };
      const fin = await finishInterruptedSync(this.board, this.repo, this.prefix, this.progress, { sync: true });
      if (fin?.action === 'finished') untold = null; // told by the finish
      if (fin?.action === 'finished') {
        result.resumed = true;
        result.written.push(...fin.written);
        result.deleted.push(...fin.deleted);
        result.kept.push(...fin.kept);
        result.notified.push(...fin.notified);
      }
      audit = await AuditLog.open(this.board, { explicit: true, onEvent: () => undefined });
      const c = await audit!.commitAll();
      if (!c.ok) throw c.failure!;
      result.committed = c.commits.length;
      if (c.commits.length)
        this.progress(`committed local board changes (${c.commits.length} commit${c.commits.length === 1 ? '' : 's'})`);
    }
    checkpoint('committed');

    for (let attempt = 0; attempt < 6; attempt++) {
      const R = await fetchBranch(this.repo, this.remote, branch, this.track);
      checkpoint('fetched');
      const L = (await this.repo.tip(this.ref))?.commit ?? null;
      if (attempt === 0) {
        result.local = L;
        result.remoteTip = R;
      }
      let M: string | null;
      let push = false;
      let merged: MergeOutcome | null = null;
      if (!L && !R) {
        result.action = 'nothing';
        return result;
      } else if (!R) {
        M = L;
        push = true;
        result.action = 'pushed';
      } else if (!L) {
        M = R;
        result.action = 'fast-forward';
      } else if (L === R) {
        M = L;
      } else if (await this.repo.isAncestor(R, L)) {
        M = L;
        push = true;
        result.action = 'pushed';
      } else if (await this.repo.isAncestor(L, R)) {
        M = R;
        result.action = 'fast-forward';
      } else {
        this.progress(`merging ${branch} with ${this.remote}/${branch}`);
        merged = await mergeBranches(this.ctx, L, R);
        M = merged.commit;
        push = true;
        result.action = merged.replayed ? 'replayed' : 'merged';
        checkpoint('merged');
      }
      const reconciled = merged?.reconciled ?? [];
      const moves = M !== L || !this.hasBoard;
      const fromTree = L && this.hasBoard ? `${L}^{tree}` : null;
      if (moves) {
        // the journal before the push: killed from here on, whoever commits next finishes the
        // write-out, and the next sync tells the losers of a merge that reached the remote
        writeJournal(this.board, {
          pid: process.pid,
          ref: this.ref,
          from: L,
          to: M!,
          fromTree,
          reconciled,
          merge: merged && !merged.replayed ? M : null,
        });
        checkpoint('journal');
      }
      if (push) {
        if (
          !(await pushBranch(this.repo, this.remote, branch, M!, this.config.git.verify).catch((e) => {
            if (moves) dropJournal(this.board);
            throw e;
          }))
        ) {
          if (moves) dropJournal(this.board);
          this.progress(`${this.remote} moved while we merged; fetching again`);
          continue;
        }
        result.pushed = true;
        checkpoint('pushed');
      }
      if (moves) {
        if (M !== L && !(await moveRef(this.repo, this.ref, M!, L, `recado: sync with ${this.remote}`))) {
          dropJournal(this.board);
          this.progress(`the local ${branch} moved while syncing (a board commit); merging again`);
          continue;
        }
        checkpoint('moved');
        await writeOut(
          {
            board: this.board,
            repo: this.repo,
            prefix: this.prefix,
            hasBoard: this.hasBoard,
            progress: this.progress,
            afterFile: () => checkpoint('writing'),
          },
          fromTree,
          `${M}^{tree}`,
          result,
        );
        checkpoint('written');
        if (reconciled.length) {
          const told = tellLosers(this.board, M!, reconciled);
          result.notified.push(...told.notified);
          result.unreachable.push(...told.unreachable);
        }
        dropJournal(this.board);
        checkpoint('told');
      }
      if (merged && result.pushed) {
        result.reconciled.push(...merged.reconciled);
        result.contested.push(...merged.contested);
        result.setAside.push(...merged.setAside);
      }
      result.result = M;
      break;
    }
    if (result.result === null) {
      throw conflict(`${this.remote}/${branch} kept moving; the board could not sync`, {
        hint: 'another clone is syncing at the same time: run `board sync` again in a moment',
      });
    }

    ensureFolders(this.board);
    await excludeBoardFromGit(this.board).catch(() => undefined);
    if (untold && result.result && (await this.repo.isAncestor(untold.merge, result.result))) {
      const told = tellLosers(this.board, untold.merge, untold.reconciled);
      result.notified.push(...told.notified);
      result.unreachable.push(...told.unreachable);
    }

    // commit and push the notices and what changed meanwhile
    if (result.reconciled.length || result.kept.length || result.notified.length) {
      audit ??= await AuditLog.open(this.board, { explicit: true, onEvent: () => undefined });
      const c = await audit!.commitAll();
      if (!c.ok) throw c.failure!;
      checkpoint('notices');
      const tip = (await this.repo.tip(this.ref))?.commit ?? null;
      if (c.commits.length && tip) {
        result.unpushed = !(await pushBranch(this.repo, this.remote, branch, tip, this.config.git.verify).catch(
          () => false,
        ));
        if (!result.unpushed) result.result = tip;
      }
    }
    return result;
  }
}

/**
 * Sync the board at `board` (which may not exist yet: a fresh clone gets it from the remote).
 */
export async function syncBoard(board: Board, opts: SyncOptions = {}): Promise<SyncResult> {
  const repo = await GitRepo.find(existsSync(board.root) ? board.root : board.repo);
  const prefix = repo?.relPath(board.root);
  if (!repo || !prefix) {
    throw notFound(`${board.root} is not inside a git work tree: there is nothing to sync through`, {
      hint: 'clone the repository with git, then run `board sync` in it',
    });
  }
  const hasBoard = existsSync(board.configFile);
  const config = hasBoard ? loadConfig(board) : DEFAULT_CONFIG;
  const remote = opts.remote ?? config.git.remote;
  const known = await repo.run(['remote', 'get-url', remote], { okCodes: [1, 2, 128] });
  if (known.code !== 0) {
    throw notFound(`no git remote named "${remote}"`, {
      hint: `add one (git remote add ${remote} URL) or pass --remote NAME`,
    });
  }
  const syncer = new Syncer(board, repo, prefix, config, remote, hasBoard, opts.progress ?? (() => undefined));
  if (!hasBoard || opts.locked) return whileSyncing(() => syncer.run());
  return withLock(board, SYNC_LOCK_KEY, () => whileSyncing(() => syncer.run()));
}
