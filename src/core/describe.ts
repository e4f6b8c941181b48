/**
 * What changed in a ticket, in words: "created", "claimed by alice", "status todo -> done",
 * "deps +T-1". Used for audit commit messages and for `board log`. Pure.
 */
import type { Claim, Ticket } from './ticket.js';

export interface FieldChange {
  field: string;
  from: unknown;
  to: unknown;
}

/** Fields that say when and by whom, not what: never reported as changes. */
const BOOKKEEPING = new Set(['updated', 'updated_by', 'created']);

/** JSON with object keys sorted, so equal values compare equal whatever their key order. */
export function stableJson(v: unknown): string {
  return (
    JSON.stringify(v, (_k, val) =>
      val && typeof val === 'object' && !Array.isArray(val)
        ? Object.fromEntries(
            Object.keys(val as object)
              .sort()
              .map((k) => [k, (val as Record<string, unknown>)[k]]),
          )
        : val,
    ) ?? 'undefined'
  );
}

const same = (a: unknown, b: unknown) => stableJson(a) === stableJson(b);

/** The fields that differ between two versions of a ticket (null: the ticket does not exist). */
export function ticketChanges(before: Ticket | null, after: Ticket | null): FieldChange[] {
  if (!before && !after) return [];
  const fields = ['title', 'status', 'assignee', 'claim', 'deps', 'locks', 'labels', 'priority'] as const;
  const out: FieldChange[] = [];
  for (const f of fields) {
    const from = before ? before[f] : undefined;
    const to = after ? after[f] : undefined;
    if (!same(from, to)) out.push({ field: f, from: from ?? null, to: to ?? null });
  }
  const extraKeys = new Set([...Object.keys(before?.extra ?? {}), ...Object.keys(after?.extra ?? {})]);
  for (const k of [...extraKeys].sort()) {
    if (BOOKKEEPING.has(k)) continue;
    const from = before?.extra[k];
    const to = after?.extra[k];
    if (!same(from, to)) out.push({ field: k, from: from ?? null, to: to ?? null });
  }
  if ((before?.body ?? '') !== (after?.body ?? ''))
    out.push({ field: 'body', from: before?.body ?? null, to: after?.body ?? null });
  return out;
}

function listDelta(name: string, from: unknown, to: unknown): string {
  const a = Array.isArray(from) ? (from as string[]) : [];
  const b = Array.isArray(to) ? (to as string[]) : [];
  const parts = [
    ...b.filter((x) => !a.includes(x)).map((x) => `+${x}`),
    ...a.filter((x) => !b.includes(x)).map((x) => `-${x}`),
  ];
  return parts.length ? `${name} ${parts.join(' ')}` : `${name} reordered`;
}

function claimText(from: Claim | null, to: Claim | null, actor: string | null): string {
  if (!from && to) return `claimed by ${to.by}`;
  if (from && !to) return actor === from.by ? `released by ${from.by}` : `claim of ${from.by} ended`;
  if (from && to && from.by !== to.by) return `claimed by ${to.by} (was ${from.by})`;
  if (from && to && from.at === to.at) return `lease of ${to.by} renewed until ${to.expires}`;
  return `claimed again by ${to!.by}`;
}

const short = (v: unknown) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

/** The board's record of a ticket's work or integration, in words (`integrated into integration (4d5e6f7)`). */
function workText(field: string, v: unknown): string {
  const o = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  const s = (x: unknown) => (typeof x === 'string' ? x : '');
  if (field === 'work') {
    if (v === null || v === undefined) return 'work record removed';
    const n = typeof o.commits === 'number' ? o.commits : 0;
    return n
      ? `work recorded: ${n} commit${n === 1 ? '' : 's'}${o.branch ? ` on ${short(s(o.branch))}` : ''}`
      : 'closed with no commits';
  }
  if (v === null || v === undefined) return 'integration state removed';
  switch (o.state) {
    case 'integrated':
      return `integrated into ${short(s(o.branch) || 'the integration branch')}${o.commit ? ` (${s(o.commit).slice(0, 9)})` : ''}`;
    case 'conflict':
      return `integration conflict${
        Array.isArray(o.files) && o.files.length
          ? ` in ${o.files
              .slice(0, 3)
              .map((f) => short(String(f)))
              .join(', ')}${o.files.length > 3 ? ', ...' : ''}`
          : ''
      }`;
    case 'check_failed':
      return 'integration check failed';
    case 'empty':
      return 'nothing to integrate (no commits)';
    case 'missing':
      return 'integration impossible: its commits are gone';
    default:
      return 'integrate changed';
  }
}

/** One line saying what happened to a ticket between two versions. */
export function describeTicketChange(before: Ticket | null, after: Ticket | null): string {
  if (!before && after) return 'created';
  if (before && !after) return 'deleted';
  if (!before || !after) return 'no change';
  const changes = ticketChanges(before, after);
  if (!changes.length) return 'no change';
  const parts: string[] = [];
  const byField = new Map(changes.map((c) => [c.field, c]));
  const claim = byField.get('claim');
  const status = byField.get('status');
  // "closed" reads better than "status in_progress -> done, claim of alice ended"
  if (status && (after.status === 'done' || after.status === 'cancelled') && (!claim || !after.claim)) {
    parts.push(
      after.status === 'done'
        ? `closed${after.updated_by ? ` by ${after.updated_by}` : ''}`
        : `cancelled${after.updated_by ? ` by ${after.updated_by}` : ''}`,
    );
    if (claim && before.claim && before.claim.by !== after.updated_by) parts.push(`claim of ${before.claim.by} ended`);
  } else if (status && (before.status === 'done' || before.status === 'cancelled') && after.status === 'todo') {
    parts.push('reopened');
    if (claim) parts.push(claimText(before.claim, after.claim, after.updated_by));
  } else {
    if (claim) parts.push(claimText(before.claim, after.claim, after.updated_by));
    // a claim moves todo -> in_progress: saying it again adds nothing
    if (status && !(claim && !before.claim && after.claim && after.status === 'in_progress'))
      parts.push(`status ${before.status} -> ${after.status}`);
  }
  for (const c of changes) {
    switch (c.field) {
      case 'claim':
      case 'status':
        break;
      case 'title':
        parts.push(`title "${short(c.to)}"`);
        break;
      case 'assignee':
        parts.push(
          c.to
            ? `assigned to ${String(c.to)}${c.from ? ` (was ${String(c.from)})` : ''}`
            : `unassigned (was ${String(c.from)})`,
        );
        break;
      case 'deps':
      case 'locks':
      case 'labels':
        parts.push(listDelta(c.field, c.from, c.to));
        break;
      case 'priority':
        parts.push(`priority ${String(c.from)} -> ${String(c.to)}`);
        break;
      case 'body':
        parts.push('body edited');
        break;
      case 'work':
      case 'integrate':
        parts.push(workText(c.field, c.to));
        break;
      default:
        parts.push(c.to === null ? `${c.field} removed` : c.from === null ? `${c.field} set` : `${c.field} changed`);
    }
  }
  return parts.join(', ');
}
