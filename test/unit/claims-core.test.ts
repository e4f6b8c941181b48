import { describe, expect, it } from 'vitest';
import {
  activeClaim,
  decideClaim,
  leaseLeft,
  newLease,
  nextCandidates,
  planRefusal,
  reservedFiles,
  type ClaimInput,
} from '../../src/core/claims.js';
import { globMatcher } from '../../src/core/globs.js';
import { computeGraph } from '../../src/core/graph.js';
import { ticketFromData, type Ticket } from '../../src/core/ticket.js';

const NOW = new Date('2026-11-21T10:00:00.400Z');
const MIN = 60_000;

function ticket(id: string, fields: Record<string, unknown> = {}): Ticket {
  const { ticket, problems } = ticketFromData({ id, title: `ticket ${id}`, ...fields }, '', id);
  expect(problems).toEqual([]);
  return ticket;
}

const claimBy = (by: string, minutesLeft: number, at = '2026-11-21T09:50:00Z') => ({
  by,
  at,
  expires: new Date(NOW.getTime() + minutesLeft * MIN).toISOString(),
});

function input(t: Ticket, others: Ticket[] = [], extra: Partial<ClaimInput> = {}): ClaimInput {
  const graph = computeGraph([t, ...others], 'strict');
  return {
    ticket: t,
    derived: graph.derived(t.id),
    openWave: graph.openWave,
    policy: 'strict',
    others,
    actor: 'alice',
    now: NOW,
    leaseMs: 30 * MIN,
    ...extra,
  };
}

describe('lease maths', () => {
  it('starts at the second, ends rounded up so a lease is never shorter than asked', () => {
    const c = newLease('alice', NOW, 1000);
    expect(c).toEqual({ by: 'alice', at: '2026-11-21T10:00:00Z', expires: '2026-11-21T10:00:02Z' });
    expect(leaseLeft(c, NOW)).toBeGreaterThanOrEqual(1000);
    expect(newLease('bob', new Date('2026-11-21T10:00:00Z'), 30 * MIN).expires).toBe('2026-11-21T10:30:00Z');
  });

  it('a claim is active until it expires', () => {
    const t = ticket('A', { claim: { by: 'bob', at: '2026-11-21T09:00:00Z', expires: '2026-11-21T10:00:00Z' } });
    expect(activeClaim(t, new Date('2026-11-21T09:59:59.999Z'))?.by).toBe('bob');
    expect(activeClaim(t, new Date('2026-11-21T10:00:00Z'))).toBeNull();
  });
});

describe('the claim decision', () => {
  it('allows a ready ticket: a fresh lease for the actor', () => {
    const d = decideClaim(input(ticket('A')));
    expect(d).toEqual({
      ok: true,
      renewal: false,
      claim: { by: 'alice', at: '2026-11-21T10:00:00Z', expires: '2026-11-21T10:30:01Z' },
    });
  });

  it('refuses a ticket held by someone else, naming the holder and since when', () => {
    const d = decideClaim(input(ticket('A', { status: 'in_progress', claim: claimBy('bob', 5) })));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.refusal.reason).toBe('claimed');
    expect(d.refusal.message).toBe('A is claimed by bob since 2026-11-21T09:50:00Z');
    expect(d.refusal.data).toMatchObject({ holder: 'bob', since: '2026-11-21T09:50:00Z' });
  });

  it('lets anyone take a ticket whose lease ran out', () => {
    const d = decideClaim(input(ticket('A', { status: 'in_progress', claim: claimBy('bob', -1) })));
    expect(d).toMatchObject({ ok: true, renewal: false, claim: { by: 'alice', at: '2026-11-21T10:00:00Z' } });
  });

  it('claiming again what one holds is a renewal: same start, new end', () => {
    const d = decideClaim(
      input(ticket('A', { status: 'in_progress', claim: claimBy('alice', 2) }), [], { leaseMs: 60 * MIN }),
    );
    expect(d).toEqual({
      ok: true,
      renewal: true,
      claim: { by: 'alice', at: '2026-11-21T09:50:00Z', expires: '2026-11-21T11:00:01Z' },
    });
  });

  it('renew: only the holder; a lapsed lease of the holder is taken again from scratch', () => {
    const lapsed = ticket('A', { status: 'in_progress', claim: claimBy('alice', -1) });
    expect(decideClaim(input(lapsed, [], { mode: 'renew' }))).toMatchObject({
      ok: true,
      renewal: false,
      claim: { at: '2026-11-21T10:00:00Z' },
    });
    const d = decideClaim(input(ticket('A'), [], { mode: 'renew' }));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.refusal.reason).toBe('not_holder');
    const other = decideClaim(input(ticket('A', { claim: claimBy('bob', -1) }), [], { mode: 'renew' }));
    expect(other.ok).toBe(false);
    if (!other.ok) expect(other.refusal.message).toMatch(/alice does not hold A \(its last claim, by bob, ran out at/);
  });

  it('refuses done and cancelled tickets', () => {
    for (const status of ['done', 'cancelled']) {
      const d = decideClaim(input(ticket('A', { status })));
      expect(d.ok).toBe(false);
      if (!d.ok) expect([d.refusal.reason, d.refusal.message]).toEqual(['resolved', `A is ${status}`]);
    }
  });

  it('refuses a ticket whose wave is not open, or that waits on dependencies', () => {
    const dep = ticket('D');
    const later = ticket('L', { deps: ['D'] });
    const d = decideClaim(input(later, [dep]));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.refusal.reason).toBe('blocked');
    // strict waves: B (no deps, wave 1) is open; W depends on a done ticket in wave 2 while wave 1 is open
    const done = ticket('X', { status: 'done' });
    const open = ticket('Y');
    const w = ticket('W', { deps: ['X', 'Y'] });
    const w2 = ticket('V', { deps: ['X'] });
    const g = computeGraph([done, open, w, w2], 'strict');
    expect(g.openWave).toBe(1);
    const refusal = planRefusal(w2, { derived: g.derived('V'), openWave: g.openWave, policy: 'strict' });
    expect(refusal && !refusal.ok && refusal.refusal.reason).toBe('wave');
    expect(refusal && !refusal.ok && refusal.refusal.message).toBe('V is in wave 2, which is not open (open wave: 1)');
    expect(planRefusal(w2, { derived: g.derived('V'), openWave: g.openWave, policy: 'flow' })).toBeNull();
  });

  it('refuses a ticket on a dependency cycle', () => {
    const a = ticket('A', { deps: ['B'] });
    const b = ticket('B', { deps: ['A'] });
    const d = decideClaim(input(a, [b]));
    expect(d.ok).toBe(false);
    if (!d.ok) expect(d.refusal.reason).toBe('cycle');
  });

  it('refuses overlapping reservations with another agent, naming the ticket and the patterns', () => {
    const mine = ticket('A', { locks: ['src/auth/**', 'docs/auth.md'] });
    const theirs = ticket('B', { locks: ['src/**/*.ts'], status: 'in_progress', claim: claimBy('bob', 10) });
    const d = decideClaim(input(mine, [theirs]));
    expect(d.ok).toBe(false);
    if (d.ok) return;
    expect(d.refusal.reason).toBe('reserved');
    expect(d.refusal.message).toBe(
      'A overlaps B, claimed by bob since 2026-11-21T09:50:00Z: src/auth/** / src/**/*.ts (e.g. src/auth/x.ts)',
    );
    expect(d.refusal.data).toMatchObject({
      ticket: 'B',
      holder: 'bob',
      patterns: [{ mine: 'src/auth/**', theirs: 'src/**/*.ts', example: 'src/auth/x.ts' }],
    });
  });

  it("ignores reservations that do not overlap, lapsed claims, unclaimed tickets and the actor's own", () => {
    const mine = ticket('A', { locks: ['src/auth/**'] });
    const others = [
      ticket('B', { locks: ['src/billing/**'], claim: claimBy('bob', 10) }),
      ticket('C', { locks: ['src/**'], claim: claimBy('carol', -1) }),
      ticket('D', { locks: ['src/**'] }),
      ticket('E', { locks: ['src/**'], claim: claimBy('alice', 10) }),
    ];
    expect(decideClaim(input(mine, others)).ok).toBe(true);
  });
});

describe('board next: the order of candidates', () => {
  it("assigned to me first, then unassigned; priority, then age, then id; never someone else's", () => {
    const ts = [
      ticket('U-late', { priority: 1, created: '2026-11-21T09:00:00Z' }),
      ticket('U-early', { priority: 1, created: '2026-11-20T09:00:00Z' }),
      ticket('U-p0', { priority: 0, created: '2026-11-21T09:30:00Z' }),
      ticket('M-p3', { priority: 3, assignee: 'alice' }),
      ticket('M-p2b', { priority: 2, assignee: 'alice', created: '2026-11-21T09:00:00Z' }),
      ticket('M-p2a', { priority: 2, assignee: 'alice', created: '2026-11-21T09:00:00Z' }),
      ticket('Bob', { priority: 0, assignee: 'bob' }),
      ticket('Held', { priority: 0, claim: claimBy('carol', 5), status: 'in_progress' }),
      ticket('Lapsed', { priority: 4, claim: claimBy('carol', -5), status: 'in_progress' }),
      ticket('Doing', { priority: 0, status: 'in_progress' }),
      ticket('Done', { status: 'done' }),
      ticket('Blocked', { deps: ['U-late'] }),
    ];
    const g = computeGraph(ts, 'flow');
    const order = nextCandidates(
      ts,
      (id) => ({ derived: g.derived(id), openWave: g.openWave, policy: 'flow' }),
      'alice',
      NOW,
    ).map((t) => t.id);
    expect(order).toEqual(['M-p2a', 'M-p2b', 'M-p3', 'U-p0', 'U-early', 'U-late', 'Lapsed']);
  });
});

describe('check-paths: reserved files', () => {
  it('names the ticket, holder, since when and pattern; own claims and lapsed ones do not count', () => {
    const ts = [
      ticket('A', { locks: ['src/auth/**'], claim: claimBy('bob', 10) }),
      ticket('B', { locks: ['docs/**'], claim: claimBy('alice', 10) }),
      ticket('C', { locks: ['README.md'], claim: claimBy('carol', -1) }),
    ];
    const r = reservedFiles(
      ['src/auth/login.ts', 'docs/x.md', 'README.md', 'src/other.ts'],
      ts,
      'alice',
      NOW,
      globMatcher,
    );
    expect(r).toEqual([
      {
        file: 'src/auth/login.ts',
        ticket: 'A',
        holder: 'bob',
        since: '2026-11-21T09:50:00Z',
        expires: claimBy('bob', 10).expires,
        pattern: 'src/auth/**',
      },
    ]);
  });
});
