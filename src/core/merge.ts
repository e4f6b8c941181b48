/**
 * Merging two versions of a ticket that two clones changed while apart (`board sync`). Pure:
 * works on parsed front-matter data; the adapter writes the result onto a YAML document and
 * merges the bodies with git's line merge.
 *
 * Rules, in order:
 * 1. Claims. A claim is held from its `at` until it is released, closed, taken over or
 *    expires. When both sides hold claims by different agents at overlapping times, the
 *    earliest claim wins (claim.at, then the agent name). The winner's side decides the
 *    fields a claim protects (claim, assignee, status): the loser's claim, and what it
 *    changed in those fields, is undone; the loser is told.
 * 2. Every other front-matter key: changed on one side only -> that side; changed on both
 *    to the same value -> that value; changed on both differently -> the side whose
 *    `updated` is later (ties: the side whose file id sorts first).
 * 3. `updated` is the later of the two; `updated_by` comes with it (`board` when a claim
 *    was undone).
 */
import { stableJson } from './describe.js';
import type { Claim } from './ticket.js';

export interface ClaimSpan {
  by: string;
  at: string;
  expires: string;
  /** When the claim stopped being held (ms since epoch; expiry when still held). */
  end: number;
}

export interface VersionInfo {
  claim: Claim | null;
  updated: string | null;
}

const ms = (s: string | null | undefined) => {
  const t = s ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? -Infinity : t;
};

export function asClaim(v: unknown): Claim | null {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return null;
  const c = v as Record<string, unknown>;
  return typeof c.by === 'string' && typeof c.at === 'string' && typeof c.expires === 'string'
    ? { by: c.by, at: c.at, expires: c.expires }
    : null;
}

const sameHolder = (a: Claim | null, b: Claim | null) => !!a && !!b && a.by === b.by && a.at === b.at;

/**
 * The claims a side took after the base, as spans, from its versions of the ticket in
 * order (oldest first). A claim already in the base is not the side's own.
 */
export function claimSpans(base: Claim | null, versions: VersionInfo[]): ClaimSpan[] {
  const spans: ClaimSpan[] = [];
  let open: ClaimSpan | null = null;
  let current: Claim | null = base;
  for (const v of versions) {
    if (sameHolder(current, v.claim)) {
      if (open && v.claim) {
        open.expires = v.claim.expires;
        open.end = ms(v.claim.expires);
      }
      current = v.claim;
      continue;
    }
    if (open) {
      open.end = Math.min(open.end, ms(v.updated) === -Infinity ? open.end : ms(v.updated));
      open = null;
    }
    current = v.claim;
    if (v.claim && !sameHolder(base, v.claim)) {
      open = { by: v.claim.by, at: v.claim.at, expires: v.claim.expires, end: ms(v.claim.expires) };
      spans.push(open);
    }
  }
  return spans;
}

export interface ClaimConflict {
  winnerSide: 'a' | 'b';
  winner: ClaimSpan;
  losers: ClaimSpan[];
}

const earlier = (x: ClaimSpan, y: ClaimSpan) => ms(x.at) - ms(y.at) || (x.by < y.by ? -1 : x.by > y.by ? 1 : 0);

/** Claims held at the same time by different agents on the two sides: who wins. */
export function claimConflict(a: ClaimSpan[], b: ClaimSpan[]): ClaimConflict | null {
  const overlap = (x: ClaimSpan, y: ClaimSpan) => x.by !== y.by && ms(x.at) < y.end && ms(y.at) < x.end;
  const involved: { side: 'a' | 'b'; span: ClaimSpan }[] = [];
  for (const x of a) if (b.some((y) => overlap(x, y))) involved.push({ side: 'a', span: x });
  for (const y of b) if (a.some((x) => overlap(x, y))) involved.push({ side: 'b', span: y });
  if (!involved.length) return null;
  involved.sort((p, q) => earlier(p.span, q.span));
  const { side, span } = involved[0];
  const others = side === 'a' ? b : a;
  const losers = others.filter((s) => overlap(span, s));
  return { winnerSide: side, winner: span, losers };
}

export interface TicketSide {
  data: Record<string, unknown>;
  spans: ClaimSpan[];
  /** Breaks ties deterministically (the file's blob id). */
  tieKey: string;
}

export interface TicketMerge {
  /** The merged front-matter; keys missing from it are removed. */
  data: Record<string, unknown>;
  /** The side whose file the result is written onto (comments, key order), and whose body leads. */
  primary: 'a' | 'b';
  conflict: ClaimConflict | null;
  /** Keys both sides changed differently (decided by the later `updated`). */
  contested: string[];
}

/** Fields a claim protects (see checkClaimRespected). */
export const CLAIM_FIELDS = ['claim', 'assignee', 'status'];

export function mergeTicketData(base: Record<string, unknown> | null, a: TicketSide, b: TicketSide): TicketMerge {
  const ua = ms(a.data.updated as string);
  const ub = ms(b.data.updated as string);
  const primary: 'a' | 'b' = ua > ub ? 'a' : ub > ua ? 'b' : a.tieKey <= b.tieKey ? 'a' : 'b';
  const later = primary === 'a' ? a : b;
  const conflict = claimConflict(a.spans, b.spans);
  const winner = conflict ? (conflict.winnerSide === 'a' ? a : b) : null;

  const keys: string[] = [];
  for (const d of [later.data, (primary === 'a' ? b : a).data, base ?? {}])
    for (const k of Object.keys(d)) if (!keys.includes(k)) keys.push(k);

  const data: Record<string, unknown> = {};
  const contested: string[] = [];
  const eq = (x: unknown, y: unknown) => stableJson(x) === stableJson(y);
  for (const k of keys) {
    if (k === 'updated' || k === 'updated_by') continue;
    let v: unknown;
    const va = a.data[k];
    const vb = b.data[k];
    const v0 = base?.[k];
    if (winner && CLAIM_FIELDS.includes(k)) v = winner.data[k];
    else if (eq(va, vb)) v = va;
    else if (eq(va, v0)) v = vb;
    else if (eq(vb, v0)) v = va;
    else {
      v = later.data[k];
      contested.push(k);
    }
    if (v !== undefined) data[k] = v;
  }
  const updated = later.data.updated;
  if (updated !== undefined) data.updated = updated;
  if (conflict) data.updated_by = 'board';
  else if (later.data.updated_by !== undefined) data.updated_by = later.data.updated_by;
  return { data, primary, conflict, contested };
}

/**
 * Whole-file rule for files that cannot be merged line by line (and are not tickets): the
 * version changed last wins; ties go to the larger blob id. The other version is kept aside.
 */
export function newerSide(a: { time: number; oid: string }, b: { time: number; oid: string }): 'a' | 'b' {
  if (a.time !== b.time) return a.time > b.time ? 'a' : 'b';
  return a.oid >= b.oid ? 'a' : 'b';
}
