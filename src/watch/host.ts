/**
 * The watcher: one process per board (daemon.ts makes sure of that) that follows the
 * board's files and runs the pipeline described in plugin.ts:
 *
 *   events ──► classify ──► built-in handlers ──► plugins
 *     chokidar: board.yaml, templates/, outbox/ (its folders)   → config reload, outbox watches
 *     one directory watch per folder: outbox/<name>/            → router (recados)
 *     one directory watch: tickets/                             → last-seen ticket memory → onTicketEvent
 *     one directory watch per agent: inbox/<agent>/new/         → onRecadoDelivered (via 'send')
 *     every second: a scan of the outbox folders and run/outgoing (never the whole board),
 *     a look at board.yaml's stat, the health of the directory watches, watcher.json
 *
 * What it does not watch: tmp/, locks/, run/ (its own working folders), rejected/ (only the
 * board writes there), inbox/<agent>/cur/ (read recados only ever arrive by a move from new/,
 * which new/'s watch sees).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FSWatcher } from 'chokidar';
import type { BoardConfig } from '../core/config.js';
import { retryDelay } from '../core/recado.js';
import { writeAtomic } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import { takeRequest } from '../store/requests.js';
import { hasAside, recoverAside } from '../store/swap.js';
import {
  isOutboxFileName,
  outgoingDir,
  readConfig,
  readRecado,
  sendRecado,
  type BoardNotice,
  type RouteResult,
  type SendResult,
} from '../store/mailbox.js';
import { classify, ignoredByChokidar, type BoardPath } from './classify.js';
import { DirWatch } from './dirwatch.js';
import type {
  Awaitable,
  Cancel,
  FileEvent,
  RecadoDelivered,
  RecadoRejected,
  TicketEvent,
  WatchContext,
  WatchEvent,
  WatchPlugin,
} from './plugin.js';
import { Router, type RouterHost } from './router.js';
import { SparePool } from './spares.js';
import { watcherStateFile, type HostState, type WatcherState } from './state.js';
import { idOfName, TicketMemory, type Snapshot } from './tickets.js';
import { Verdicts } from './verdicts.js';
import { ensureDir } from '../store/nolink.js';
import { BoardError } from '../core/errors.js';

export interface LoggedEvent extends WatchEvent {
  time: string;
}

export interface HostOptions {
  board: Board;
  plugins?: WatchPlugin[];
  /** Where the event log goes (default: nowhere). */
  onEvent?: (ev: LoggedEvent) => void;
  /** Period of the outbox scan and housekeeping (default 1 s). */
  tickMs?: number;
  /** Write .board/run/watcher.json (default true). */
  stateFile?: boolean;
}

const MARK_TTL_MS = 60_000;
const STATE_HEARTBEAT_MS = 10_000;
const STOP_GRACE_MS = 10_000;

type HookName =
  | 'onFileEvent'
  | 'onTicketEvent'
  | 'onRecadoDelivered'
  | 'onRecadoRejected'
  | 'onBoardRequest'
  | 'onConfig';

interface Mark {
  content: string | null;
  by: string;
  at: number;
}

export class WatchHost implements RouterHost {
  readonly board: Board;
  readonly startedAt = new Date();
  config!: BoardConfig;
  state: HostState = 'starting';
  lastEvent: Date | null = null;

  private readonly plugins: WatchPlugin[];
  private readonly ctxs = new Map<WatchPlugin, WatchContext>();
  private readonly chains = new Map<WatchPlugin, Promise<void>>();
  private readonly router: Router;
  private readonly memory: TicketMemory;
  private chok: FSWatcher | null = null;
  private ticketWatch: DirWatch;
  private readonly inboxes = new Map<string, { watch: DirWatch; known: Set<string> }>();
  private readonly outboxes = new Map<string, DirWatch>();
  private readonly marks = new Map<string, Mark>();
  private readonly holds = new Map<string, { attempts: number; first: number; timer: NodeJS.Timeout | null }>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private tick: NodeJS.Timeout | null = null;
  private configKey = '';
  private stateDirty = true;
  private stateWritten = 0;
  private stopPromise: Promise<void> | null = null;
  private readonly spares: SparePool;
  readonly verdicts = new Verdicts(() => this.plugins.some((p) => p.name === 'enforce'));
  private filling: NodeJS.Timeout | null = null;

  constructor(private readonly opts: HostOptions) {
    this.board = opts.board;
    this.plugins = opts.plugins ?? [];
    this.router = new Router(this);
    this.memory = new TicketMemory(this.board);
    this.spares = new SparePool(join(this.board.tmpDir, 'spare'));
    this.ticketWatch = new DirWatch(
      this.board.ticketsDir,
      (n) => this.onTicketName(n),
      (e) => this.watchLost('tickets/', e),
    );
  }

  get stopping(): boolean {
    return this.state === 'stopping' || this.state === 'stopped';
  }

  /** The last-seen version of every ticket. */
  get tickets(): ReadonlyMap<string, Snapshot> {
    return this.memory.map;
  }

  get counts() {
    return { ...this.router.counts, waiting: this.router.waiting };
  }

  /* ------------------------------------------------------------- lifecycle ---- */

  async start(): Promise<void> {
    const t0 = Date.now();
    const b = this.board;
    // a folder that is a link is reported, not written through; the rest of the board still works
    const linked: string[] = [];
    for (const dir of [b.outboxDir, b.inboxDir, b.ticketsDir, b.rejectedDir, b.tmpDir, outgoingDir(b)]) {
      try {
        ensureDir(dir);
      } catch (e) {
        if (!(e instanceof BoardError)) throw e;
        linked.push(e.message);
      }
    }
    this.config = readConfig(b); // an invalid board.yaml stops the start (exit 2, with the line)
    this.configKey = this.statKey();
    this.log({ type: 'started', pid: process.pid, board: b.root });
    for (const message of linked)
      this.log({ type: 'error', message, hint: 'replace the link with a real folder; `board doctor` lists links' });
    this.writeState();

    this.spares.reset();
    const tickets = this.memory.fill();
    this.ticketWatch.start();
    this.syncInboxWatches();
    this.syncOutboxWatches();

    const { watch } = await import('chokidar');
    const root = b.root;
    this.chok = watch(root, {
      ignoreInitial: true,
      followSymlinks: false,
      depth: 1,
      ignored: (p: string, st?: { isFile(): boolean }) =>
        ignoredByChokidar(relPosix(root, p), st ? st.isFile() : undefined),
    });
    this.chok.on('all', (event, path) => this.onChokidar(event, path));
    this.chok.on('error', (e) =>
      this.log({ type: 'error', message: `file watching: ${String((e as Error)?.message ?? e)}` }),
    );
    await new Promise<void>((resolve) => this.chok!.once('ready', () => resolve()));

    for (const p of this.plugins) this.ctxs.set(p, this.makeContext(p));
    for (const p of this.plugins) {
      if (!p.start) continue;
      try {
        await p.start(this.ctxs.get(p)!);
      } catch (e) {
        this.pluginError(p, 'start', e);
      }
    }

    // catch up: whatever was dropped or half-delivered while no watcher ran
    this.router.catchUp();
    await this.router.idle();
    this.tick = setInterval(() => this.housekeeping(), this.opts.tickMs ?? 1000);
    this.state = 'running';
    this.stateDirty = true;
    this.writeState();
    this.log({
      type: 'ready',
      tickets,
      delivered: this.router.counts.delivered,
      rejected: this.router.counts.rejected,
      waiting: this.router.waiting,
      ms: Date.now() - t0,
    });
    this.idle();
  }

  spare(): string | null {
    return this.spares.take();
  }

  /** Background work while no recado is queued: make spare files, a few ms at a time. */
  idle(): void {
    if (this.filling || this.stopping || this.state !== 'running') return;
    this.filling = setTimeout(() => {
      this.filling = null;
      if (this.stopping || !this.router.quiet) return;
      if (this.spares.fill()) this.idle();
    }, 1);
  }

  /** Stop: no new work is started; plugins finish what they were handed (up to 10 s). */
  stop(reason?: string): Promise<void> {
    this.stopPromise ??= this.doStop(reason);
    return this.stopPromise;
  }

  private async doStop(reason?: string): Promise<void> {
    this.state = 'stopping';
    this.log({ type: 'stopping', ...(reason ? { reason } : {}) });
    if (this.tick) clearInterval(this.tick);
    if (this.filling) clearTimeout(this.filling);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const h of this.holds.values()) if (h.timer) clearTimeout(h.timer);
    this.holds.clear();
    this.router.stop();
    this.verdicts.close();
    this.ticketWatch.close();
    for (const w of this.inboxes.values()) w.watch.close();
    for (const w of this.outboxes.values()) w.close();
    await this.chok?.close().catch(() => undefined);
    await withTimeout(Promise.all(this.chains.values()), STOP_GRACE_MS);
    for (const p of this.plugins) {
      if (!p.stop) continue;
      try {
        await withTimeout(Promise.resolve(p.stop(this.ctxs.get(p) ?? this.makeContext(p))), STOP_GRACE_MS);
      } catch (e) {
        this.pluginError(p, 'stop', e);
      }
    }
    this.state = 'stopped';
    this.writeState();
    this.log({ type: 'stopped', delivered: this.router.counts.delivered, rejected: this.router.counts.rejected });
  }

  /* ----------------------------------------------------------------- events ---- */

  log(ev: WatchEvent): void {
    this.touch();
    this.opts.onEvent?.({ time: new Date().toISOString(), ...ev });
  }

  private touch(): void {
    this.lastEvent = new Date();
    this.stateDirty = true;
  }

  private onChokidar(event: string, abs: string): void {
    if (this.stopping) return;
    const where = classify(relPosix(this.board.root, abs));
    if (event === 'addDir' || event === 'unlinkDir') {
      if (where.kind === 'outbox-folder') this.syncOutboxWatches();
      return;
    }
    if (event !== 'add' && event !== 'change' && event !== 'unlink') return;
    this.touch();
    if (where.kind === 'outbox-folder') {
      if (event !== 'unlink' && isOutboxFileName(where.agent)) this.router.enqueue(abs); // a recado right in outbox/: refused
      return;
    }
    if (where.kind === 'config') this.reloadConfig();
    this.fileEvent(event, abs, where, this.takeMark(abs, undefined));
  }

  /* ---------------------------------------------------------------- outboxes ---- */

  /** One directory watch per folder in outbox/ (agents' and any other, which gets refused). */
  private syncOutboxWatches(): void {
    const dir = this.board.outboxDir;
    let names: string[] = [];
    try {
      names = readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map((d) => d.name);
    } catch {
      /* no outbox folder */
    }
    const want = new Set(names);
    for (const [name, w] of this.outboxes) {
      if (!want.has(name)) {
        w.close();
        this.outboxes.delete(name);
      }
    }
    for (const name of want) {
      const have = this.outboxes.get(name);
      if (have?.healthy()) continue;
      const folder = join(dir, name);
      const w =
        have ??
        new DirWatch(
          folder,
          (n) => this.onOutboxName(folder, n),
          (e) => this.watchLost(`outbox/${name}/`, e),
        );
      if (!w.start()) continue;
      this.outboxes.set(name, w);
      this.router.scanFolder(folder); // files dropped before the watch began
    }
  }

  private onOutboxName(folder: string, name: string | null): void {
    if (this.stopping) return;
    if (name === null) this.router.scanFolder(folder);
    else if (isOutboxFileName(name)) this.router.enqueue(join(folder, name));
  }

  private fileEvent(type: string, path: string, where: BoardPath, own: string | null): void {
    if (!this.plugins.some((p) => p.onFileEvent)) return;
    const ev: FileEvent = {
      type: type as FileEvent['type'],
      path,
      rel: this.board.rel(path),
      where,
      own,
      time: new Date(),
    };
    this.dispatch('onFileEvent', ev);
  }

  /* ---------------------------------------------------------------- tickets ---- */

  private onTicketName(name: string | null): void {
    if (this.stopping) return;
    if (name === null) {
      this.resyncTickets();
      return;
    }
    const id = idOfName(name);
    if (id) this.checkTicket(id);
  }

  private checkTicket(id: string): void {
    const before = this.memory.map.get(id) ?? null;
    const after = this.memory.read(id);
    const hold = this.holds.get(id);
    if ((after && before && after.same(before)) || (!after && !before)) {
      if (hold?.timer) clearTimeout(hold.timer);
      this.holds.delete(id);
      return;
    }
    const path = join(this.board.ticketsDir, `${id}.md`);
    if (!after && before) {
      // missing: a board write swapping it (store/swap.ts) leaves it absent for a moment;
      // one killed doing so left its content aside
      if (recoverAside(this.board, id, 0)) return this.checkTicket(id);
      const h = hold ?? { attempts: 0, first: Date.now(), timer: null };
      this.holds.set(id, h);
      // twice, and for as long as a writer has it aside (put back once stale)
      if (h.attempts++ < 2 || (hasAside(this.board, id) && Date.now() - h.first < 10_000)) {
        if (h.timer) clearTimeout(h.timer);
        h.timer = setTimeout(() => {
          h.timer = null;
          if (!this.stopping) this.checkTicket(id);
        }, 50);
        return;
      }
    }
    if (after?.unparsable) {
      // maybe half-written by an editor: look again before reporting a broken file
      const h = hold ?? { attempts: 0, first: Date.now(), timer: null };
      this.holds.set(id, h);
      h.attempts++;
      let changed = h.first;
      try {
        const st = statSync(path);
        changed = Math.max(st.mtimeMs, st.ctimeMs);
      } catch {
        /* gone: the next look reports it */
      }
      const delay = retryDelay(h.attempts, Date.now() - changed, Date.now() - h.first);
      if (delay !== null) {
        if (h.timer) clearTimeout(h.timer);
        h.timer = setTimeout(() => {
          h.timer = null;
          if (!this.stopping) this.checkTicket(id);
        }, delay);
        return;
      }
    }
    if (hold?.timer) clearTimeout(hold.timer);
    this.holds.delete(id);
    if (after) this.memory.map.set(id, after);
    else this.memory.map.delete(id);
    const own = this.takeMark(path, after ? after.raw : null);
    const type = !before ? 'add' : !after ? 'unlink' : 'change';
    this.log({
      type: 'ticket',
      id,
      change: type,
      by: after?.ticket?.updated_by ?? null,
      ...(after && !after.valid ? { problem: after.error?.message ?? after.problems[0]?.message } : {}),
      ...(own ? { own } : {}),
    });
    const ev: TicketEvent = { type, id, path, rel: this.board.rel(path), before, after, own, time: new Date() };
    this.dispatch('onTicketEvent', ev);
    this.fileEvent(type, path, { kind: 'ticket', id }, own);
  }

  /** The tickets/ watch was lost: compare the whole folder once with what was seen. */
  private resyncTickets(): void {
    const ids = new Set([...this.memory.idsOnDisk(), ...this.memory.map.keys()]);
    for (const id of ids) this.checkTicket(id);
  }

  private watchLost(what: string, e: Error): void {
    this.log({ type: 'error', message: `lost the watch on ${what}: ${e.message}; watching it again` });
  }

  /* ---------------------------------------------------------------- inboxes ---- */

  private syncInboxWatches(): void {
    const want = new Set(Object.keys(this.config.agents));
    for (const [agent, w] of this.inboxes) {
      if (!want.has(agent)) {
        w.watch.close();
        this.inboxes.delete(agent);
      }
    }
    for (const agent of want) {
      const have = this.inboxes.get(agent);
      if (have?.watch.healthy()) continue;
      const dir = this.board.inboxNew(agent);
      const watch =
        have?.watch ??
        new DirWatch(
          dir,
          (n) => this.onInboxName(agent, n),
          (e) => this.watchLost(`inbox/${agent}/new/`, e),
        );
      if (!watch.start()) continue; // no inbox folder (yet): the next look tries again
      this.inboxes.set(agent, { watch, known: new Set(mdIn(dir)) });
    }
  }

  private onInboxName(agent: string, name: string | null): void {
    const w = this.inboxes.get(agent);
    if (!w || this.stopping) return;
    if (name === null) {
      w.known = new Set(mdIn(w.watch.dir));
      return;
    }
    if (!name.endsWith('.md') || name.startsWith('.')) return;
    const path = join(w.watch.dir, name);
    const where: BoardPath = { kind: 'inbox', agent, box: 'new', name };
    const mark = this.marks.get(path);
    if (mark && !w.known.has(name)) {
      // a copy the watcher itself just delivered: no need to look at the disk
      this.marks.delete(path);
      w.known.add(name);
      this.fileEvent('add', path, where, mark.by);
      return;
    }
    if (existsSync(path)) {
      if (w.known.has(name)) return;
      w.known.add(name);
      this.touch();
      const own = this.takeMark(path, undefined);
      if (!own) this.arrived(agent, path, name);
      this.fileEvent('add', path, where, own);
    } else if (w.known.delete(name)) {
      this.touch();
      this.fileEvent('unlink', path, where, this.takeMark(path, undefined));
    }
  }

  /** A recado delivered by someone else (`board send`, another tool) landed in an inbox. */
  private arrived(agent: string, path: string, name: string): void {
    let recado;
    try {
      recado = readRecado(this.board, agent, name.slice(0, -3)).recado;
    } catch {
      return; // read or removed meanwhile, or not a recado
    }
    this.log({
      type: 'delivered',
      via: 'send',
      id: recado.id,
      from: recado.from,
      to: [agent],
      subject: recado.subject,
    });
    const ev: RecadoDelivered = {
      recado,
      recipients: [agent],
      paths: [path],
      via: 'send',
      source: null,
      time: new Date(),
    };
    this.dispatch('onRecadoDelivered', ev);
  }

  /* ----------------------------------------------------------------- router ---- */

  reloadConfig(force = false): BoardConfig {
    const key = this.statKey();
    if (!force && key === this.configKey) return this.config;
    this.configKey = key;
    let next: BoardConfig;
    try {
      next = readConfig(this.board);
    } catch (e) {
      this.log({
        type: 'config_error',
        message: String((e as Error)?.message ?? e),
        hint: 'the watcher keeps the last valid board.yaml until this is fixed',
      });
      return this.config;
    }
    const changed = JSON.stringify(next) !== JSON.stringify(this.config);
    this.config = next;
    if (changed) {
      this.syncInboxWatches();
      this.log({ type: 'config', agents: Object.keys(next.agents) });
      this.dispatch('onConfig', next);
    }
    return next;
  }

  private statKey(): string {
    try {
      const st = statSync(this.board.configFile);
      return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
    } catch {
      return '';
    }
  }

  routed(r: RouteResult & { kind: 'delivered' | 'rejected' }): void {
    if (r.kind === 'delivered') {
      for (const p of r.paths) this.markOwn(p, null, 'router');
      const via = r.source ? 'outbox' : r.recado.from === 'board' ? 'board' : 'send';
      this.log({
        type: 'delivered',
        via,
        id: r.recado.id,
        from: r.recado.from,
        to: r.recipients,
        subject: r.recado.subject,
        ...(r.recado.ticket ? { ticket: r.recado.ticket } : {}),
        ...(r.delivered.length < r.recipients.length ? { resumed: true } : {}),
      });
      if (r.delivered.length) {
        this.dispatch('onRecadoDelivered', {
          recado: r.recado,
          recipients: r.delivered,
          paths: r.paths,
          via,
          source: r.source,
          time: new Date(),
        });
      }
      return;
    }
    this.log({
      type: 'rejected',
      id: r.id,
      from: r.from,
      reason: r.reason,
      source: r.source,
      file: this.board.rel(r.file),
      notified: !!r.notice?.delivered.length,
    });
    if (r.notice?.delivered.length) this.noticeSent(r.notice, 'router');
    const ev: RecadoRejected = {
      id: r.id,
      from: r.from,
      reason: r.reason,
      hint: r.hint,
      source: r.source,
      file: r.file,
      reasonFile: r.reasonFile,
      notice: r.notice,
      time: new Date(),
    };
    this.dispatch('onRecadoRejected', ev);
  }

  rejectedUnsent(r: {
    id: string;
    folder: string | null;
    reason: string;
    hint: string;
    source: string;
    file: string;
    reasonFile: string;
  }): void {
    this.log({
      type: 'rejected',
      id: r.id,
      from: null,
      reason: r.reason,
      source: r.source,
      file: this.board.rel(r.file),
      notified: false,
    });
    this.dispatch('onRecadoRejected', {
      id: r.id,
      from: null,
      reason: r.reason,
      hint: r.hint,
      source: r.source,
      file: r.file,
      reasonFile: r.reasonFile,
      notice: null,
      time: new Date(),
    });
  }

  request(path: string, from: string): boolean {
    if (!this.plugins.some((p) => p.onBoardRequest)) return false;
    const taken = takeRequest(this.board, path, from);
    if (!taken) return true;
    this.tookAway(path);
    this.dispatch('onBoardRequest', { request: taken, source: this.board.rel(path), time: new Date() });
    return true;
  }

  tookAway(path: string): void {
    this.markOwn(path, null, 'router');
  }

  private noticeSent(n: SendResult & { recado?: import('../core/recado.js').RecadoJson }, by: string): void {
    const paths = n.delivered.map((a) => join(this.board.inboxNew(a), `${n.id}.md`));
    for (const p of paths) this.markOwn(p, null, by);
    if (n.recado) {
      this.log({
        type: 'delivered',
        via: 'board',
        id: n.id,
        from: n.recado.from,
        to: n.delivered,
        subject: n.recado.subject,
      });
      this.dispatch('onRecadoDelivered', {
        recado: n.recado,
        recipients: n.delivered,
        paths,
        via: 'board',
        source: null,
        time: new Date(),
      });
    }
  }

  sendFromBoard(notice: BoardNotice, by: string): SendResult {
    const r = sendRecado(
      this.board,
      {
        from: 'board',
        to: notice.to,
        subject: notice.subject,
        body: notice.body,
        ticket: notice.ticket,
        reply_to: notice.reply_to,
      },
      { lenient: true, config: this.config, id: notice.id },
    );
    if (r.delivered.length) this.noticeSent(r, by);
    return { id: r.id, delivered: r.delivered, skipped: r.skipped, already: r.already };
  }

  /* ------------------------------------------------------------ own writes ---- */

  markOwn(path: string, content: string | null, by: string): void {
    this.marks.set(path, { content, by, at: Date.now() });
  }

  /** Who in the watcher wrote `path` (and consume the mark), or null. `content` undefined: do not compare. */
  private takeMark(path: string, content: string | null | undefined): string | null {
    const m = this.marks.get(path);
    if (!m) return null;
    if (m.content !== null && content !== undefined && m.content !== content) return null;
    this.marks.delete(path);
    return m.by;
  }

  /* ---------------------------------------------------------------- plugins ---- */

  private makeContext(p: WatchPlugin): WatchContext {
    const host = this;
    return {
      get board() {
        return host.board;
      },
      get config() {
        return host.config;
      },
      get tickets() {
        return host.memory.map;
      },
      get stopping() {
        return host.stopping;
      },
      startedAt: this.startedAt,
      name: p.name,
      log: (ev) => host.log({ ...ev, plugin: p.name }),
      sendFromBoard: (n) => host.sendFromBoard(n, p.name),
      writeFile: (path, content) => {
        host.markOwn(path, content, p.name);
        writeAtomic(host.board.tmpDir, path, content, { fsync: false });
      },
      markOwn: (path, content) => host.markOwn(path, content, p.name),
      setTimer: (ms, fn) => host.setTimer(ms, fn, p, false),
      every: (ms, fn) => host.setTimer(ms, fn, p, true),
      now: () => new Date(),
      verdict: (id, raw) => host.verdicts.get(id, raw),
      judged: (id, raw, v) => host.verdicts.set(id, raw, v),
    };
  }

  private setTimer(ms: number, fn: () => Awaitable<void>, p: WatchPlugin, repeat: boolean): Cancel {
    if (this.stopping) return () => undefined;
    const run = () => {
      if (this.stopping) return;
      try {
        Promise.resolve(fn()).catch((e) => this.pluginError(p, 'timer', e));
      } catch (e) {
        this.pluginError(p, 'timer', e);
      }
    };
    const t: NodeJS.Timeout = repeat
      ? setInterval(run, ms)
      : setTimeout(() => {
          this.timers.delete(t);
          run();
        }, ms);
    this.timers.add(t);
    return () => {
      clearTimeout(t);
      this.timers.delete(t);
    };
  }

  private dispatch(hook: HookName, ev: unknown): void {
    for (const p of this.plugins) {
      const fn = p[hook] as ((ev: unknown, ctx: WatchContext) => Awaitable<void>) | undefined;
      if (!fn) continue;
      const ctx = this.ctxs.get(p);
      if (!ctx) continue; // not started yet
      const prev = this.chains.get(p) ?? Promise.resolve();
      this.chains.set(
        p,
        prev.then(() => fn.call(p, ev, ctx)).catch((e) => this.pluginError(p, hook, e)),
      );
    }
  }

  private pluginError(p: WatchPlugin, hook: string, e: unknown): void {
    this.log({ type: 'plugin_error', plugin: p.name, hook, message: String((e as Error)?.message ?? e) });
  }

  /* ----------------------------------------------------------- housekeeping ---- */

  private housekeeping(): void {
    if (this.stopping) return;
    try {
      this.router.reconcile();
      this.reloadConfig();
      if (!this.ticketWatch.healthy() && existsSync(this.board.ticketsDir)) {
        this.ticketWatch.start();
        this.resyncTickets();
      }
      this.syncInboxWatches();
      this.syncOutboxWatches();
      const old = Date.now() - MARK_TTL_MS;
      for (const [k, m] of this.marks) if (m.at < old) this.marks.delete(k);
      if (this.stateDirty || Date.now() - this.stateWritten > STATE_HEARTBEAT_MS) this.writeState();
    } catch (e) {
      this.log({ type: 'error', message: `housekeeping: ${String((e as Error)?.message ?? e)}` });
    }
  }

  private writeState(): void {
    if (this.opts.stateFile === false) return;
    const s: WatcherState = {
      pid: process.pid,
      started: this.startedAt.toISOString(),
      board: this.board.root,
      state: this.state,
      last_event: this.lastEvent?.toISOString() ?? null,
      heartbeat: new Date().toISOString(),
      delivered: this.router.counts.delivered,
      rejected: this.router.counts.rejected,
      waiting: this.router.waiting,
      plugins: this.plugins.map((p) => p.name),
    };
    try {
      writeAtomic(this.board.tmpDir, watcherStateFile(this.board), JSON.stringify(s, null, 2) + '\n', { fsync: false });
      this.stateDirty = false;
      this.stateWritten = Date.now();
    } catch {
      /* best effort */
    }
  }
}

function relPosix(root: string, abs: string): string {
  const r = relative(root, abs);
  return sep === '/' ? r : r.split(sep).join('/');
}

function mdIn(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.md') && !n.startsWith('.'));
  } catch {
    return [];
  }
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<undefined>((r) => {
        t = setTimeout(() => r(undefined), ms);
      }),
    ]);
  } finally {
    if (t) clearTimeout(t);
  }
}
