/**
 * The audit trail: board changes committed to git, on a branch of their own.
 *
 * Board commits never go on the user's branch. They go on the audit branch (`recado` by
 * default, board.yaml `git.branch`), built with plumbing through a private index file under
 * `.board/run/` (see plumbing.ts): read-tree of the branch tip, update-index with the
 * changed `.board/` paths, write-tree, commit-tree, then update-ref with the expected old
 * value, so two committers (the watcher and a `board commit`) never lose each other's commit.
 * The user's HEAD, index and working tree are never read or written; every tree holds only
 * paths under `.board/` (never tmp/, locks/, run/).
 *
 * The watcher calls `record()` for each change it sees; changes are debounced and batched
 * (`git.debounce`), and a batch becomes one commit per author. `commitAll()` commits
 * whatever differs between `.board/` and the branch (on watcher start, and `board commit`).
 * A failed commit (git error, a commit-msg hook that refuses) is reported through `onEvent`
 * and the return value; its changes stay queued for the next batch.
 */
import { run } from '../proc/run.js';
import {
  accessSync,
  constants,
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import {
  attributePath,
  auditPath,
  authorIdentity,
  classifyPath,
  commitMessage,
  recadoHeader,
  type Attribution,
  type MessageItem,
} from '../core/audit.js';
import type { BoardConfig, GitIdentity } from '../core/config.js';
import { describeTicketChange } from '../core/describe.js';
import { BoardError, conflict, notFound } from '../core/errors.js';
import { isAgentName } from '../core/names.js';
import type { Ticket } from '../core/ticket.js';
import { uniqueName } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import { loadConfig } from '../store/config.js';
import { parseTicketText } from '../store/tickets.js';
import { GIT_TIMEOUT_MS, GitRepo, gitEnv, type TreeEntry } from './git.js';
import { checkNotCheckedOut, commitTree, moveRef, readText, TempIndex } from './plumbing.js';
import { finishInterruptedSync } from './sync-journal.js';

/* -------------------------------------------------------------------- types ---- */

/** One change the watcher saw. */
export interface AuditChange {
  /** The file (or folder) that changed: absolute, or relative to `.board/`. */
  path: string;
  /** The agent who made it (`board` for the board itself). */
  author: string;
  /** One line: "claimed by alice", "recado bob -> carol". Derived from the files when left out. */
  what?: string;
  /** The ticket it is about (taken from the path for ticket files). */
  ticket?: string;
  /** When it happened (default: when recorded). */
  at?: Date;
  /**
   * Committed, but not listed in the message: another change of the same batch says what
   * happened (the cur/ copy of a read recado, the other recipients of one recado).
   */
  quiet?: boolean;
  /**
   * The file's text as this change left it, when the caller has it (the watcher does for
   * tickets). When another author changes the same file later in the same batch, this
   * author's commit then holds this version, so each commit holds what its author wrote.
   * Without it, the file is committed once, as the last author left it.
   */
  content?: string;
}

export interface AuditCommit {
  commit: string;
  author: string;
  email: string;
  subject: string;
  /** Number of files the commit changed. */
  files: number;
  /** Number of recorded changes it covers. */
  changes: number;
}

export interface AuditResult {
  ok: boolean;
  commits: AuditCommit[];
  /** Why the commit failed (ok false); the changes were kept for the next batch. */
  error?: string;
  /** The failure itself, for callers that map it to an exit code. */
  failure?: BoardError;
  /** Changes still waiting to be committed. */
  kept: number;
  /** Files left out: symbolic links, non-regular files, files over the size limit. */
  skipped: string[];
  /** Time the flush took. */
  ms: number;
}

export type AuditEvent =
  | { type: 'committed'; commits: AuditCommit[]; ms: number }
  | { type: 'failed'; error: string; kept: number; retryInMs: number }
  | { type: 'skipped'; paths: string[]; reason: string }
  | { type: 'disabled'; reason: string };

export interface AuditOptions {
  /** Gather changes this long before committing (default: board.yaml git.debounce). */
  debounceMs?: number;
  /** Commit at least this often during a continuous stream (default: 10 x debounce). */
  maxWaitMs?: number;
  /** Open even when git.autocommit is false (an explicit `board commit` or `board sync`). */
  explicit?: boolean;
  /** Progress and failures; default: failures are written to stderr. */
  onEvent?: (e: AuditEvent) => void;
  /**
   * Runs each commit (reading the branch tip and the files, up to moving the branch) inside
   * this, e.g. under a lock shared with another writer of `.board/`. If it throws, the commit
   * fails like any other: the changes stay queued for the next batch.
   */
  exclusive?: <T>(commit: () => Promise<T>) => Promise<T>;
}

/** Files larger than this are not recorded (the board refuses files over 1 MiB anyway). */
export const MAX_AUDIT_FILE_BYTES = 8 * 1024 * 1024;

/* ------------------------------------------------------------ the audit log ---- */

interface PendingItem {
  path: string;
  what?: string;
  ticket?: string;
  quiet?: boolean;
  content?: string;
}

interface Pending extends PendingItem {
  author: string;
  at: number;
  /** Order of recording (timestamps tie within a millisecond). */
  seq?: number;
}

interface Group {
  author: string;
  /** The author's first change in the batch (the commit's date). */
  at: number;
  /** Their last one (order of recording): commits are made in this order, so the author who changed a file last commits after the others who changed it. */
  last: number;
  items: PendingItem[];
}

export class AuditLog {
  private pending: Pending[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private firstAt: number | undefined;
  private failures = 0;
  private retryUntil = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly debounceMs: number;
  private readonly maxWaitMs: number;

  private constructor(
    readonly board: Board,
    readonly repo: GitRepo,
    /** The board folder relative to the repository top ("" never: ".board" or "sub/.board"). */
    readonly prefix: string,
    private config: BoardConfig,
    private readonly opts: AuditOptions,
  ) {
    this.debounceMs = opts.debounceMs ?? config.git.debounceMs;
    this.maxWaitMs = opts.maxWaitMs ?? Math.max(this.debounceMs * 10, this.debounceMs);
  }

  /**
   * The audit log of a board, or null when there is nothing to commit to: the board is not
   * inside a git work tree, or git.autocommit is false (unless `explicit`). Throws a
   * BoardError when git is missing or board.yaml is invalid.
   */
  static async open(board: Board, opts: AuditOptions = {}): Promise<AuditLog | null> {
    const config = boardConfig(board);
    if (!config.git.autocommit && !opts.explicit) {
      opts.onEvent?.({ type: 'disabled', reason: 'git.autocommit is false in board.yaml' });
      return null;
    }
    const repo = await GitRepo.find(board.repo);
    const prefix = repo?.relPath(board.root);
    if (!repo || !prefix) {
      opts.onEvent?.({ type: 'disabled', reason: `${board.root} is not inside a git work tree` });
      return null;
    }
    pruneLeftovers(board);
    return new AuditLog(board, repo, prefix, config, opts);
  }

  /** The audit branch (short name). */
  get branch(): string {
    return this.config.git.branch;
  }

  get ref(): string {
    return `refs/heads/${this.config.git.branch}`;
  }

  /** Number of changes waiting for the next batch. */
  get queued(): number {
    return this.pending.length;
  }

  /** Queue a change; it is committed with the next batch (after `debounceMs` of quiet). */
  record(change: AuditChange): void {
    const rel = this.boardRel(change.path);
    if (rel === undefined) return; // outside the board, or tmp/ locks/ run/
    const author = isAgentName(change.author) || change.author === 'board' ? change.author : 'board';
    const at = change.at?.getTime() ?? Date.now();
    const last = this.pending[this.pending.length - 1];
    if (
      last &&
      last.path === rel &&
      last.author === author &&
      last.what === change.what &&
      last.ticket === change.ticket
    ) {
      if (change.content !== undefined) last.content = change.content;
      last.seq = ++this.seq;
      return;
    }
    this.pending.push({
      path: rel,
      author,
      what: change.what?.trim() || undefined,
      ticket: change.ticket,
      at,
      seq: ++this.seq,
      ...(change.quiet ? { quiet: true } : {}),
      ...(change.content !== undefined ? { content: change.content } : {}),
    });
    this.firstAt ??= Date.now();
    this.schedule();
  }

  /** Commit every queued change now. */
  flush(): Promise<AuditResult> {
    return this.enqueue(() => this.doFlush());
  }

  /**
   * Commit whatever differs between `.board/` and the audit branch (changes made while no
   * watcher ran). Queued changes are included, with their authors; other changes are
   * attributed from the files (a ticket's `updated_by`, the outbox or inbox they are in),
   * else to `fallbackAuthor` (default `board`).
   */
  commitAll(opts: { fallbackAuthor?: string } = {}): Promise<AuditResult> {
    return this.enqueue(() => this.doCommitAll(opts.fallbackAuthor ?? 'board'));
  }

  /** Commit what is queued and stop the timer. */
  async close(): Promise<AuditResult> {
    this.closed = true;
    const r = await this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return r;
  }

  /* ------------------------------------------------------------- internals ---- */

  private boardRel(path: string): string | undefined {
    let rel = path;
    if (isAbsolute(path)) {
      rel = relative(this.board.root, path);
      if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    } else if (rel.startsWith('.board/')) {
      rel = rel.slice('.board/'.length);
    }
    return auditPath(rel.split(sep).join('/'));
  }

  private treePath(rel: string): string {
    return `${this.prefix}/${rel}`;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.chain.then(fn, fn);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private schedule(): void {
    if (this.closed) return;
    const now = Date.now();
    let delay = Math.min(this.debounceMs, Math.max(0, (this.firstAt ?? now) + this.maxWaitMs - now));
    if (this.retryUntil > now) delay = Math.max(delay, this.retryUntil - now);
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delay);
    this.timer.unref();
  }

  private emit(e: AuditEvent): void {
    this.opts.onEvent?.(e); // a failure is also in the result of flush()
  }

  private async doFlush(): Promise<AuditResult> {
    const t0 = Date.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    this.firstAt = undefined;
    if (!batch.length) return { ok: true, commits: [], kept: 0, skipped: [], ms: 0 };
    return this.commitBatch(batch, t0);
  }

  private async commitBatch(batch: Pending[], t0: number): Promise<AuditResult> {
    // a path belongs to the last author who touched it in this batch: the file holds their version
    const owner = new Map<string, string>();
    for (const p of batch) owner.set(p.path, p.author);
    const groups = new Map<string, Group>();
    for (const p of batch) {
      let g = groups.get(p.author);
      if (!g) groups.set(p.author, (g = { author: p.author, at: p.at, last: p.seq ?? 0, items: [] }));
      g.at = Math.min(g.at, p.at);
      g.last = Math.max(g.last, p.seq ?? 0);
      g.items.push({
        path: p.path,
        what: p.what,
        ticket: p.ticket,
        ...(p.quiet ? { quiet: true } : {}),
        ...(p.content !== undefined ? { content: p.content } : {}),
      });
    }
    try {
      this.config = boardConfig(this.board);
      const commit = () =>
        this.commitGroups(
          [...groups.values()].sort((a, b) => a.last - b.last || a.at - b.at),
          owner,
        );
      const { commits, skipped } = await (this.opts.exclusive ? this.opts.exclusive(commit) : commit());
      this.failures = 0;
      this.retryUntil = 0;
      const ms = Date.now() - t0;
      if (commits.length) this.emit({ type: 'committed', commits, ms });
      if (skipped.length)
        this.emit({
          type: 'skipped',
          paths: skipped,
          reason: `not regular files, or over ${MAX_AUDIT_FILE_BYTES} bytes`,
        });
      return { ok: true, commits, kept: this.pending.length, skipped, ms };
    } catch (e) {
      const failure = e instanceof BoardError ? e : new BoardError('internal', String((e as Error)?.message ?? e));
      this.pending.unshift(...batch);
      this.failures++;
      const retryInMs = Math.min(60_000, this.debounceMs * 2 ** Math.min(this.failures, 10));
      this.retryUntil = Date.now() + retryInMs;
      this.firstAt ??= Date.now();
      this.emit({ type: 'failed', error: failure.message, kept: this.pending.length, retryInMs });
      if (!this.closed) this.schedule();
      return {
        ok: false,
        commits: [],
        error: failure.message,
        failure,
        kept: this.pending.length,
        skipped: [],
        ms: Date.now() - t0,
      };
    }
  }

  private async doCommitAll(fallbackAuthor: string): Promise<AuditResult> {
    const t0 = Date.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const queued = this.pending.splice(0);
    this.firstAt = undefined;
    let diff: Pending[];
    try {
      this.config = boardConfig(this.board);
      await finishInterruptedSync(this.board, this.repo, this.prefix);
      diff = await this.diffWithBranch(queued, fallbackAuthor);
    } catch (e) {
      this.pending.unshift(...queued);
      const failure = e instanceof BoardError ? e : new BoardError('internal', String((e as Error)?.message ?? e));
      this.emit({ type: 'failed', error: failure.message, kept: this.pending.length, retryInMs: 0 });
      return {
        ok: false,
        commits: [],
        error: failure.message,
        failure,
        kept: this.pending.length,
        skipped: [],
        ms: Date.now() - t0,
      };
    }
    if (!diff.length) return { ok: true, commits: [], kept: 0, skipped: [], ms: Date.now() - t0 };
    return this.commitBatch(diff, t0);
  }

  /** Every path that differs between `.board/` and the branch tip, attributed. */
  private async diffWithBranch(queued: Pending[], fallbackAuthor: string): Promise<Pending[]> {
    const tip = await this.repo.tip(this.ref);
    const tree = await this.repo.listTree(tip?.tree ?? null, this.prefix);
    const { files, skipped } = walkBoard(this.board.root);
    if (skipped.length)
      this.emit({
        type: 'skipped',
        paths: skipped,
        reason: `not regular files, or over ${MAX_AUDIT_FILE_BYTES} bytes`,
      });
    const oids = await this.repo.hashPresentFiles(files.map((f) => this.treePath(f.rel)));
    const changed: { rel: string; status: 'added' | 'modified' | 'deleted'; old?: string }[] = [];
    const onDisk = new Set<string>();
    files.forEach((f, i) => {
      if (oids[i] === null) return; // removed since the walk (routed, read): not on disk
      const tp = this.treePath(f.rel);
      onDisk.add(tp);
      const old = tree.get(tp);
      if (!old) changed.push({ rel: f.rel, status: 'added' });
      else if (old.oid !== oids[i] || old.mode !== f.mode)
        changed.push({ rel: f.rel, status: 'modified', old: old.oid });
    });
    const skippedSet = new Set(skipped);
    for (const [tp, e] of tree) {
      const rel = tp.slice(this.prefix.length + 1);
      if (!onDisk.has(tp) && !skippedSet.has(rel) && auditPath(rel) !== undefined)
        changed.push({ rel, status: 'deleted', old: e.oid });
    }
    if (!changed.length) return [];

    const byPath = new Map<string, Pending>();
    for (const q of queued) byPath.set(q.path, q);
    const olds = await this.repo.catFiles(
      changed.filter((c) => c.old && classifyPath(c.rel).kind === 'ticket').map((c) => c.old!),
    );
    const now = Date.now();
    const out: Pending[] = [];
    for (const c of changed) {
      const q = byPath.get(c.rel);
      if (q && q.what) {
        out.push(q);
        continue;
      }
      const oldText = c.old ? (olds.get(c.old)?.toString('utf8') ?? null) : null;
      const newText = c.status === 'deleted' ? null : readText(join(this.board.root, c.rel));
      const a = describeFile(c.rel, c.status, oldText, newText);
      const author =
        q?.author ?? (a.author && (isAgentName(a.author) || a.author === 'board') ? a.author : fallbackAuthor);
      out.push({
        path: c.rel,
        author,
        what: a.what,
        ticket: a.ticket,
        at: q?.at ?? now,
        seq: q?.seq ?? 0,
        ...(q?.quiet ? { quiet: true } : {}),
      });
    }
    // queued changes whose files show no difference any more still say what happened
    for (const q of queued) if (q.what && !out.includes(q)) out.push(q);
    return out;
  }

  /**
   * Build one commit per group on top of the branch tip, in a private index, then move the
   * branch with compare-and-swap; on a lost race, start again from the new tip.
   */
  private async commitGroups(
    groups: Group[],
    owner: Map<string, string>,
  ): Promise<{ commits: AuditCommit[]; skipped: string[] }> {
    checkNotCheckedOut(this.repo, this.config.git.branch);
    // a sync killed after moving the branch: its files first, or this commit would undo them
    await finishInterruptedSync(this.board, this.repo, this.prefix);
    for (let attempt = 0; attempt < 8; attempt++) {
      const tip = await this.repo.tip(this.ref);
      const idx = new TempIndex(this.repo, this.board);
      try {
        await idx.readTree(tip?.tree ?? null);
        const emptyTree = tip ? null : await idx.writeTree();

        // what is on disk now for every recorded path
        const recorded = [...owner.keys()];
        const files = new Map<string, { mode: string; owner: string }>();
        const folders: { rel: string; owner: string }[] = [];
        const skipped: string[] = [];
        for (const rel of recorded) {
          const who = owner.get(rel)!;
          const abs = join(this.board.root, rel);
          const st = lstatSync(abs, { throwIfNoEntry: false });
          if (!st) {
            folders.push({ rel, owner: who }); // gone: remove it (or everything under it)
            continue;
          }
          if (st.isFile()) {
            if (st.size > MAX_AUDIT_FILE_BYTES) skipped.push(rel);
            else files.set(rel, { mode: st.mode & 0o111 ? '100755' : '100644', owner: who });
          } else if (st.isDirectory()) {
            const walked = walkBoard(abs, rel);
            for (const f of walked.files) files.set(f.rel, { mode: f.mode, owner: who });
            skipped.push(...walked.skipped);
            folders.push({ rel, owner: who });
          } else {
            skipped.push(rel);
          }
        }
        let fileRels = [...files.keys()];
        const hashed = await this.repo.hashPresentFiles(fileRels.map((r) => this.treePath(r)));
        // a file removed since it was looked at (a recado read or routed meanwhile) is gone
        fileRels.forEach((rel, i) => {
          if (hashed[i] !== null) return;
          folders.push({ rel, owner: files.get(rel)!.owner });
          files.delete(rel);
        });
        const oids = hashed.filter((o): o is string => o !== null);
        fileRels = [...files.keys()];
        const before = await idx.list(recorded.map((r) => this.treePath(r)));

        const sets = new Map<string, Map<string, TreeEntry>>();
        const removals = new Map<string, string[]>();
        fileRels.forEach((rel, i) => {
          const who = files.get(rel)!.owner;
          const tp = this.treePath(rel);
          const old = before.get(tp);
          const e = { mode: files.get(rel)!.mode, oid: oids[i] };
          if (old && old.oid === e.oid && old.mode === e.mode) return;
          if (!sets.has(who)) sets.set(who, new Map());
          sets.get(who)!.set(tp, e);
        });
        const folderOwner = new Map(folders.map((d) => [d.rel, d.owner]));
        const skippedSet = new Set(skipped);
        for (const [tp] of before) {
          const rel = tp.slice(this.prefix.length + 1);
          if (files.has(rel) || skippedSet.has(rel)) continue;
          // the recorded path itself, or the closest recorded folder above it
          let who: string | undefined;
          for (let p = rel; p && who === undefined; p = p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '')
            who = folderOwner.get(p);
          if (who === undefined) continue;
          if (!removals.has(who)) removals.set(who, []);
          removals.get(who)!.push(tp);
        }

        // a file changed by several authors in this batch: an earlier author's commit holds the
        // version they left (when it was recorded with its content), as long as that commit
        // comes before the one of the author who changed it last
        const order = new Map(groups.map((g, i) => [g.author, i]));
        const oidOf = new Map(fileRels.map((rel, i) => [rel, oids[i]]));
        for (const g of groups) {
          const versions = new Map<string, string>();
          for (const it of g.items)
            if (it.content !== undefined && owner.get(it.path) !== g.author) versions.set(it.path, it.content);
          for (const [rel, content] of versions) {
            if (order.get(owner.get(rel)!)! < order.get(g.author)!) continue;
            const tp = this.treePath(rel);
            const mode = files.get(rel)?.mode ?? before.get(tp)?.mode ?? '100644';
            if (!sets.has(g.author)) sets.set(g.author, new Map());
            sets.get(g.author)!.set(tp, { mode, oid: await this.repo.hashContent(content) });
            // and the last author's commit then sets the file as it is now, even if that is
            // what the branch held before the batch
            const last = owner.get(rel)!;
            if (oidOf.has(rel)) {
              if (!sets.has(last)) sets.set(last, new Map());
              sets.get(last)!.set(tp, { mode, oid: oidOf.get(rel)! });
            } else if (!removals.get(last)?.includes(tp)) {
              if (!removals.has(last)) removals.set(last, []);
              removals.get(last)!.push(tp);
            }
          }
        }

        // say what happened where the watcher did not
        const changed = new Set<string>();
        for (const m of sets.values()) for (const tp of m.keys()) changed.add(tp.slice(this.prefix.length + 1));
        for (const list of removals.values()) for (const tp of list) changed.add(tp.slice(this.prefix.length + 1));
        await this.fillDescriptions(groups, before, files, changed);

        let parent = tip?.commit ?? null;
        let prevTree = tip?.tree ?? emptyTree!;
        const commits: AuditCommit[] = [];
        for (const g of groups) {
          const set = sets.get(g.author) ?? new Map();
          const rm = removals.get(g.author) ?? [];
          await idx.update(set, rm);
          const tree = set.size || rm.length ? await idx.writeTree() : prevTree;
          if (tree === prevTree) continue; // nothing of theirs changed the branch: no commit, no words
          // the message says what happened to the files this commit holds, and nothing else
          const holds = new Set([...set.keys(), ...rm].map((tp) => tp.slice(this.prefix.length + 1)));
          // (a refused edit of a ticket is also told by the commit holding its kept copy in rejected/)
          const inCommit = (i: { path: string; ticket?: string }) =>
            holds.has(i.path) ||
            [...holds].some(
              (h) =>
                h.startsWith(`${i.path}/`) ||
                (!!i.ticket && h.startsWith('rejected/') && h.endsWith(`-${i.ticket}.md`)),
            );
          const mine = g.items.filter(inCommit);
          const said = mine.filter((i) => i.what && !i.quiet);
          let items: MessageItem[] = (said.length ? said : mine.filter((i) => i.what)).map((i) => ({
            what: i.what!,
            ticket: i.ticket,
          }));
          if (!items.length)
            items = [...holds].sort().map((rel) => ({ what: `${rel} changed`, ticket: classifyPath(rel).ticket }));
          const who = authorIdentity(g.author, this.config);
          let message = commitMessage(items);
          if (this.config.git.verify) message = await this.runCommitMsgHook(message, idx, who);
          const commit = await this.commitTree(tree, parent ? [parent] : [], who, message, g.at);
          commits.push({
            commit,
            author: who.name,
            email: who.email,
            subject: message.split('\n')[0],
            files: set.size + rm.length,
            changes: items.length,
          });
          parent = commit;
          prevTree = tree;
        }
        if (!commits.length) return { commits, skipped };
        if (await this.moveBranch(parent!, tip?.commit ?? null)) return { commits, skipped };
        // another committer moved the branch since we read it: build again on its new tip
      } finally {
        idx.dispose();
      }
    }
    throw conflict(`the audit branch ${this.branch} kept moving while the board committed; the changes stay queued`, {
      hint: 'another process is committing to it in a loop; it will be retried',
    });
  }

  private async fillDescriptions(
    groups: Group[],
    before: Map<string, TreeEntry>,
    files: Map<string, unknown>,
    changed: Set<string>,
  ): Promise<void> {
    const missing = groups.flatMap((g) => g.items.filter((i) => !i.what));
    if (missing.length) {
      const oldIds = missing
        .filter((i) => classifyPath(i.path).kind === 'ticket')
        .map((i) => before.get(this.treePath(i.path))?.oid)
        .filter((x): x is string => !!x);
      const olds = await this.repo.catFiles(oldIds);
      const under = new Map<string, number>();
      for (const c of changed) {
        for (let p = c.lastIndexOf('/'); p > 0; p = c.lastIndexOf('/', p - 1))
          under.set(c.slice(0, p), (under.get(c.slice(0, p)) ?? 0) + 1);
      }
      for (const i of missing) {
        if (!changed.has(i.path)) {
          const n = under.get(i.path) ?? 0; // a recorded folder: the files that changed in it
          if (n) i.what = `${i.path}/: ${n} file${n === 1 ? '' : 's'} changed`;
          continue; // unchanged, or came and went within the batch: nothing to say
        }
        const old = before.get(this.treePath(i.path));
        const exists = files.has(i.path);
        const oldText = old ? (olds.get(old.oid)?.toString('utf8') ?? null) : null;
        const newText = exists ? readText(join(this.board.root, i.path)) : null;
        const a = describeFile(i.path, !old ? 'added' : !exists ? 'deleted' : 'modified', oldText, newText);
        i.what = a.what;
        i.ticket ??= a.ticket;
      }
    }
    for (const g of groups) for (const i of g.items) if (!i.ticket) i.ticket = classifyPath(i.path).ticket;
  }

  private async commitTree(
    tree: string,
    parents: string[],
    author: GitIdentity,
    message: string,
    at: number,
  ): Promise<string> {
    return commitTree(this.repo, { tree, parents, author, committer: this.config.git.committer, message, at });
  }

  /** Compare-and-swap the branch from `expected` (null: must not exist) to `commit`. */
  private async moveBranch(commit: string, expected: string | null): Promise<boolean> {
    return moveRef(this.repo, this.ref, commit, expected, `recado: board audit`);
  }

  /**
   * `git.verify`: the repository's commit-msg hook checks (and may amend) the message of
   * each board commit. Other commit hooks are about the code being committed and the
   * working tree, which a board commit never touches, so they are not run (docs/design/audit-sync.md, Hooks).
   */
  private async runCommitMsgHook(message: string, idx: TempIndex, author: GitIdentity): Promise<string> {
    const hook = await commitMsgHook(this.repo);
    if (!hook) return message;
    const file = this.board.run.commitMessage(uniqueName());
    writeFileSync(file, message);
    try {
      const r = await runHook(hook, [file], this.repo.top, {
        ...idx.env,
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
      });
      if (r.code !== 0) {
        const out = r.output.trim().split('\n').slice(-6).join('\n  ');
        throw conflict(
          `the repository's commit-msg hook (${hook}) refused the board commit "${message.split('\n')[0]}"${r.timedOut ? ' (timed out)' : ` (exit ${r.code})`}${out ? `:\n  ${out}` : ''}`,
          {
            hint: 'make the hook accept board commits (messages look like "board(T-4k9x): claimed by alice"), or set git.verify: false in .board/board.yaml',
            data: { hook, code: r.code },
          },
        );
      }
      return readFileSync(file, 'utf8');
    } finally {
      rmSync(file, { force: true });
    }
  }
}

/* ----------------------------------------------------------------- helpers ---- */

/**
 * board.yaml, required before anything is committed: a board without it has been deleted
 * (a `git clean -x`, a pull that untracked `.board/`), and recording that would carry the
 * deletion to every clone.
 */
function boardConfig(board: Board): BoardConfig {
  if (!existsSync(board.configFile)) {
    throw notFound(
      `${board.rel(board.configFile)} is missing: the board will not record the removal of the whole board`,
      {
        hint: 'restore the board: `board sync` (from the remote), or `git archive recado .board | tar -x` at the repository top (recado: your git.branch)',
      },
    );
  }
  return loadConfig(board);
}

/** Private index and message files left by a process killed mid-commit (over an hour old). */
function pruneLeftovers(board: Board): void {
  const limit = Date.now() - 3_600_000;
  try {
    for (const name of readdirSync(board.runDir)) {
      if (!name.startsWith('git-index-') && !name.startsWith('COMMIT_EDITMSG-')) continue;
      const p = join(board.runDir, name);
      const st = lstatSync(p, { throwIfNoEntry: false });
      if (st?.isFile() && st.mtimeMs < limit) rmSync(p, { force: true });
    }
  } catch {
    /* no run/ folder yet */
  }
}

/** The commit-msg hook git would run (honours core.hooksPath), if present and executable. */
export async function commitMsgHook(repo: GitRepo): Promise<string | undefined> {
  const p = resolve(repo.top, await repo.text(['rev-parse', '--git-path', 'hooks/commit-msg']));
  try {
    accessSync(p, constants.X_OK);
    return lstatSync(p).isDirectory() ? undefined : p;
  } catch {
    return undefined;
  }
}

async function runHook(
  hook: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; output: string; timedOut: boolean }> {
  const r = await run(hook, args, { cwd, env: gitEnv(env), timeoutMs: GIT_TIMEOUT_MS * 2, all: true });
  if (r.error) return { code: 126, output: String(r.error.message), timedOut: r.timedOut };
  return { code: r.code ?? 1, output: r.all.toString(), timedOut: r.timedOut };
}

/** Parse a ticket text for describing it; null when absent, 'unreadable' when it does not parse. */
function ticketOf(text: string | null, id: string): Ticket | null | 'unreadable' {
  if (text === null) return null;
  try {
    return parseTicketText(text, id, `tickets/${id}.md`).ticket;
  } catch {
    return 'unreadable';
  }
}

/** What a change to one file was, and who made it. */
export function describeFile(
  rel: string,
  status: 'added' | 'modified' | 'deleted',
  oldText: string | null,
  newText: string | null,
): Attribution {
  const info = classifyPath(rel);
  if (info.kind === 'ticket') {
    const before = ticketOf(oldText, info.ticket!);
    const after = ticketOf(newText, info.ticket!);
    if (before === 'unreadable' || after === 'unreadable') {
      return {
        what: after === 'unreadable' ? 'edited (front-matter does not parse)' : 'edited (fixed front-matter)',
        ticket: info.ticket,
      };
    }
    return { author: after?.updated_by ?? undefined, what: describeTicketChange(before, after), ticket: info.ticket };
  }
  return attributePath(rel, status, newText ? recadoHeader(newText) : {});
}

/** Regular files under `dir` (board-relative paths with `base` in front), skipping tmp/ locks/ run/ at the board root. */
export function walkBoard(dir: string, base = ''): { files: { rel: string; mode: string }[]; skipped: string[] } {
  const files: { rel: string; mode: string }[] = [];
  const skipped: string[] = [];
  const walk = (abs: string, rel: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (auditPath(r) === undefined) continue;
      const a = join(abs, e.name);
      if (e.isDirectory()) {
        if (depth < 12) walk(a, r, depth + 1);
      } else if (e.isFile()) {
        let st;
        try {
          st = lstatSync(a);
        } catch {
          continue;
        }
        if (st.size > MAX_AUDIT_FILE_BYTES) skipped.push(r);
        else files.push({ rel: r, mode: st.mode & 0o111 ? '100755' : '100644' });
      } else {
        skipped.push(r);
      }
    }
  };
  walk(dir, base, 0);
  return { files, skipped };
}
