/**
 * The board as the web pages see it, kept up to date from the files, and the stream of
 * changes every page follows.
 *
 * One directory watch (see watch/dirwatch.ts) on tickets/, rejected/, inbox/ and each
 * inbox/NAME/new/ and cur/: an event names a file, and only that file is read again (never
 * a rescan of the folder). A ticket change re-reads that one file and recomputes the graph
 * in memory (waves and readiness can change for other tickets); the tickets whose JSON
 * changed are sent. The same happens whether the watcher runs in this process or another.
 * The in-process watcher's own event lines (refusals, deliveries, leases, waves) are added
 * to the stream as `watch` events.
 *
 * Every event has an id `EPOCH.SEQ` (EPOCH: this server's start). The last BUFFER events are
 * kept; a page that reconnects with Last-Event-ID gets the ones it missed, or `reset` (load
 * everything again) when they are no longer kept or the server restarted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeGraph, type BoardGraph } from '../core/graph.js';
import { isTicketId } from '../core/names.js';
import type { Ticket, TicketJson } from '../core/ticket.js';
import { ticketJson } from '../core/ticket.js';
import type { RecadoJson } from '../core/recado.js';
import { BoardError } from '../core/errors.js';
import type { Board } from '../store/board.js';
import type { BoardConfig } from '../core/config.js';
import { loadConfig } from '../store/config.js';
import { inboxAgents, parseRecadoText } from '../store/mailbox.js';
import { recadoFromData } from '../core/recado.js';
import { readBoardFile } from '../store/read.js';
import { loadBoard, parseTicketText, type BrokenFile } from '../store/tickets.js';
import { DirWatch } from '../watch/dirwatch.js';
import { yaml } from '../store/frontmatter.js';

export interface StreamEvent {
  id: string;
  type: string;
  data: unknown;
}

export interface Refusal {
  name: string;
  reason: string;
  hint: string | null;
  from: string | null;
  file: string | null;
  id: string | null;
  at: string | null;
}

export const BUFFER = 5000;
const SETTLE_MS = 15;

type Listener = (e: StreamEvent) => void;

export class LiveBoard {
  readonly epoch = Date.now().toString(36);
  private seq = 0;
  private readonly buffer: StreamEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private readonly watches = new Map<string, DirWatch>();
  private tickets = new Map<string, Ticket>();
  private broken = new Map<string, BrokenFile>();
  private json = new Map<string, string>();
  private derivedKey = new Map<string, string>();
  config!: BoardConfig;
  graph!: BoardGraph<Ticket>;
  private pendingTickets = new Set<string>();
  private settle: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(readonly board: Board) {}

  start(): void {
    const loaded = loadBoard(this.board);
    this.config = loaded.config;
    this.tickets = loaded.tickets;
    for (const b of loaded.broken) if (b.id) this.broken.set(b.id, b);
    this.graph = loaded.graph;
    for (const t of this.tickets.values()) {
      const d = this.graph.derived(t.id);
      this.derivedKey.set(t.id, `${d.wave}|${d.ready}|${d.blocked_by.join(',')}`);
      this.json.set(t.id, JSON.stringify(ticketJson(t, d)));
    }
    this.watch(this.board.ticketsDir, (n) => this.onTicketName(n));
    this.watch(this.board.rejectedDir, (n) => this.onRejectedName(n));
    this.watch(this.board.inboxDir, () => this.syncInboxes());
    this.watch(this.board.root, (n) => {
      if (n === 'board.yaml' || n === null) this.onConfig();
      if (n === 'inbox' || n === 'tickets' || n === 'rejected') this.restartWatches();
    });
    this.syncInboxes();
  }

  close(): void {
    this.closed = true;
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
    if (this.settle) clearTimeout(this.settle);
    this.listeners.clear();
  }

  /* ------------------------------------------------------------ the stream ---- */

  get lastId(): string {
    return `${this.epoch}.${this.seq}`;
  }

  emit(type: string, data: unknown): void {
    if (this.closed) return;
    const e: StreamEvent = { id: `${this.epoch}.${++this.seq}`, type, data };
    this.buffer.push(e);
    if (this.buffer.length > BUFFER + 500) this.buffer.splice(0, this.buffer.length - BUFFER); // trimmed in steps, not per event
    for (const l of this.listeners) l(e);
  }

  subscribe(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** The events after `id`, or null when they cannot be given (another epoch, or no longer kept). */
  since(id: string): StreamEvent[] | null {
    const m = /^([0-9a-z]+)\.(\d+)$/.exec(id);
    if (!m || m[1] !== this.epoch) return null;
    const n = Number(m[2]);
    if (n > this.seq) return null;
    if (n === this.seq) return [];
    const first = this.buffer.length ? Number(this.buffer[0].id.split('.')[1]) : this.seq + 1;
    if (n + 1 < first) return null;
    return this.buffer.slice(n + 1 - first);
  }

  /* ------------------------------------------------------------ the model ---- */

  ticketJson(t: Ticket): TicketJson {
    return ticketJson(t, this.graph.derived(t.id));
  }

  private listText: string | null = null;

  /**
   * `allTickets()` as JSON text, kept until a ticket changes: the per-ticket JSON is already
   * kept to find what changed, so a page load costs a join, not 2,000 stringifications.
   */
  allTicketsText(): string {
    if (this.listText !== null) return this.listText;
    const ids = this.allTickets().map((t) => t.id);
    return (this.listText = `[${ids.map((id) => this.json.get(id)).join(',')}]`);
  }

  /** As `board list --all --json`: plan order, files that cannot be read left out. */
  allTickets(): TicketJson[] {
    const out = [...this.tickets.values()].filter((t) => !this.broken.has(t.id)).map((t) => this.ticketJson(t));
    return out.sort(
      (a, b) =>
        (a.wave ?? Infinity) - (b.wave ?? Infinity) ||
        a.priority - b.priority ||
        (a.created ?? '').localeCompare(b.created ?? '') ||
        a.id.localeCompare(b.id),
    );
  }

  brokenFiles(): BrokenFile[] {
    return [...this.broken.values()];
  }

  ticket(id: string): Ticket | undefined {
    return this.tickets.get(id);
  }

  dependents(id: string): string[] {
    return [...this.tickets.values()]
      .filter((t) => t.deps.includes(id))
      .map((t) => t.id)
      .sort();
  }

  /* --------------------------------------------------------------- watching ---- */

  private watch(dir: string, onName: (n: string | null) => void): void {
    if (this.watches.has(dir)) return;
    const w = new DirWatch(dir, onName, () => {
      this.watches.delete(dir);
    });
    if (w.start()) this.watches.set(dir, w);
  }

  /** A watched folder was made or replaced: watch it again and read it once. */
  private restartWatches(): void {
    for (const [dir, w] of this.watches)
      if (!w.healthy()) {
        w.close();
        this.watches.delete(dir);
      }
    this.watch(this.board.ticketsDir, (n) => this.onTicketName(n));
    this.watch(this.board.rejectedDir, (n) => this.onRejectedName(n));
    this.watch(this.board.inboxDir, () => this.syncInboxes());
    this.syncInboxes();
  }

  private onConfig(): void {
    try {
      const c = loadConfig(this.board);
      const policyChanged = c.waves !== this.config.waves;
      this.config = c;
      if (policyChanged) this.recompute(new Set(this.tickets.keys()));
      this.emit('config', { agents: Object.keys(c.agents) });
    } catch (e) {
      this.emit('config_error', { message: String((e as Error)?.message ?? e) });
    }
  }

  private onTicketName(name: string | null): void {
    if (name === null) {
      for (const n of readdirSafe(this.board.ticketsDir))
        if (n.endsWith('.md')) this.pendingTickets.add(n.slice(0, -3));
      for (const id of this.tickets.keys()) this.pendingTickets.add(id);
    } else if (name.endsWith('.md') && !name.startsWith('.')) this.pendingTickets.add(name.slice(0, -3));
    else return;
    // a burst (an editor's write and rename, a wave of closes) is read once
    if (!this.settle) this.settle = setTimeout(() => this.flushTickets(), SETTLE_MS);
  }

  private flushTickets(): void {
    this.settle = null;
    const ids = this.pendingTickets;
    this.pendingTickets = new Set();
    const changedBroken: BrokenFile[] = [];
    for (const id of ids) {
      if (!isTicketId(id)) continue;
      const path = join(this.board.ticketsDir, `${id}.md`);
      const display = this.board.rel(path);
      try {
        const { ticket, problems } = parseTicketText(readBoardFile(path, { display }), id, display);
        this.tickets.set(id, ticket);
        if (problems.length) {
          const b = {
            file: display,
            id,
            error: {
              kind: 'invalid',
              message: `${display}: ${problems[0].message}`,
              field: problems[0].field,
              hint: problems[0].hint,
            },
          };
          this.broken.set(id, b);
          changedBroken.push(b);
        } else this.broken.delete(id);
      } catch (e) {
        if (!(e instanceof BoardError)) throw e;
        if (e.kind === 'not_found') {
          this.tickets.delete(id);
          this.broken.delete(id);
        } else {
          const b = { file: display, id, error: e.toJSON() };
          this.broken.set(id, b);
          changedBroken.push(b);
        }
      }
    }
    this.recompute(ids, changedBroken);
  }

  /** Recompute the graph and send every ticket whose JSON changed. */
  private recompute(touched: Set<string>, broken: BrokenFile[] = []): void {
    const openBefore = this.graph.openWave;
    this.graph = computeGraph(this.tickets.values(), this.config.waves);
    const changed: TicketJson[] = [];
    const removed: string[] = [];
    for (const t of this.tickets.values()) {
      if (this.broken.has(t.id)) continue;
      // an untouched ticket is the same object: only its derived fields can have changed
      const d = this.graph.derived(t.id);
      const key = `${d.wave}|${d.ready}|${d.blocked_by.join(',')}`;
      if (!touched.has(t.id) && this.derivedKey.get(t.id) === key && this.json.has(t.id)) continue;
      this.derivedKey.set(t.id, key);
      const j = ticketJson(t, d);
      const s = JSON.stringify(j);
      if (this.json.get(t.id) !== s) {
        this.json.set(t.id, s);
        changed.push(j);
      }
    }
    for (const id of [...this.json.keys()]) {
      if (!this.tickets.has(id) || this.broken.has(id)) {
        this.json.delete(id);
        this.derivedKey.delete(id);
        removed.push(id);
      }
    }
    if (changed.length || removed.length) this.listText = null;
    if (changed.length || removed.length || broken.length || openBefore !== this.graph.openWave) {
      this.emit('tickets', { changed, removed, broken, open: this.graph.openWave, policy: this.graph.policy });
    }
  }

  private syncInboxes(): void {
    const agents = new Set(inboxAgents(this.board));
    for (const a of agents) {
      for (const box of ['new', 'cur'] as const) {
        const dir = box === 'new' ? this.board.inboxNew(a) : this.board.inboxCur(a);
        if (!this.watches.has(dir)) this.watch(dir, (n) => this.onInboxName(a, box, n));
      }
    }
  }

  private onInboxName(agent: string, box: 'new' | 'cur', name: string | null): void {
    if (!name || !name.endsWith('.md') || name.startsWith('.')) return;
    const dir = box === 'new' ? this.board.inboxNew(agent) : this.board.inboxCur(agent);
    const path = join(dir, name);
    const id = name.slice(0, -3);
    let raw: string;
    try {
      raw = readBoardFile(path, { display: this.board.rel(path) });
    } catch {
      return; // gone (read, moved): its arrival in cur/ is its own event
    }
    try {
      const { data, body } = parseRecadoText(raw, this.board.rel(path));
      const recado: RecadoJson = recadoFromData(data, body, id, box === 'cur');
      this.emit(box === 'new' ? 'recado' : 'read', box === 'new' ? { agent, recado } : { agent, id });
    } catch {
      /* an unreadable copy is the mailbox checks' business (board doctor) */
    }
  }

  private onRejectedName(name: string | null): void {
    if (!name || !name.endsWith('.reason')) return;
    const r = readRefusal(this.board, name);
    if (r) this.emit('refusal', r);
  }
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** One `rejected/NAME.reason` file: why a file was refused and where it came from. */
export function readRefusal(board: Board, reasonName: string): Refusal | null {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.reason$/.test(reasonName)) return null;
  let data: Record<string, unknown>;
  try {
    const text = readFileSync(join(board.rejectedDir, reasonName), 'utf8');
    const parsed = yaml().parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object') return null;
    data = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const s = (k: string) => (data[k] === undefined || data[k] === null ? null : String(data[k]));
  return {
    name: reasonName.slice(0, -'.reason'.length),
    reason: s('reason') ?? '?',
    hint: s('hint'),
    from: s('from'),
    file: s('file'),
    id: s('id'),
    at: s('at'),
  };
}

/** Every refusal kept in rejected/, newest first. */
export function allRefusals(board: Board): Refusal[] {
  const out: Refusal[] = [];
  for (const n of readdirSafe(board.rejectedDir)) {
    if (!n.endsWith('.reason')) continue;
    const r = readRefusal(board, n);
    if (r) out.push(r);
  }
  return out.sort((a, b) => (b.at ?? '').localeCompare(a.at ?? ''));
}
