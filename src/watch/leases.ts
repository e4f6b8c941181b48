/**
 * Lease expiry (docs/design/enforcement.md): when a claim's lease runs out, the watcher returns the ticket to
 * `todo`, removes the claim, and tells the holder and the assignee by recado.
 *
 * No polling: the plugin knows every claim's `expires` (read at start, kept current from the
 * ticket events) and keeps ONE timer, set for the earliest of them; it is set again whenever a
 * ticket changes and when board.yaml is reloaded. A watcher that was not running when a lease
 * ran out expires it as soon as it starts.
 *
 * The expiry is a board write like any other: mutateTicket (the ticket's lock, compare-and-
 * swap, a receipt), as `board`, and only if the claim on disk has really run out then (a
 * renewal that came first wins). The recado is sent under the same lock with an id fixed by
 * the claim (ticket, holder, taken at, expires), so a watcher killed half-way and started
 * again tells each one once.
 *
 * Also, now and then: leftovers of killed processes under .board/locks/ (store/leftovers.ts).
 */
import { fixedRecadoId } from '../core/fixed-id.js';
import { activeClaim } from '../core/claims.js';
import { BoardError } from '../core/errors.js';
import { BOARD_SENDER, isAgentName } from '../core/names.js';
import type { Claim, Ticket } from '../core/ticket.js';
import { afterTicketChange } from '../store/events.js';
import { pruneLocks, pruneTmp } from '../store/leftovers.js';
import { mutateTicket } from '../store/tickets.js';
import { crashPoint } from './crash.js';
import type { Cancel, TicketEvent, WatchContext, WatchPlugin } from './plugin.js';

/** Fire this long after `expires`: a claim is active while now < expires. */
const MARGIN_MS = 25;
/** The longest a single timer is set for (it is set again when it fires). */
const MAX_TIMER_MS = 3_600_000;
const RETRY_MS = 5_000;
const PRUNE_EVERY_MS = 10 * 60_000;

interface Tracked {
  claim: Claim;
  /** When to act (expires, or later after a failed attempt). */
  due: number;
}

/** The fixed recado id of the notice that `claim` of ticket `id` ran out. */
export function expiryRecadoId(id: string, claim: Claim): string {
  return fixedRecadoId('expired', [id, claim.by, claim.at, claim.expires]);
}

export function expiryNotice(t: Ticket, claim: Claim, now: Date): { subject: string; body: string } {
  return {
    subject: `${t.id}: the lease of ${claim.by} ran out; back to ${t.status === 'in_progress' ? 'todo' : t.status}`,
    body: [
      `The claim of ${claim.by} on ${t.id} ("${t.title}"), taken at ${claim.at}, ran out at ${claim.expires}`,
      `and was not renewed. At ${now.toISOString().replace(/\.\d{3}Z$/, 'Z')} the board removed the claim${t.status === 'in_progress' ? ' and set the ticket back to todo' : ''}.`,
      '',
      `If you are still on it: board claim ${t.id} --as ${claim.by} (it is free, unless someone claimed it meanwhile).`,
      `Renew in time with board renew ${t.id} --as ${claim.by}; the lease length is \`lease:\` in board.yaml or --lease.`,
      '',
    ].join('\n'),
  };
}

export class Leases {
  readonly tracked = new Map<string, Tracked>();
  private ctx!: WatchContext;
  private timer: Cancel | null = null;
  private armedAt: number | null = null;
  private running = false;

  start(ctx: WatchContext): void {
    this.ctx = ctx;
    for (const [id, s] of ctx.tickets) {
      if (!s.raw.includes('expires')) continue; // no claim: no need to parse it
      this.track(id, s.ticket?.claim ?? null);
    }
    this.prune();
    ctx.every(PRUNE_EVERY_MS, () => this.prune());
    this.arm();
  }

  onTicketEvent(ev: TicketEvent): void {
    this.track(ev.id, ev.after?.ticket?.claim ?? null);
    this.arm();
  }

  onConfig(): void {
    this.arm();
  }

  private track(id: string, claim: Claim | null): void {
    const ms = claim ? Date.parse(claim.expires) : NaN;
    if (!claim || Number.isNaN(ms)) {
      this.tracked.delete(id);
      return;
    }
    const had = this.tracked.get(id);
    if (had && had.claim.by === claim.by && had.claim.at === claim.at && had.claim.expires === claim.expires) return;
    this.tracked.set(id, { claim, due: ms + MARGIN_MS });
  }

  /** Set the one timer for the earliest due claim. */
  arm(): void {
    if (this.running || this.ctx.stopping) return; // fire() sets it again when done
    let first = Infinity;
    for (const t of this.tracked.values()) if (t.due < first) first = t.due;
    if (first === Infinity) {
      this.timer?.();
      this.timer = null;
      this.armedAt = null;
      return;
    }
    if (this.timer && this.armedAt === first) return;
    this.timer?.();
    this.armedAt = first;
    const wait = Math.min(Math.max(0, first - Date.now()), MAX_TIMER_MS);
    this.timer = this.ctx.setTimer(wait, () => this.fire());
  }

  private async fire(): Promise<void> {
    this.timer = null;
    this.armedAt = null;
    this.running = true;
    try {
      const now = Date.now();
      const due = [...this.tracked].filter(([, t]) => t.due <= now).sort((a, b) => a[1].due - b[1].due);
      for (const [id, t] of due) {
        if (this.ctx.stopping) return;
        await this.expire(id, t);
      }
    } finally {
      this.running = false;
      this.arm();
    }
  }

  private async expire(id: string, t: Tracked): Promise<void> {
    const board = this.ctx.board;
    const now = this.ctx.now();
    let told: string[] = [];
    let expired: Claim | null = null;
    try {
      const r = await mutateTicket(board, id, { actor: BOARD_SENDER, now }, (cur, e) => {
        const c = cur.claim;
        if (!c || activeClaim(cur, now)) return false; // released, renewed or taken meanwhile
        expired = c;
        const to = [
          ...new Set([c.by, cur.assignee].filter((n): n is string => !!n && isAgentName(n) && n !== BOARD_SENDER)),
        ];
        if (to.length) {
          const { subject, body } = expiryNotice(cur, c, now);
          // fixed id: sent again after a crash, delivered once
          const sent = this.ctx.sendFromBoard({ to, subject, body, ticket: id, id: expiryRecadoId(id, c) });
          told = [...sent.delivered, ...sent.already].sort();
        }
        crashPoint('leases:told');
        e.set('claim', undefined);
        if (cur.status === 'in_progress') e.set('status', 'todo');
      });
      if (this.tracked.get(id) === t) this.tracked.delete(id);
      if (!r.changed || !expired) return;
      const c = expired as Claim;
      this.ctx.log({
        type: 'lease_expired',
        id,
        holder: c.by,
        expired: c.expires,
        status: r.after.status,
        told,
        late_ms: now.getTime() - Date.parse(c.expires),
      });
      await afterTicketChange(board, r.before, r.after, BOARD_SENDER);
    } catch (e) {
      if (e instanceof BoardError && (e.kind === 'not_found' || e.kind === 'invalid')) {
        // gone, or invalid as it is (a hand edit the enforcement undoes, or one to fix by hand):
        // its next change is tracked again
        this.tracked.delete(id);
        if (e.kind === 'invalid')
          this.ctx.log({
            type: 'error',
            message: `lease of ${id} ran out but the ticket is invalid: ${e.message}; it is expired once it is fixed`,
          });
        return;
      }
      // an invalid ticket, a lock held too long, ...: try again a little later
      t.due = Date.now() + RETRY_MS;
      this.ctx.log({
        type: 'error',
        message: `lease of ${id} ran out but the ticket could not be released: ${String((e as Error)?.message ?? e)}; trying again in ${RETRY_MS / 1000} s`,
      });
    }
  }

  private prune(): void {
    const r = pruneLocks(this.ctx.board);
    if (r.locks || r.tokens || r.folders) this.ctx.log({ type: 'pruned', what: 'locks', ...r });
    const files = pruneTmp(this.ctx.board);
    if (files) this.ctx.log({ type: 'pruned', what: 'tmp', files });
  }

  stop(): void {
    this.timer?.();
    this.timer = null;
  }
}

export function leasePlugin(): WatchPlugin {
  const l = new Leases();
  return {
    name: 'leases',
    start: (ctx) => l.start(ctx),
    onTicketEvent: (ev) => l.onTicketEvent(ev),
    onConfig: () => l.onConfig(),
    stop: () => l.stop(),
  };
}
