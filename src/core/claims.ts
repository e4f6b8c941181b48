/**
 * Claims and leases: who holds a ticket now, and what others may change while it is held.
 */
import type { RuleProblem } from './rules.js';
import type { Claim, Ticket } from './ticket.js';

/** The claim if it has not expired at `now`, else null. */
export function activeClaim(t: Pick<Ticket, 'claim'>, now: Date): Claim | null {
  if (!t.claim) return null;
  return Date.parse(t.claim.expires) > now.getTime() ? t.claim : null;
}

const sameClaim = (a: Claim | null, b: Claim | null) =>
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
