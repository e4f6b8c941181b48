/**
 * The waves plugin: the watcher's half of the board's announcements (core/announce.ts). It
 * keeps the dependency graph in memory, announces what each ticket change makes true (the
 * CLI announces its own changes too, under the same fixed ids), holds back versions that may
 * still be refused (HOLD_MS), and saves the graph in run/waves.json to announce, on the next
 * start, what changed while no watcher ran. Why and how: docs/design/delivery.md
 * ("Announcements", "What the watcher does for waves").
 */
import { join } from 'node:path';
import type { AnnounceState, AnnounceTicket } from '../core/announce.js';
import { authorOf, checkHandEdit, type BoardView } from '../core/edits.js';
import { computeGraph, updateGraph, WAVE_POLICIES, type WavePolicy } from '../core/graph.js';
import type { Ticket } from '../core/ticket.js';
import { writeAtomic } from '../store/atomic.js';
import { announceChange, type AnnounceEvent } from '../store/announce.js';
import type { Board } from '../store/board.js';
import { readBoardFile } from '../store/read.js';
import { parseTicketText } from '../store/tickets.js';
import type { TicketEvent, TicketSnapshot, WatchContext, WatchPlugin } from './plugin.js';

/** How long a version that breaks a hand-edit rule waits for its restore before it counts. */
export const HOLD_MS = 5_000;
/** The saved state is written at most this often while tickets change. */
const SAVE_EVERY_MS = 2_000;
/** While building the graph at start, the event loop is let go this often (ms), so routing goes on. */
const BUILD_SLICE_MS = 10;
const STATE_VERSION = 2;
/** A failed announcement is tried this many times in all, 5 s, then 10 s, ... apart. */
const ANNOUNCE_ATTEMPTS = 4;
const ANNOUNCE_RETRY_MS = 5_000;

export function wavesStateFile(board: Board): string {
  return board.run.waves;
}

interface SavedState {
  version: number;
  policy: WavePolicy;
  /** id -> hash of the file's text and the ticket's announced fields. */
  tickets: Record<string, { h: string; n: AnnounceTicket }>;
}

interface Accepted {
  /** Hash of the text of the version taken. */
  hash: string;
  node: AnnounceTicket;
  /** The watcher's snapshot of that version (for the hand-edit rules), if it has it. */
  snap: TicketSnapshot | null;
}

interface Held {
  snap: TicketSnapshot;
  cancel: () => void;
}

/**
 * A ticket text's fingerprint: its length and two 32-bit FNV-1a hashes (different offset
 * bases) of its UTF-16 code units. Only compared with the same ticket's saved fingerprint;
 * computed for every ticket at start, so it allocates nothing per character (a crypto hash
 * object per ticket costs ~7 MB of garbage on 10,000 tickets).
 */
export function hashOf(raw: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (b >>> 15);
  }
  return `${raw.length.toString(36)}.${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}`;
}

/** What announcements need of a ticket (kept in memory and in the saved state). */
export function nodeOf(t: Ticket): AnnounceTicket {
  return {
    id: t.id,
    title: t.title,
    status: t.status,
    deps: [...t.deps],
    assignee: t.assignee,
    updated: t.updated,
    updated_by: t.updated_by,
    claim: t.claim ? { by: t.claim.by } : null,
  };
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Can the change from `a` to `b` announce anything? (Claims, titles, bodies cannot.) */
function relevant(a: AnnounceTicket | undefined, b: AnnounceTicket | undefined): boolean {
  if (!a || !b) return true;
  return a.status !== b.status || a.assignee !== b.assignee || !sameList(a.deps, b.deps);
}

const sameNode = (a: AnnounceTicket, b: AnnounceTicket) => JSON.stringify(a) === JSON.stringify(b);

function readState(board: Board): SavedState | null {
  try {
    const s = JSON.parse(
      readBoardFile(wavesStateFile(board), { display: 'run/waves.json', maxBytes: 64 * 1024 * 1024 }),
    ) as SavedState;
    if (
      s?.version !== STATE_VERSION ||
      !WAVE_POLICIES.includes(s.policy) ||
      typeof s.tickets !== 'object' ||
      !s.tickets
    )
      return null;
    return s;
  } catch {
    return null; // none yet, or unreadable: start without history
  }
}

/**
 * The ticket a text holds if it is valid, else null. Parsed here rather than through the
 * snapshot, which would keep the parsed ticket in the watcher's memory for good (10,000
 * tickets: tens of MB); a snapshot parses itself when an event needs it.
 */
function validTicket(board: Board, id: string, raw: string): Ticket | null {
  try {
    const { ticket, problems } = parseTicketText(raw, id, board.rel(join(board.ticketsDir, `${id}.md`)));
    return problems.length ? null : ticket;
  } catch {
    return null;
  }
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

export class WavesPlugin implements WatchPlugin {
  readonly name = 'waves';
  private graph: AnnounceState = computeGraph<AnnounceTicket>([]);
  private readonly accepted = new Map<string, Accepted>();
  private readonly held = new Map<string, Held>();
  private ready: Promise<void> | null = null;
  private dirty = false;
  private saving: (() => void) | null = null;

  start(ctx: WatchContext): void {
    // not awaited: on a large board the graph is built in slices while the watcher serves
    // events; this plugin's own events wait for it
    this.ready ??= this.build(ctx);
  }

  async onTicketEvent(ev: TicketEvent, ctx: WatchContext): Promise<void> {
    await (this.ready ??= this.build(ctx));
    this.handle(ev, ctx);
  }

  async onConfig(config: WatchContext['config'], ctx: WatchContext): Promise<void> {
    await (this.ready ??= this.build(ctx));
    if (config.waves === this.graph.policy) return;
    // strict <-> flow: other tickets are ready now; say so
    const before = this.graph;
    this.graph = updateGraph(before, [], [], config.waves);
    this.changed(ctx);
    this.announce(ctx, before, this.graph, undefined, { policy: config.waves });
  }

  async stop(ctx: WatchContext): Promise<void> {
    if (this.ready) await this.ready;
    for (const h of this.held.values()) h.cancel();
    this.held.clear();
    if (this.dirty) this.save(ctx);
  }

  /** The graph as the plugin sees it now (for tests). */
  get current(): AnnounceState {
    return this.graph;
  }

  /* ------------------------------------------------------------------ start ---- */

  private async build(ctx: WatchContext): Promise<void> {
    const t0 = Date.now();
    const saved = readState(ctx.board);
    const entries = [...ctx.tickets];
    let parsed = 0;
    let slice = Date.now();
    for (let i = 0; i < entries.length; i++) {
      if (Date.now() - slice > BUILD_SLICE_MS) {
        await nextTurn();
        slice = Date.now();
      }
      const [id, snap] = entries[i];
      const hash = hashOf(snap.raw);
      const known = saved?.tickets[id];
      if (known && known.h === hash) {
        this.accepted.set(id, { hash, node: known.n, snap });
        continue;
      }
      parsed++;
      const t = validTicket(ctx.board, id, snap.raw);
      if (t) this.accepted.set(id, { hash, node: nodeOf(t), snap });
      else if (known) this.accepted.set(id, { hash: known.h, node: known.n, snap: null }); // its last valid version
    }
    this.graph = computeGraph(
      [...this.accepted.values()].map((a) => a.node),
      ctx.config.waves,
    );

    let caughtUp = 0;
    let same = false;
    if (saved) {
      // what changed while no watcher ran: announce it now (a repeat is a no-op: same ids)
      const changed: string[] = [];
      for (const [id, a] of this.accepted) {
        const old = saved.tickets[id];
        if (!old || !sameNode(old.n, a.node)) changed.push(id);
      }
      for (const id of Object.keys(saved.tickets)) if (!this.accepted.has(id)) changed.push(id);
      same = !changed.length && saved.policy === this.graph.policy && parsed === 0;
      if (changed.length || saved.policy !== this.graph.policy) {
        const before = computeGraph(
          Object.values(saved.tickets).map((x) => x.n),
          saved.policy,
        );
        caughtUp = this.announce(ctx, before, this.graph, saved.policy === this.graph.policy ? changed : undefined, {
          catch_up: true,
        }).length;
      }
    }
    if (!same) this.save(ctx);
    ctx.log({
      type: 'waves',
      policy: this.graph.policy,
      open: this.graph.openWave,
      waves: this.graph.maxWave,
      tickets: this.graph.size,
      parsed,
      saved: !!saved,
      caught_up: caughtUp,
      ms: Date.now() - t0,
    });
  }

  /* ----------------------------------------------------------------- events ---- */

  private handle(ev: TicketEvent, ctx: WatchContext): void {
    const id = ev.id;
    this.release(id);
    const cur = this.accepted.get(id);
    if (!ev.after) {
      if (cur) this.take(ctx, id, null);
      return;
    }
    const snap = ev.after;
    if (cur && cur.hash === hashOf(snap.raw)) {
      cur.snap = snap; // the version it has (a restore, a touch)
      return;
    }
    if (!snap.valid) return; // unreadable or invalid: not a version of the ticket (it gets restored)
    if (!ev.own) {
      const broken = this.brokenRules(cur, snap.ticket!, ctx);
      if (broken.length) {
        this.hold(ctx, id, snap, broken);
        return;
      }
    }
    this.take(ctx, id, snap);
  }

  /** The hand-edit rules this version breaks against the last version taken (such a version is held: it is about to be undone). */
  private brokenRules(cur: Accepted | undefined, t: Ticket, ctx: WatchContext): string[] {
    const before = cur?.snap?.valid ? cur.snap.ticket : null;
    const depsChanged = !cur || !sameList(cur.node.deps, t.deps);
    const view: BoardView = {
      lookup: (x) => this.graph.node(x) as Pick<Ticket, 'id' | 'status' | 'deps'> | undefined,
      graph: depsChanged ? updateGraph(this.graph, [nodeOf(t)]) : undefined,
    };
    return checkHandEdit(before, { ticket: t, problems: [] }, authorOf(t), ctx.now(), view).map((v) => v.message); // every refused edit is undone (a hand claim too): it must announce nothing
  }

  private hold(ctx: WatchContext, id: string, snap: TicketSnapshot, reasons: string[]): void {
    const cancel = ctx.setTimer(HOLD_MS, () => {
      if (this.held.get(id)?.snap !== snap) return;
      this.held.delete(id);
      // still the file's content after HOLD_MS: nobody refused it, so it stands
      if (ctx.tickets.get(id) === snap) this.take(ctx, id, snap, true);
    });
    this.held.set(id, { snap, cancel });
    ctx.log({ type: 'wave_hold', id, reason: reasons[0], ms: HOLD_MS });
  }

  private release(id: string): void {
    const h = this.held.get(id);
    if (!h) return;
    h.cancel();
    this.held.delete(id);
  }

  /** Take a version of a ticket (null: removed) into the graph and announce what it changed. */
  private take(ctx: WatchContext, id: string, snap: TicketSnapshot | null, afterHold = false): void {
    const prev = this.accepted.get(id);
    const node = snap ? nodeOf(snap.ticket!) : null;
    const before = this.graph;
    if (node) {
      this.accepted.set(id, { hash: hashOf(snap!.raw), node, snap });
      this.graph = updateGraph(before, [node]);
    } else {
      this.accepted.delete(id);
      this.graph = updateGraph(before, [], [id]);
    }
    this.changed(ctx);
    if (relevant(prev?.node, node ?? undefined)) {
      this.announce(ctx, before, this.graph, [id], {
        cause: id,
        by: node?.updated_by ?? null,
        ...(afterHold ? { held: true } : {}),
      });
    }
  }

  private announce(
    ctx: WatchContext,
    before: AnnounceState,
    after: AnnounceState,
    changed: string[] | undefined,
    extra: Record<string, unknown>,
    attempt = 1,
  ): AnnounceEvent[] {
    const events = announceChange(ctx.board, before, after, ctx.config.agents, {
      changed,
      send: (notice) => ctx.sendFromBoard(notice),
    });
    for (const e of events) {
      const { type: _t, kind, ...rest } = e;
      void _t;
      if (kind === 'wave_open') ctx.log({ type: 'wave_open', ...rest, ...extra });
      else ctx.log({ type: 'announce', kind, ...rest, ...extra });
    }
    // a delivery that failed (disk full, permissions) is tried again: same ids, so whoever
    // got it already is skipped
    if (events.some((e) => e.error) && attempt < ANNOUNCE_ATTEMPTS) {
      ctx.setTimer(ANNOUNCE_RETRY_MS * attempt, () => {
        this.announce(ctx, before, after, changed, { ...extra, retry: attempt }, attempt + 1);
      });
    }
    return events;
  }

  /* ------------------------------------------------------------ saved state ---- */

  private changed(ctx: WatchContext): void {
    this.dirty = true;
    if (this.saving || ctx.stopping) return;
    this.saving = ctx.setTimer(SAVE_EVERY_MS, () => {
      this.saving = null;
      this.save(ctx);
    });
  }

  private save(ctx: WatchContext): void {
    const tickets: SavedState['tickets'] = {};
    for (const [id, a] of this.accepted) tickets[id] = { h: a.hash, n: a.node };
    const state: SavedState = { version: STATE_VERSION, policy: this.graph.policy, tickets };
    try {
      writeAtomic(ctx.board.tmpDir, wavesStateFile(ctx.board), JSON.stringify(state), { fsync: false });
      this.dirty = false;
    } catch (e) {
      ctx.log({
        type: 'error',
        message: `waves: could not save ${ctx.board.rel(wavesStateFile(ctx.board))}: ${String((e as Error)?.message ?? e)}`,
      });
    }
  }
}

export function wavesPlugin(): WatchPlugin {
  return new WavesPlugin();
}
