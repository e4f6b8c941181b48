/**
 * Live sync (board.yaml `sync.every: DUR`): the watcher runs `board sync` by itself, soon
 * after local changes (debounced) and every DUR, so tickets, claims and recados move between
 * clones without anyone typing it.
 *
 * - A local change (any file event not caused by a sync) schedules a sync after
 *   `git.debounce` × 2 + 1 s of quiet, so the audit plugin's commit of it goes out with it.
 * - Every DUR: a sync (it fetches what other clones pushed).
 * - One sync at a time; a trigger during a sync runs one more sync after it.
 * - The files a sync wrote are not local changes: their events are ignored (each path once).
 * - A failed sync (remote unreachable, a refused push) is logged as `sync_failed` with the
 *   reason and retried at the next trigger; nothing is lost (the changes stay committed on
 *   the local audit branch and go out with the next sync that works).
 */
import type { BoardConfig } from '../core/config.js';
import type { Cancel, FileEvent, WatchContext, WatchPlugin } from './plugin.js';

/** Ignore an event for a path the sync wrote for this long at most. */
const OWN_WRITE_TTL_MS = 30_000;

export class LiveSyncPlugin implements WatchPlugin {
  readonly name = 'sync';
  private everyMs: number | null = null;
  private ticker: Cancel | null = null;
  private soon: Cancel | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** Paths changed while a sync ran: a local change unless that sync wrote them. */
  private during: string[] = [];
  private readonly written = new Map<string, number>();

  start(ctx: WatchContext): void {
    this.configure(ctx.config, ctx);
    if (this.everyMs) this.trigger(ctx, 0);
  }

  onConfig(config: BoardConfig, ctx: WatchContext): void {
    this.configure(config, ctx);
  }

  onFileEvent(ev: FileEvent, ctx: WatchContext): void {
    if (!this.everyMs) return;
    if (this.running) {
      this.during.push(ev.path);
      return;
    }
    const at = this.written.get(ev.path);
    if (at !== undefined) {
      this.written.delete(ev.path);
      if (Date.now() - at < OWN_WRITE_TTL_MS) return; // the sync's own write
    }
    this.trigger(ctx, ctx.config.git.debounceMs * 2 + 1000);
  }

  async stop(): Promise<void> {
    this.ticker?.();
    this.soon?.();
    await this.running?.catch(() => undefined);
  }

  private configure(config: BoardConfig, ctx: WatchContext): void {
    if (config.sync.everyMs === this.everyMs) return;
    this.everyMs = config.sync.everyMs;
    this.ticker?.();
    this.ticker = null;
    if (this.everyMs) {
      this.ticker = ctx.every(this.everyMs, () => this.trigger(ctx, 0));
      ctx.log({ type: 'live_sync', every_ms: this.everyMs });
    }
  }

  private trigger(ctx: WatchContext, delayMs: number): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.soon?.();
    this.soon = ctx.setTimer(delayMs, () => {
      this.soon = null;
      this.running = this.run(ctx).finally(() => {
        this.running = null;
        if (this.again && !ctx.stopping) {
          this.again = false;
          this.trigger(ctx, 0);
        }
      });
    });
  }

  private async run(ctx: WatchContext): Promise<void> {
    const { syncBoard } = await import('../git/sync.js');
    const t0 = Date.now();
    try {
      const r = await syncBoard(ctx.board);
      const now = Date.now();
      for (const rel of [...r.written, ...r.deleted]) this.written.set(`${ctx.board.root}/${rel}`, now);
      const local = this.during.filter((p) => !this.written.has(p));
      for (const p of this.during) this.written.delete(p); // seen already: its event came during the sync
      this.during = [];
      if (local.length) this.again = true;
      if (r.action !== 'up-to-date' || r.committed || r.written.length || r.deleted.length) {
        ctx.log({
          type: 'synced',
          action: r.action,
          committed: r.committed,
          written: r.written.length,
          deleted: r.deleted.length,
          pushed: r.pushed,
          reconciled: r.reconciled.map((x) => x.ticket),
          ms: now - t0,
        });
      }
    } catch (e) {
      this.during = [];
      ctx.log({ type: 'sync_failed', error: String((e as Error)?.message ?? e), ms: Date.now() - t0 });
    }
  }
}

export function liveSyncPlugin(): WatchPlugin {
  return new LiveSyncPlugin();
}
