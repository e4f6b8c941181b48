/**
 * The integration plugin: the watcher's half of `board integrate` and `board update`.
 *
 * - With `integrate.auto: true`, a ticket closed as done (by `board close`, or by hand) is
 *   integrated shortly after (closes arriving together are integrated in one run, in wave
 *   order). Tickets closed while no watcher ran are integrated at start. A ticket that ended
 *   in conflict or check_failed is not retried by the watcher on its own (it would fail the
 *   same way): `board integrate` retries it, and so does the next automatic run after its
 *   author's branch moved on (the run looks at every failed ticket's branch).
 * - With `integrate.update` (default true), when the open wave moves up the worktrees of the
 *   agents holding or assigned its tickets are brought up to date with the integration branch
 *   (after the run that integrates the tickets just closed, when auto). An integration run
 *   also updates the worktrees whose open-wave tickets depend on what it integrated.
 *
 * Runs are serialized in this plugin; a run refused because another integration holds the
 * lock (`board integrate` by hand) is tried again a few seconds later.
 */
import { integrateSettings, integrationOf, integrationView, workOf } from '../core/integrate.js';
import { BoardError } from '../core/errors.js';
import type { Ticket } from '../core/ticket.js';
import { GitRepo } from '../git/git.js';
import { loadBoard } from '../store/tickets.js';
import type { TicketEvent, WatchContext, WatchPlugin } from './plugin.js';

const DEBOUNCE_MS = 300;
const RETRY_MS = 5_000;

export class IntegratePlugin implements WatchPlugin {
  readonly name = 'integrate';
  private openWave: number | null = null;
  private pendingIntegrate = false;
  private pendingUpdate = false;
  private scheduled: (() => void) | null = null;
  private running: Promise<void> = Promise.resolve();
  /** Failed tickets' branch tips when last tried: a move means the author did something. */
  private readonly failedTips = new Map<string, string | null>();

  start(ctx: WatchContext): void {
    const cfg = integrateSettings(ctx.config);
    if (!cfg.auto && !cfg.update) return;
    const loaded = loadBoard(ctx.board);
    this.openWave = loaded.graph.openWave;
    if (cfg.auto && [...loaded.tickets.values()].some((t) => integrationView(t) === 'waiting' || retryable(t))) {
      this.pendingIntegrate = true;
      this.schedule(ctx);
    }
  }

  onTicketEvent(ev: TicketEvent, ctx: WatchContext): void {
    const cfg = integrateSettings(ctx.config);
    if (!cfg.auto && !cfg.update) return;
    const before = ev.before?.valid ? ev.before.ticket : null;
    const after = ev.after?.valid ? ev.after.ticket : null;
    if ((before?.status ?? null) === (after?.status ?? null)) return; // claims, integration records, bodies: nothing to do
    if (cfg.auto && after?.status === 'done') this.pendingIntegrate = true;
    const open = loadBoard(ctx.board).graph.openWave;
    if (open !== null && (this.openWave === null || open > this.openWave) && cfg.update) {
      this.pendingUpdate = true;
      ctx.log({ type: 'integrate_wave_open', wave: open });
    }
    this.openWave = open;
    if (this.pendingIntegrate || this.pendingUpdate) this.schedule(ctx);
  }

  async stop(): Promise<void> {
    this.scheduled?.();
    await this.running;
  }

  private schedule(ctx: WatchContext, ms = DEBOUNCE_MS): void {
    if (this.scheduled || ctx.stopping) return;
    this.scheduled = ctx.setTimer(ms, () => {
      this.scheduled = null;
      this.running = this.running.then(() => this.work(ctx));
      return this.running;
    });
  }

  private async work(ctx: WatchContext): Promise<void> {
    const cfg = integrateSettings(ctx.config);
    const doIntegrate = this.pendingIntegrate && cfg.auto;
    const doUpdate = this.pendingUpdate;
    this.pendingIntegrate = false;
    this.pendingUpdate = false;
    const send = (n: Parameters<WatchContext['sendFromBoard']>[0]) => ctx.sendFromBoard(n);
    if (doIntegrate) {
      try {
        const { integrate } = await import('../git/integrate.js');
        const ids = await this.due(ctx);
        if (ids.length) {
          const report = await integrate(ctx.board, {
            ids,
            send,
            onEvent: (e) => ctx.log({ ...e, type: String(e.type) }),
          });
          for (const t of report.tickets) {
            ctx.log({
              type: 'integrate',
              id: t.id,
              result: t.result,
              ...(t.commit ? { commit: t.commit } : {}),
              ...(t.files ? { files: t.files } : {}),
              ...(t.message ? { message: t.message } : {}),
              ...(t.told ? { told: t.told } : {}),
            });
          }
        }
      } catch (e) {
        if (
          e instanceof BoardError &&
          e.kind === 'conflict' &&
          /another `board integrate` is running/.test(e.message)
        ) {
          this.pendingIntegrate = true;
          this.pendingUpdate ||= doUpdate;
          ctx.log({ type: 'integrate_busy', retry_ms: RETRY_MS });
          this.schedule(ctx, RETRY_MS);
          return;
        }
        ctx.log({ type: 'plugin_error', plugin: this.name, message: String((e as Error)?.message ?? e) });
      }
    }
    if (doUpdate) {
      try {
        const { updateWorktrees } = await import('../git/integrate-update.js');
        for (const u of await updateWorktrees(ctx.board, { send })) ctx.log({ type: 'worktree_update', ...u });
      } catch (e) {
        ctx.log({ type: 'plugin_error', plugin: this.name, message: String((e as Error)?.message ?? e) });
      }
    }
  }

  /** Tickets to integrate now: never tried, and failed ones whose branch moved since the last try. */
  private async due(ctx: WatchContext): Promise<string[]> {
    const loaded = loadBoard(ctx.board);
    const repo = await GitRepo.find(ctx.board.repo);
    const ids: string[] = [];
    for (const t of loaded.tickets.values()) {
      const v = integrationView(t);
      if (v === 'waiting') ids.push(t.id);
      else if (retryable(t) && repo) {
        const branch = workOf(t)?.branch;
        const tip = branch ? ((await repo.tip(`refs/heads/${branch}`))?.commit ?? null) : null;
        const last = this.failedTips.has(t.id) ? this.failedTips.get(t.id) : (integrationOf(t)?.head ?? null);
        this.failedTips.set(t.id, tip);
        if (tip && tip !== last) ids.push(t.id);
      }
    }
    return ids;
  }
}

function retryable(t: Ticket): boolean {
  const v = integrationView(t);
  return v === 'conflict' || v === 'check_failed';
}

export function integratePlugin(): WatchPlugin {
  return new IntegratePlugin();
}
