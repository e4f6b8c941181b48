import { describe, expect, it } from 'vitest';
import { authorOf, checkHandEdit, cycleThrough, type BoardView, type ParsedTicket } from '../../src/core/edits.js';
import { computeGraph } from '../../src/core/graph.js';
import { ticketFromData, type Ticket } from '../../src/core/ticket.js';

const NOW = new Date('2026-11-21T10:00:00Z');
const HELD = { by: 'alice', at: '2026-11-21T09:50:00Z', expires: '2026-11-21T10:20:00Z' };
const LAPSED = { by: 'alice', at: '2026-11-21T09:00:00Z', expires: '2026-11-21T09:30:00Z' };

function parse(id: string, fields: Record<string, unknown>, body = 'Body.\n', fileId = id): ParsedTicket {
  return ticketFromData({ id, title: `ticket ${id}`, ...fields }, body, fileId);
}
const ticket = (id: string, fields: Record<string, unknown> = {}, body?: string): Ticket => {
  const p = parse(id, fields, body);
  expect(p.problems).toEqual([]);
  return p.ticket;
};

function view(...others: Ticket[]): BoardView {
  const map = new Map(others.map((t) => [t.id, t]));
  return { lookup: (id) => map.get(id) };
}

const rules = (v: { rule: string }[]) => v.map((x) => x.rule);

describe('authorOf', () => {
  it('is updated_by, else the claim holder, else the assignee', () => {
    expect(authorOf(ticket('A', { updated_by: 'bob', claim: HELD, assignee: 'carol' }))).toBe('bob');
    expect(authorOf(ticket('A', { claim: HELD, assignee: 'carol' }))).toBe('alice');
    expect(authorOf(ticket('A', { assignee: 'carol' }))).toBe('carol');
    expect(authorOf(ticket('A'))).toBeNull();
  });
});

describe('hand edits that stand', () => {
  const before = ticket('A', { status: 'in_progress', claim: HELD, assignee: 'alice' }, '- [ ] step one\n');

  it('a body note or a checklist tick, by anyone', () => {
    const after = parse(
      'A',
      { status: 'in_progress', claim: HELD, assignee: 'alice' },
      '- [x] step one\n\nNote from bob.\n',
    );
    expect(checkHandEdit(before, after, 'bob', NOW, view())).toEqual([]);
  });

  it('the holder changing its own status', () => {
    const after = parse('A', { status: 'review', claim: HELD, assignee: 'alice', updated_by: 'alice' });
    expect(checkHandEdit(before, after, 'alice', NOW, view())).toEqual([]);
  });

  it('dropping a claim whose lease already ran out', () => {
    const lapsed = ticket('A', { status: 'in_progress', claim: LAPSED });
    expect(checkHandEdit(lapsed, parse('A', { status: 'todo' }), 'bob', NOW, view())).toEqual([]);
  });

  it('labels and priority of an unclaimed ticket; a new valid ticket written by hand', () => {
    expect(checkHandEdit(ticket('A'), parse('A', { labels: ['x'], priority: 0 }), 'bob', NOW, view())).toEqual([]);
    expect(checkHandEdit(null, parse('N', { deps: ['A'] }), 'bob', NOW, view(ticket('A')))).toEqual([]);
  });

  it('done when every dependency is done or cancelled', () => {
    const deps = [ticket('D1', { status: 'done' }), ticket('D2', { status: 'cancelled' })];
    const b = ticket('A', { deps: ['D1', 'D2'], status: 'in_progress' });
    expect(checkHandEdit(b, parse('A', { deps: ['D1', 'D2'], status: 'done' }), 'bob', NOW, view(...deps))).toEqual([]);
  });
});

describe('hand edits that break a rule', () => {
  it('an unknown status', () => {
    const v = checkHandEdit(ticket('A'), parse('A', { status: 'finished' }), 'bob', NOW, view());
    expect(rules(v)).toEqual(['unknown_status']);
    expect(v[0].message).toMatch(/unknown status "finished"/);
  });

  it('an id that does not match the file name', () => {
    const v = checkHandEdit(ticket('A'), parse('B', {}, 'Body.\n', 'A'), 'bob', NOW, view());
    expect(rules(v)).toEqual(['id_mismatch']);
    expect(v[0].message).toMatch(/does not match the file name "A.md"/);
  });

  it('any other invalid field', () => {
    expect(rules(checkHandEdit(ticket('A'), parse('A', { priority: 9 }), 'bob', NOW, view()))).toEqual([
      'invalid_field',
    ]);
  });

  it("a claim written by hand, even in one's own name", () => {
    const v = checkHandEdit(
      ticket('A'),
      parse('A', { claim: { ...HELD, by: 'bob' }, updated_by: 'bob' }),
      'bob',
      NOW,
      view(),
    );
    expect(rules(v)).toEqual(['claim_by_hand']);
    expect(v[0].message).toBe('the claim of A was written by hand; claims are written by the board only');
    expect(v[0].hint).toMatch(/board claim A/);
    expect(rules(checkHandEdit(null, parse('N', { claim: HELD }), 'alice', NOW, view()))).toEqual(['claim_by_hand']);
  });

  it('a stolen claim: refused however the author signs the edit', () => {
    const before = ticket('A', { status: 'in_progress', claim: HELD });
    const stolen = parse('A', { status: 'in_progress', claim: { ...HELD, by: 'bob' }, updated_by: 'bob' });
    expect(rules(checkHandEdit(before, stolen, 'bob', NOW, view()))).toEqual(['claim_by_hand', 'claim_respected']);
    // impersonating the holder does not help: the claim itself never changes by hand
    const forged = parse('A', { status: 'in_progress', claim: { ...HELD, by: 'bob' }, updated_by: 'alice' });
    expect(rules(checkHandEdit(before, forged, authorOf(forged.ticket), NOW, view()))).toEqual(['claim_by_hand']);
  });

  it('the holder stretching its own live claim by hand, or removing it while still at work (renew and release exist)', () => {
    const before = ticket('A', { status: 'in_progress', claim: HELD });
    const longer = checkHandEdit(
      before,
      parse('A', { status: 'in_progress', claim: { ...HELD, expires: '2026-11-22T00:00:00Z' } }),
      'alice',
      NOW,
      view(),
    );
    expect(rules(longer)).toEqual(['claim_by_hand']);
    expect(longer[0].hint).toBe('use board renew A --as alice');
    const gone = checkHandEdit(before, parse('A', { status: 'in_progress' }), 'alice', NOW, view());
    expect(rules(gone)).toEqual(['claim_by_hand']);
    expect(gone[0].hint).toBe('use board release A');
    // giving it back (todo) or closing it, with the claim removed, means what it says
    expect(checkHandEdit(before, parse('A', { status: 'todo' }), 'alice', NOW, view())).toEqual([]);
    expect(checkHandEdit(before, parse('A', { status: 'done' }), 'alice', NOW, view())).toEqual([]);
    expect(rules(checkHandEdit(before, parse('A', { status: 'todo' }), 'bob', NOW, view()))).toContain('claim_by_hand');
  });

  it('assignee or status changed on a ticket someone else holds', () => {
    const before = ticket('A', { status: 'in_progress', claim: HELD, assignee: 'alice' });
    const v = checkHandEdit(
      before,
      parse('A', { status: 'in_progress', claim: HELD, assignee: 'bob' }),
      'bob',
      NOW,
      view(),
    );
    expect(rules(v)).toEqual(['claim_respected']);
    expect(v[0].message).toBe('A is claimed by alice since 2026-11-21T09:50:00Z; bob cannot change its assignee');
    expect(v[0].data).toMatchObject({ holder: 'alice' });
    expect(
      rules(
        checkHandEdit(before, parse('A', { status: 'review', claim: HELD, assignee: 'alice' }), 'bob', NOW, view()),
      ),
    ).toEqual(['claim_respected']);
  });

  it('done while a dependency is open', () => {
    const dep = ticket('D');
    const v = checkHandEdit(
      ticket('A', { deps: ['D'], status: 'in_progress' }),
      parse('A', { deps: ['D'], status: 'done' }),
      'bob',
      NOW,
      view(dep),
    );
    expect(rules(v)).toEqual(['done_with_open_deps']);
    expect(v[0].message).toBe('A cannot be done while dependency D is open');
  });

  it('an unknown dependency', () => {
    const v = checkHandEdit(ticket('A'), parse('A', { deps: ['NOPE'] }), 'bob', NOW, view());
    expect(rules(v)).toEqual(['unknown_dependency']);
    expect(v[0].message).toBe('unknown dependency NOPE');
  });

  it('a dependency cycle, named in full, found by a walk or from the graph', () => {
    const b = ticket('B', { deps: ['C'] });
    const c = ticket('C', { deps: ['A'] });
    const after = parse('A', { deps: ['B'] });
    const walk = checkHandEdit(ticket('A'), after, 'bob', NOW, view(b, c));
    expect(rules(walk)).toEqual(['dependency_cycle']);
    expect(walk[0].message).toBe('dependency cycle through A, B, C');
    const graph = computeGraph([after.ticket, b, c]);
    const fromGraph = checkHandEdit(ticket('A'), after, 'bob', NOW, { ...view(b, c), graph });
    expect(rules(fromGraph)).toEqual(['dependency_cycle']);
    expect(fromGraph[0].data).toEqual({ cycle: ['A', 'B', 'C'] });
  });

  it('several broken rules at once are all reported', () => {
    const before = ticket('A', { status: 'in_progress', claim: HELD });
    const after = parse('A', { status: 'done', deps: ['NOPE'], claim: { ...HELD, by: 'bob' } });
    expect(rules(checkHandEdit(before, after, 'bob', NOW, view()))).toEqual([
      'claim_by_hand',
      'claim_respected',
      'unknown_dependency',
    ]);
  });

  it('rules about other tickets are checked only when the edit touches them', () => {
    // a ticket that already sits behind an unknown dependency can still get a body note
    const before = ticket('A', { deps: ['GONE'] });
    expect(checkHandEdit(before, parse('A', { deps: ['GONE'] }, 'More.\n'), 'bob', NOW, view())).toEqual([]);
  });
});

describe('cycleThrough', () => {
  it('follows dependencies only as far as they reach', () => {
    const deps: Record<string, string[]> = { B: ['C'], C: ['D'], D: [] };
    expect(cycleThrough({ id: 'A', deps: ['B'] }, (id) => deps[id])).toBeNull();
    deps.D = ['A'];
    expect(cycleThrough({ id: 'A', deps: ['B'] }, (id) => deps[id])).toEqual(['A', 'B', 'C', 'D']);
  });
});
