/**
 * The watcher's outbox handler: a queue of outbox files (and files in run/outgoing) to
 * try, with the retry schedule for files that are not a valid recado yet. Deciding and
 * delivering is done by store/mailbox.ts (the same code `board send` uses); this file only
 * says when to try what.
 *
 * Events can be duplicated or lost (chokidar under load), so nothing here trusts them:
 * every attempt starts from what is on disk, a file that is gone is simply forgotten, and a
 * cheap scan of the outbox folders (never the rest of the board) every second catches what
 * an event did not report.
 */
import { lstatSync, readdirSync, type Dirent } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import type { BoardConfig } from '../core/config.js';
import { BoardError } from '../core/errors.js';
import { systemError } from '../core/io-errors.js';
import { QUIET_MS, retryDelay } from '../core/recado.js';
import { isBoardRequest } from '../core/requests.js';
import type { Board } from '../store/board.js';
import { checkNoLink } from '../store/nolink.js';
import {
  inspectRecadoFile,
  isOutboxFileName,
  isStrayOutboxName,
  listOutgoing,
  outgoingDir,
  rejectUnsent,
  routeOutgoing,
  STRAY_QUIET_MS,
  takeOutboxFile,
  type Inspection,
  type RouteResult,
} from '../store/mailbox.js';
import { classify, isSenderFolder } from './classify.js';
import type { WatchEvent } from './plugin.js';

export interface RouterHost {
  readonly board: Board;
  readonly config: BoardConfig;
  /** Re-read board.yaml if it changed (`force`: read it even if its stat did not change). */
  reloadConfig(force?: boolean): BoardConfig;
  log(ev: WatchEvent): void;
  /** A routed file's end: delivered or rejected. */
  routed(r: RouteResult & { kind: 'delivered' | 'rejected' }): void;
  /** The unsent file at `path` was removed by the watcher (taken or rejected). */
  tookAway(path: string): void;
  /** An empty file to write a stamped copy into, or null. */
  spare(): string | null;
  /** Nothing is queued: a moment for background work. */
  idle(): void;
  /** A recado `to: board` (a request by file): taken and handed to the plugins; false when nobody handles them. */
  request?(path: string, from: string): boolean;
  /** Rejected from a folder with no valid sender. */
  rejectedUnsent(r: {
    id: string;
    folder: string | null;
    reason: string;
    hint: string;
    source: string;
    file: string;
    reasonFile: string;
  }): void;
}

interface Pending {
  attempts: number;
  first: number;
  timer: NodeJS.Timeout | null;
  known?: Inspection;
  logged: boolean;
}

/** Is the outbox file at `p` reached without a link on the way? (the one rule: store/nolink.ts) */
function noLinkOnTheWay(p: string): boolean {
  try {
    checkNoLink(p);
    return true;
  } catch {
    return false;
  }
}

/** Files in run/outgoing older than this are resumed by the periodic scan (younger ones may be a `board send` at work). */
const ABANDONED_MS = 5_000;
/** The longest pause between two tries of a delivery the disk refused. */
const RETRY_MAX_MS = 10_000;
/** Items handled per turn of the event loop before letting events in. */
const BATCH = 64;

export class Router {
  private readonly queue = new Set<string>();
  private readonly pending = new Map<string, Pending>();
  private scheduled = false;
  private stopped = false;
  /** Until catchUp(): events are queued, nothing is routed (plugins are not started yet). */
  private paused = true;
  private readonly outgoing: string;
  private idleWaiters: Array<() => void> = [];
  /** Counts for the log and watcher.json. */
  readonly counts = { delivered: 0, rejected: 0 };

  constructor(private readonly host: RouterHost) {
    this.outgoing = outgoingDir(host.board);
  }

  /** Try this path soon (an outbox file or a file in run/outgoing). */
  enqueue(path: string): void {
    if (this.stopped) return;
    this.queue.add(path);
    if (!this.scheduled && !this.paused) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Everything waiting on disk: run/outgoing first (oldest first), then every outbox. */
  catchUp(): void {
    const queued = [...this.queue];
    this.queue.clear();
    this.paused = false;
    for (const name of listOutgoing(this.host.board)) this.enqueue(join(this.outgoing, name));
    this.scanOutboxes(true);
    for (const p of queued) this.enqueue(p);
  }

  /** The periodic scan: outbox folders, and files left in run/outgoing by a killed process. */
  reconcile(): void {
    this.scanOutboxes(false);
    const now = Date.now();
    for (const name of listOutgoing(this.host.board)) {
      const path = join(this.outgoing, name);
      if (this.pending.has(path) || this.queue.has(path)) continue;
      try {
        if (now - lstatSync(path).ctimeMs > ABANDONED_MS) this.enqueue(path);
      } catch {
        /* finished meanwhile */
      }
    }
  }

  /** Queue every outbox file in one folder. */
  scanFolder(folder: string): void {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    for (const n of names) if (isOutboxFileName(n) || isStrayOutboxName(n)) this.enqueue(join(folder, n));
  }

  private scanOutboxes(all: boolean): void {
    const dir = this.host.board.outboxDir;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isFile() || e.isSymbolicLink()) {
        if (isOutboxFileName(e.name)) this.enqueue(p); // a stray file: refused
        continue;
      }
      if (!e.isDirectory()) continue; // (a link to a folder is not followed)
      let names: string[];
      try {
        names = readdirSync(p);
      } catch {
        continue;
      }
      for (const n of names) {
        if (!isOutboxFileName(n) && !isStrayOutboxName(n)) continue;
        const fp = join(p, n);
        const waiting = this.pending.get(fp);
        if (!all && (this.queue.has(fp) || waiting?.timer)) continue;
        this.enqueue(fp);
      }
    }
  }

  /** Resolves when nothing is queued (files waiting for a retry do not count). */
  idle(): Promise<void> {
    if ((this.queue.size === 0 && !this.scheduled) || this.paused) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Nothing queued. */
  get quiet(): boolean {
    return !this.paused && this.queue.size === 0 && !this.scheduled;
  }

  /** How many files are waiting for a retry. */
  get waiting(): number {
    let n = 0;
    for (const p of this.pending.values()) if (p.timer) n++;
    return n;
  }

  stop(): void {
    this.stopped = true;
    this.queue.clear();
    for (const p of this.pending.values()) if (p.timer) clearTimeout(p.timer);
    this.pending.clear();
    this.wakeIdle();
  }

  private wakeIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  private drain(): void {
    this.scheduled = false;
    let n = 0;
    for (const path of this.queue) {
      if (this.stopped) break;
      this.queue.delete(path);
      try {
        this.attempt(path);
      } catch (e) {
        this.failed(path, e);
      }
      if (++n >= BATCH) break;
    }
    if (this.queue.size && !this.stopped) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    } else {
      this.wakeIdle();
      if (!this.stopped) this.host.idle();
    }
  }

  /**
   * An error from the disk (full, read-only, no permission, a link in the way): log it and
   * try again later, by itself, with a growing pause (at most RETRY_MAX_MS): when space or
   * permission comes back, the next try delivers. Nothing is lost: the file stays where it
   * was (its outbox or run/outgoing).
   */
  private failed(path: string, e: unknown): void {
    const p = this.state(path);
    p.attempts++;
    const err = this.explain(e);
    this.host.log({
      type: 'error',
      file: this.host.board.rel(path),
      message: err.message,
      ...(err.hint ? { hint: err.hint } : {}),
      retry: true,
    });
    this.later(path, p, this.backoff(p));
  }

  private backoff(p: Pending): number {
    return Math.min(RETRY_MAX_MS, 500 * 2 ** Math.min(p.attempts, 6));
  }

  private explain(e: unknown): { message: string; hint?: string } {
    const be = e instanceof BoardError ? e : systemError(e, (x) => this.host.board.rel(x));
    return be ? { message: be.message, hint: be.details.hint } : { message: String((e as Error)?.message ?? e) };
  }

  private state(path: string): Pending {
    let p = this.pending.get(path);
    if (!p) {
      p = { attempts: 0, first: Date.now(), timer: null, logged: false };
      this.pending.set(path, p);
    }
    return p;
  }

  private later(path: string, p: Pending, ms: number): void {
    if (p.timer) clearTimeout(p.timer);
    p.timer = setTimeout(() => {
      p.timer = null;
      this.enqueue(path);
    }, ms);
    p.timer.unref?.();
  }

  private forget(path: string): void {
    const p = this.pending.get(path);
    if (p?.timer) clearTimeout(p.timer);
    this.pending.delete(path);
  }

  private attempt(path: string): void {
    const board = this.host.board;
    if (path.startsWith(this.outgoing + sep)) {
      this.route(path.slice(this.outgoing.length + 1), false);
      return;
    }
    const rel = relative(board.root, path).split(sep).join('/');
    const where = classify(rel);
    if (where.kind === 'outbox-folder') {
      // a file right in outbox/ (a folder would not be queued): nobody's recado
      this.unsent(path, null);
      return;
    }
    if (where.kind !== 'outbox') return;
    const p = this.pending.get(path);
    if (p?.timer) {
      clearTimeout(p.timer); // an event came before the retry: try now
      p.timer = null;
    }
    // a file written a moment ago is left alone a little longer: a writer may still be at it
    let st;
    try {
      st = lstatSync(path);
    } catch {
      this.forget(path);
      return;
    }
    if (st.isDirectory() || !noLinkOnTheWay(path)) return this.forget(path); // never through a linked folder (doctor reports it)
    const age = Date.now() - Math.max(st.mtimeMs, st.ctimeMs);
    const stray = !isOutboxFileName(basename(path)); // not .md: bounced once it stays put a while
    const quiet = stray ? STRAY_QUIET_MS : QUIET_MS;
    if (age < quiet) {
      this.later(path, this.state(path), quiet - Math.max(0, age) + 1);
      return;
    }
    if (!isSenderFolder(where.agent) || !(where.agent in this.host.config.agents)) {
      if (!isSenderFolder(where.agent) || !(where.agent in this.host.reloadConfig().agents)) {
        this.unsent(path, where.agent);
        return;
      }
    }
    const display = board.rel(path);
    if (stray) {
      const taken = takeOutboxFile(board, path, where.agent);
      this.forget(path);
      if (!taken) return;
      this.host.tookAway(path);
      try {
        this.route(taken.name, true);
      } catch (e) {
        this.failed(taken.path, e);
      }
      return;
    }
    const ins = inspectRecadoFile(path, display, where.agent, p?.known);
    if (ins === null) {
      this.forget(path);
      return;
    }
    let giveUp = false;
    if (!ins.ok && !ins.definitive) {
      const s = this.state(path);
      s.attempts++;
      const delay = this.delayFor(path, s);
      if (delay !== null) {
        if (!s.logged) {
          s.logged = true;
          this.host.log({ type: 'waiting', file: display, reason: ins.message });
        }
        this.later(path, s, delay);
        return;
      }
      giveUp = true;
    }
    if (ins.ok && isBoardRequest(ins.draft.to) && this.host.request?.(path, where.agent)) return this.forget(path);
    const taken = takeOutboxFile(board, path, where.agent);
    const s = this.pending.get(path);
    this.forget(path);
    if (!taken) return;
    this.host.tookAway(path);
    if (s) this.pending.set(taken.path, { ...s, timer: null });
    try {
      this.route(taken.name, giveUp, ins, true);
    } catch (e) {
      this.failed(taken.path, e); // it is in run/outgoing now: that is what is tried again
    }
  }

  private delayFor(path: string, p: Pending): number | null {
    let changed = p.first;
    try {
      const st = lstatSync(path);
      changed = Math.max(st.mtimeMs, st.ctimeMs);
    } catch {
      /* gone: the next attempt forgets it */
    }
    const now = Date.now();
    return retryDelay(p.attempts, Math.max(0, now - changed), now - p.first);
  }

  /** `fresh`: taken just now under a new id, so no copy of it can exist yet. */
  private route(name: string, giveUp: boolean, known?: Inspection, fresh = false): void {
    const path = join(this.outgoing, name);
    const r = routeOutgoing(this.host.board, name, {
      config: this.host.config,
      reloadConfig: () => this.host.reloadConfig(true),
      giveUp,
      known,
      fresh,
      spare: () => this.host.spare(),
    });
    if (r.kind === 'retry') {
      const s = this.state(path);
      s.attempts++;
      const delay = this.delayFor(path, s);
      if (delay === null) {
        this.route(name, true);
        return;
      }
      if (!s.logged) {
        s.logged = true;
        this.host.log({ type: 'waiting', file: this.host.board.rel(path), reason: r.message });
      }
      this.later(path, s, delay);
      return;
    }
    if (r.kind === 'delivered' && r.failed.length) {
      // some inboxes could not be written: the others have their copy; the file stays in
      // run/outgoing and is routed again later (copies already made are never made twice)
      const s = this.state(path);
      s.attempts++;
      const err = this.explain(r.failed[0].error);
      const failed = new Set(r.failed.map((f) => f.to));
      this.host.log({
        type: 'delivery_failed',
        id: r.recado.id,
        to: [...failed],
        message: err.message,
        ...(err.hint ? { hint: err.hint } : {}),
        retry: true,
      });
      this.later(path, s, this.backoff(s));
      if (r.delivered.length) this.host.routed({ ...r, recipients: r.recipients.filter((x) => !failed.has(x)) });
      return;
    }
    this.forget(path);
    if (r.kind === 'gone') return;
    if (r.kind === 'delivered') this.counts.delivered++;
    else this.counts.rejected++;
    this.host.routed(r);
  }

  private unsent(path: string, folder: string | null): void {
    const board = this.host.board;
    try {
      if (lstatSync(path).isDirectory()) return this.forget(path); // a folder is not a recado
    } catch {
      return this.forget(path);
    }
    const source = board.rel(path);
    const reason =
      folder === null
        ? "it is not in an agent's outbox folder"
        : isSenderFolder(folder)
          ? `"${folder}" is not an agent of this board, so nobody can send from outbox/${folder}/`
          : `"${folder}" is not a valid agent name, so nobody can send from that folder`;
    const hint =
      folder !== null && isSenderFolder(folder)
        ? `\`board agent add ${folder}\` makes ${folder} an agent; then drop the recado again`
        : 'drop recados into .board/outbox/<your agent name>/';
    const kept = rejectUnsent(board, path, folder, reason, hint);
    this.forget(path);
    if (!kept) return;
    this.counts.rejected++;
    this.host.tookAway(path);
    const id = kept.file.split(sep).pop()!.split('+')[0];
    this.host.rejectedUnsent({ id, folder, reason, hint, source, file: kept.file, reasonFile: kept.reasonFile });
  }
}
