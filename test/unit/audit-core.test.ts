// Pure parts of the audit trail: describing ticket changes, commit messages, which paths
// are recorded, and the merge rules `board sync` applies.
import { describe, expect, it } from 'vitest';
import { auditPath, attributePath, commitMessage, recadoHeader } from '../../src/core/audit.js';
import { auditBranchProblem, configFromData, parseIdentity } from '../../src/core/config.js';
import { describeTicketChange, ticketChanges } from '../../src/core/describe.js';
import { claimConflict, claimSpans, mergeTicketData } from '../../src/core/merge.js';
import type { Ticket } from '../../src/core/ticket.js';

const base: Ticket = {
  id: 'T-1',
  title: 'Login API',
  status: 'todo',
  assignee: null,
  deps: [],
  locks: [],
  labels: [],
  priority: 2,
  claim: null,
  created: '2026-11-21T09:00:00Z',
  updated: '2026-11-21T09:00:00Z',
  updated_by: 'ana',
  extra: {},
  body: 'Body.\n',
};
const t = (over: Partial<Ticket>): Ticket => ({ ...base, ...over });
const claim = (by: string, at = '2026-11-21T10:00:00Z', expires = '2026-11-21T10:30:00Z') => ({ by, at, expires });

describe('describeTicketChange', () => {
  it('names creation and deletion', () => {
    expect(describeTicketChange(null, base)).toBe('created');
    expect(describeTicketChange(base, null)).toBe('deleted');
  });

  it('says who claimed, without repeating the status move a claim implies', () => {
    expect(describeTicketChange(base, t({ claim: claim('alice'), status: 'in_progress', updated_by: 'alice' }))).toBe(
      'claimed by alice',
    );
  });

  it('says closed, released, taken over, renewed', () => {
    const held = t({ claim: claim('alice'), status: 'in_progress' });
    expect(describeTicketChange(held, t({ status: 'done', updated_by: 'alice' }))).toBe('closed by alice');
    expect(describeTicketChange(held, t({ status: 'in_progress', updated_by: 'alice' }))).toBe('released by alice');
    expect(describeTicketChange(held, t({ status: 'in_progress', updated_by: 'board' }))).toBe('claim of alice ended');
    expect(describeTicketChange(held, t({ status: 'in_progress', claim: claim('bob', '2026-11-21T11:00:00Z') }))).toBe(
      'claimed by bob (was alice)',
    );
    expect(
      describeTicketChange(
        held,
        t({ status: 'in_progress', claim: claim('alice', '2026-11-21T10:00:00Z', '2026-11-21T11:00:00Z') }),
      ),
    ).toBe('lease of alice renewed until 2026-11-21T11:00:00Z');
  });

  it('lists field changes: status, deps, labels, assignee, priority, body, unknown keys', () => {
    expect(describeTicketChange(base, t({ status: 'review' }))).toBe('status todo -> review');
    expect(describeTicketChange(t({ deps: ['T-2'] }), t({ deps: ['T-3'] }))).toBe('deps +T-3 -T-2');
    expect(describeTicketChange(base, t({ labels: ['x'], priority: 0 }))).toBe('labels +x, priority 2 -> 0');
    expect(describeTicketChange(base, t({ assignee: 'bob' }))).toBe('assigned to bob');
    expect(describeTicketChange(t({ assignee: 'bob' }), base)).toBe('unassigned (was bob)');
    expect(describeTicketChange(base, t({ body: 'New.\n' }))).toBe('body edited');
    expect(describeTicketChange(base, t({ extra: { estimate: 3 } }))).toBe('estimate set');
    expect(describeTicketChange(t({ status: 'done' }), t({ status: 'todo' }))).toBe('reopened');
  });

  it('ignores bookkeeping fields', () => {
    expect(describeTicketChange(base, t({ updated: '2026-11-22T00:00:00Z', updated_by: 'zed' }))).toBe('no change');
    expect(ticketChanges(base, t({ updated: '2026-11-22T00:00:00Z' }))).toEqual([]);
  });

  it('reports changes as {field, from, to}', () => {
    expect(ticketChanges(base, t({ status: 'done', labels: ['a'] }))).toEqual([
      { field: 'status', from: 'todo', to: 'done' },
      { field: 'labels', from: [], to: ['a'] },
    ]);
  });
});

describe('commit messages', () => {
  it('one change: board(ID): what', () => {
    expect(commitMessage([{ ticket: 'T-4k9x', what: 'claimed by alice' }])).toBe('board(T-4k9x): claimed by alice\n');
    expect(commitMessage([{ what: 'wave 2 open (3 tickets)' }])).toBe('board: wave 2 open (3 tickets)\n');
  });

  it('a batch: board: N changes, each listed, repeats counted', () => {
    const m = commitMessage([
      { ticket: 'T-1', what: 'claimed by alice' },
      { what: 'recado bob -> carol' },
      { what: 'recado bob -> carol' },
      { ticket: 'T-2', what: 'closed by bob' },
    ]);
    expect(m).toBe('board: 3 changes\n\n- T-1: claimed by alice\n- recado bob -> carol (x2)\n- T-2: closed by bob\n');
  });

  it('a batch about one ticket keeps it in the subject', () => {
    expect(
      commitMessage([
        { ticket: 'T-1', what: 'claimed by alice' },
        { ticket: 'T-1', what: 'body edited' },
      ]),
    ).toBe('board(T-1): 2 changes\n\n- claimed by alice\n- body edited\n');
  });

  it('never lets a description break the subject line', () => {
    expect(commitMessage([{ what: 'a\nb' }])).toBe('board: a b\n');
  });
});

describe('recorded paths and attribution', () => {
  it('never records tmp/, locks/, run/ or odd paths', () => {
    expect(auditPath('tickets/T-1.md')).toBe('tickets/T-1.md');
    expect(auditPath('./inbox//bob/new/x.md')).toBe('inbox/bob/new/x.md');
    for (const p of ['tmp/x', 'locks/T-1.lock', 'run/cache.json', '../x', 'a/../../b', '.git/config', ''])
      expect(auditPath(p)).toBeUndefined();
    // an agent may be named like a working folder: only the board's own top-level ones are skipped
    expect(auditPath('inbox/tmp/new/x.md')).toBe('inbox/tmp/new/x.md');
  });

  it('attributes recados to their sender and reads to the reader', () => {
    const text = '---\nid: x\nfrom: bob\nto: carol\nticket: T-1\n---\nhi\n';
    expect(recadoHeader(text)).toEqual({ from: 'bob', ticket: 'T-1' });
    expect(attributePath('inbox/carol/new/x.md', 'added', recadoHeader(text))).toEqual({
      author: 'bob',
      what: 'recado bob -> carol',
      ticket: 'T-1',
    });
    expect(attributePath('inbox/carol/cur/x.md', 'added').author).toBe('carol');
    expect(attributePath('outbox/dave/y.md', 'added').author).toBe('dave');
  });
});

describe('git settings', () => {
  it('defaults: branch recado, remote origin, committer recado <board@localhost>', () => {
    const c = configFromData({});
    expect(c.git.branch).toBe('recado');
    expect(c.git.remote).toBe('origin');
    expect(c.git.committer).toEqual({ name: 'recado', email: 'board@localhost' });
    expect(
      configFromData({ git: { branch: 'audit/board-log', committer: 'Board Bot <bot@example.org>' } }).git,
    ).toMatchObject({
      branch: 'audit/board-log',
      committer: { name: 'Board Bot', email: 'bot@example.org' },
    });
  });

  it("refuses audit branch names that clash with agents' board/NAME branches, or are not branch names", () => {
    expect(auditBranchProblem('board')).toMatch(/board\/NAME/);
    expect(auditBranchProblem('board/log')).toMatch(/board\/NAME/);
    for (const bad of ['', 'a..b', '-x', 'x.lock', 'a//b', 'x/', '.hidden', 'a b'])
      expect(auditBranchProblem(bad)).toBeDefined();
    expect(() => configFromData({ git: { branch: 'board' } })).toThrow(/git.branch|board\/NAME/);
    expect(parseIdentity('no email')).toBeUndefined();
  });
});

describe('sync merge rules', () => {
  const v = (c: ReturnType<typeof claim> | null, updated: string) => ({ claim: c, updated });

  it('a claim is held from its at until released or expired', () => {
    const spans = claimSpans(null, [v(claim('alice'), '2026-11-21T10:00:00Z'), v(null, '2026-11-21T10:10:00Z')]);
    expect(spans).toEqual([
      {
        by: 'alice',
        at: '2026-11-21T10:00:00Z',
        expires: '2026-11-21T10:30:00Z',
        end: Date.parse('2026-11-21T10:10:00Z'),
      },
    ]);
    // a claim already in the base is nobody's new claim
    expect(claimSpans(claim('alice'), [v(claim('alice'), '2026-11-21T10:05:00Z')])).toEqual([]);
  });

  it('earliest overlapping claim wins; ties go to the agent name', () => {
    const a = claimSpans(null, [v(claim('bob', '2026-11-21T10:00:05Z'), 'x')]);
    const b = claimSpans(null, [v(claim('alice', '2026-11-21T10:00:00Z'), 'x')]);
    expect(claimConflict(a, b)).toMatchObject({ winnerSide: 'b', winner: { by: 'alice' }, losers: [{ by: 'bob' }] });
    expect(claimConflict(b, a)).toMatchObject({ winnerSide: 'a', winner: { by: 'alice' } });
    const tieA = claimSpans(null, [v(claim('zoe'), 'x')]);
    const tieB = claimSpans(null, [v(claim('adam'), 'x')]);
    expect(claimConflict(tieA, tieB)?.winner.by).toBe('adam');
  });

  it('claims that did not overlap do not conflict (released before the other claimed)', () => {
    const a = claimSpans(null, [
      v(claim('bob', '2026-11-21T09:00:00Z'), '2026-11-21T09:00:00Z'),
      v(null, '2026-11-21T09:10:00Z'),
    ]);
    const b = claimSpans(null, [v(claim('alice', '2026-11-21T10:00:00Z'), '2026-11-21T10:00:00Z')]);
    expect(claimConflict(a, b)).toBeNull();
    // an expired lease does not block a later claim either
    const c = claimSpans(null, [v(claim('bob', '2026-11-21T08:00:00Z', '2026-11-21T08:30:00Z'), 'x')]);
    expect(claimConflict(c, b)).toBeNull();
  });

  it('the winner decides claim, assignee and status; other fields merge; later updated wins contested ones', () => {
    const b0 = { id: 'T-1', status: 'todo', labels: [], priority: 2, updated: '2026-11-21T09:00:00Z' };
    const alice = {
      ...b0,
      status: 'in_progress',
      claim: claim('alice'),
      priority: 1,
      updated: '2026-11-21T10:00:00Z',
      updated_by: 'alice',
    };
    const bob = {
      ...b0,
      status: 'review',
      claim: claim('bob', '2026-11-21T10:00:05Z'),
      labels: ['ui'],
      priority: 3,
      updated: '2026-11-21T10:20:00Z',
      updated_by: 'bob',
    };
    const m = mergeTicketData(
      b0,
      { data: alice, spans: claimSpans(null, [v(alice.claim, alice.updated)]), tieKey: 'a' },
      { data: bob, spans: claimSpans(null, [v(bob.claim, bob.updated)]), tieKey: 'b' },
    );
    expect(m.conflict?.winner.by).toBe('alice');
    expect(m.data).toMatchObject({
      status: 'in_progress',
      claim: alice.claim,
      labels: ['ui'],
      priority: 3,
      updated: bob.updated,
      updated_by: 'board',
    });
    expect(m.contested).toEqual(['priority']);
    // the same inputs the other way round give the same result
    const m2 = mergeTicketData(
      b0,
      { data: bob, spans: claimSpans(null, [v(bob.claim, bob.updated)]), tieKey: 'b' },
      { data: alice, spans: claimSpans(null, [v(alice.claim, alice.updated)]), tieKey: 'a' },
    );
    expect(m2.data).toEqual(m.data);
  });
});
