/**
 * Claims and leases: who holds a ticket now, whether a claim may be taken, and what others
 * may change while a ticket is held. Pure: the store gives the board's state, this decides.
 *
 * Lease maths: a claim is `{by, at, expires}`. `at` is when it was taken (to the second),
 * `expires` is `now + lease` rounded up to the next whole second, so a lease is never shorter
 * than asked. A claim is active while `now < expires`; after that anyone may claim the
 * ticket. Claiming again a ticket one already holds is a renewal: `at` stays, `expires` moves.
 */
import type { WavePolicy } from './graph.js';
import { overlappingPatterns } from './globs.js';
import type { RuleProblem } from './rules.js';
import { RESOLVED, type Claim, type Derived, type Ticket } from './ticket.js';

/** The claim if it has not expired at `now`, else null. */
export function activeClaim(t: Pick<Ticket, 'claim'>, now: Date): Claim | null {
  if (!t.claim) return null;
  return Date.parse(t.claim.expires) > now.getTime() ? t.claim : null;
}

export const sameClaim = (a: Claim | null, b: Claim | null) =>
  a === b || (a !== null && b !== null && a.by === b.by && a.at === b.at && a.expires === b.expires);

/**
 * While someone holds a ticket, nobody else may change its claim, assignee or status.
 * The body, labels and other notes stay open to everyone.
 */
export function checkClaimRespected(before: Ticket, after: Ticket, actor: string, now: Date): RuleProblem[] {
  const held = activeClaim(before, now);
  if (!held || held.by === actor) return [];
  const changed: string[] = [];
  if (!sameClaim(before.claim, after.claim)) changed.push('claim');
  if (before.assignee !== after.assignee) changed.push('assignee');
  if (before.status !== after.status) changed.push('status');
  if (!changed.length) return [];
  return [
    {
      kind: 'conflict',
      field: changed[0],
      message: `${before.id} is claimed by ${held.by} since ${held.at}; ${actor} cannot change its ${changed.join(', ')}`,
      hint: `ask ${held.by} (board send ${held.by} ...), or wait until the lease ends at ${held.expires}`,
      data: { holder: held.by, since: held.at, expires: held.expires },
    },
  ];
}

/* ------------------------------------------------------------- lease maths ---- */

/** An instant as the board writes it: ISO 8601, UTC, whole seconds. */
export const stamp = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** A new lease for `by` taken at `now`: `at` rounded down, `expires` rounded up to the second. */
export function newLease(by: string, now: Date, leaseMs: number, at?: string): Claim {
  const t = now.getTime();
  return { by, at: at ?? stamp(Math.floor(t / 1000) * 1000), expires: stamp(Math.ceil((t + leaseMs) / 1000) * 1000) };
}

/** Milliseconds left on a claim at `now` (negative once expired). */
export function leaseLeft(claim: Claim, now: Date): number {
  return Date.parse(claim.expires) - now.getTime();
}

/* --------------------------------------------------------- the claim decision ---- */

/** What the board knows about the ticket's place in the plan. */
export interface PlanState {
  derived: Pick<Derived, 'wave' | 'blocked_by'>;
  openWave: number | null;
  policy: WavePolicy;
}

/** Another ticket, as far as reservations go. */
export type OtherTicket = Pick<Ticket, 'id' | 'claim' | 'locks'>;

export interface ClaimInput extends PlanState {
  ticket: Ticket;
  /** The other tickets of the board (the ticket itself is skipped if present). */
  others: Iterable<OtherTicket>;
  actor: string;
  now: Date;
  leaseMs: number;
  /** `renew`: only the holder (active or lapsed) may; `claim`: anyone, the holder renews. */
  mode?: 'claim' | 'renew';
}

export type ClaimRefusalReason = 'resolved' | 'claimed' | 'not_holder' | 'cycle' | 'blocked' | 'wave' | 'reserved';

export interface ClaimRefusal extends RuleProblem {
  kind: 'conflict';
  reason: ClaimRefusalReason;
}

export type ClaimDecision = { ok: true; claim: Claim; renewal: boolean } | { ok: false; refusal: ClaimRefusal };

const refuse = (
  reason: ClaimRefusalReason,
  message: string,
  hint: string,
  data: Record<string, unknown> = {},
): ClaimDecision => ({
  ok: false,
  refusal: { kind: 'conflict', reason, field: 'claim', message, hint, data: { reason, ...data } },
});

/**
 * Whether the ticket's place in the plan lets it be worked on now: not done or cancelled,
 * not on a dependency cycle, its dependencies resolved, and (strict waves) in the open wave.
 * Returns the refusal, or null when it may be claimed.
 */
export function planRefusal(t: Pick<Ticket, 'id' | 'status'>, plan: PlanState): ClaimDecision | null {
  if (RESOLVED.has(t.status)) {
    return refuse(
      'resolved',
      `${t.id} is ${t.status}`,
      `reopen it first (board reopen ${t.id}) if there is more to do`,
      { status: t.status },
    );
  }
  if (plan.derived.wave === null) {
    return refuse(
      'cycle',
      `${t.id} is on or behind a dependency cycle, so it has no wave`,
      'fix the cycle (board doctor names it), then claim',
    );
  }
  if (plan.derived.blocked_by.length) {
    const b = plan.derived.blocked_by;
    return refuse(
      'blocked',
      `${t.id} waits on ${b.join(', ')} (not done yet)`,
      'claim it once its dependencies are done; `board next` picks a ready ticket',
      { blocked_by: b },
    );
  }
  if (plan.policy === 'strict' && plan.derived.wave !== plan.openWave) {
    return refuse(
      'wave',
      `${t.id} is in wave ${plan.derived.wave}, which is not open (open wave: ${plan.openWave ?? 'none'})`,
      'finish the open wave first; `board waves` shows progress',
      {
        wave: plan.derived.wave,
        open: plan.openWave,
      },
    );
  }
  return null;
}

/**
 * Decide a claim (or a renewal). Allowed: a fresh lease. Refused: why, with the holder and
 * since when, the wave, or the other ticket and patterns that overlap.
 *
 * Reservations: the ticket's `locks:` may not overlap those of another ticket actively
 * claimed by someone else (a ticket's own holder may hold overlapping tickets).
 */
export function decideClaim(input: ClaimInput): ClaimDecision {
  const { ticket: t, actor, now, leaseMs } = input;
  const mode = input.mode ?? 'claim';
  const held = activeClaim(t, now);

  if (held && held.by !== actor) {
    return refuse(
      'claimed',
      `${t.id} is claimed by ${held.by} since ${held.at}`,
      `wait until the lease ends at ${held.expires}, or ask ${held.by} (board send ${held.by} ...)`,
      {
        holder: held.by,
        since: held.at,
        expires: held.expires,
      },
    );
  }
  if (held) {
    // the holder again: a renewal, nothing else to check (the reservation was checked when taken)
    return { ok: true, claim: newLease(actor, now, leaseMs, held.at), renewal: true };
  }
  if (mode === 'renew' && t.claim?.by !== actor) {
    return refuse(
      'not_holder',
      `${actor} does not hold ${t.id}${t.claim ? ` (its last claim, by ${t.claim.by}, ran out at ${t.claim.expires})` : ''}`,
      `claim it first: board claim ${t.id} --as ${actor}`,
    );
  }

  const plan = planRefusal(t, input);
  if (plan) return plan;

  if (t.locks.length) {
    for (const o of input.others) {
      if (o.id === t.id || !o.locks.length) continue;
      const c = activeClaim(o, now);
      if (!c || c.by === actor) continue;
      const pairs = overlappingPatterns(t.locks, o.locks);
      if (!pairs.length) continue;
      const shown = pairs
        .slice(0, 3)
        .map((p) => `${p.mine} / ${p.theirs}${p.example ? ` (e.g. ${p.example})` : ''}`)
        .join(', ');
      return refuse(
        'reserved',
        `${t.id} overlaps ${o.id}, claimed by ${c.by} since ${c.at}: ${shown}`,
        `wait until ${o.id} is released (lease ends at ${c.expires}), or narrow the locks of ${t.id}`,
        {
          ticket: o.id,
          holder: c.by,
          since: c.at,
          expires: c.expires,
          patterns: pairs.map((p) => ({ mine: p.mine, theirs: p.theirs, example: p.example ?? null })),
        },
      );
    }
  }

  // a lapsed claim by the same actor is taken again from scratch
  return { ok: true, claim: newLease(actor, now, leaseMs), renewal: false };
}

/* ------------------------------------------------------------- board next ---- */

/**
 * The tickets `board next --as NAME` may try, best first: those assigned to NAME, then
 * unassigned ones (never ones assigned to someone else); each group by priority (0 first),
 * then age (`created`, oldest first; unknown last), then id. A candidate is a ticket that
 * could be claimed now: todo (or left in progress by a lease that ran out), not held by
 * anyone, dependencies resolved, in an open wave. Reservations are left to the claim itself.
 */
export function nextCandidates(
  tickets: Iterable<Ticket>,
  plan: (id: string) => PlanState,
  actor: string,
  now: Date,
): Ticket[] {
  const out: Ticket[] = [];
  for (const t of tickets) {
    if (t.assignee !== null && t.assignee !== actor) continue;
    if (activeClaim(t, now)) continue;
    if (t.status !== 'todo' && !(t.claim && t.status !== 'done' && t.status !== 'cancelled')) continue;
    if (planRefusal(t, plan(t.id))) continue;
    out.push(t);
  }
  const created = (t: Ticket) => {
    const v = t.created ? Date.parse(t.created) : NaN;
    return Number.isNaN(v) ? Infinity : v;
  };
  return out.sort(
    (a, b) =>
      Number(b.assignee === actor) - Number(a.assignee === actor) ||
      a.priority - b.priority ||
      created(a) - created(b) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/* ------------------------------------------------------------- check-paths ---- */

export interface Reservation {
  file: string;
  ticket: string;
  holder: string;
  since: string;
  expires: string;
  pattern: string;
}

/**
 * Which of `files` (repository-relative) are reserved by a ticket actively claimed by someone
 * other than `actor`. `matcher(glob)` says whether a glob matches a path (globs.ts).
 */
export function reservedFiles(
  files: readonly string[],
  tickets: Iterable<Pick<Ticket, 'id' | 'claim' | 'locks'>>,
  actor: string,
  now: Date,
  matcher: (glob: string) => (path: string) => boolean,
): Reservation[] {
  const held: Array<{ id: string; claim: Claim; tests: Array<[string, (p: string) => boolean]> }> = [];
  for (const t of tickets) {
    const c = activeClaim(t, now);
    if (!c || c.by === actor || !t.locks.length) continue;
    held.push({ id: t.id, claim: c, tests: t.locks.map((g) => [g, matcher(g)]) });
  }
  held.sort((a, b) => (a.id < b.id ? -1 : 1));
  const out: Reservation[] = [];
  for (const file of files) {
    for (const h of held) {
      const hit = h.tests.find(([, test]) => test(file));
      if (hit) {
        out.push({
          file,
          ticket: h.id,
          holder: h.claim.by,
          since: h.claim.at,
          expires: h.claim.expires,
          pattern: hit[0],
        });
        break;
      }
    }
  }
  return out;
}
