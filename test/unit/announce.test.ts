import { describe, expect, it } from 'vitest';
import { announcementId, announcements, type AnnounceTicket, type Announcement } from '../../src/core/announce.js';
import { computeGraph, updateGraph, type WavePolicy } from '../../src/core/graph.js';

let clock = Date.parse('2026-11-21T09:00:00Z');
const tick = () => new Date((clock += 1000)).toISOString().replace(/\.\d{3}Z$/, 'Z');

const t = (
  id: string,
  deps: string[],
  assignee: string | null,
  status = 'todo',
  extra: Partial<AnnounceTicket> = {},
): AnnounceTicket => ({
  id,
  deps,
  assignee,
  status,
  title: `Title of ${id}`,
  updated: '2026-11-21T09:00:00Z',
  updated_by: 'boss',
  ...extra,
});

const AGENTS = {
  alice: { role: 'dev' },
  bob: { role: 'dev' },
  carol: { role: null },
  boss: { role: 'orchestrator' },
  eve: { role: 'orchestrator' },
};

/** A three-wave plan: wave 1 A (alice), B (bob); wave 2 C <- A (alice), D <- B (carol); wave 3 E <- C,D (bob). */
function plan(policy: WavePolicy = 'strict') {
  return computeGraph(
    [t('A', [], 'alice'), t('B', [], 'bob'), t('C', ['A'], 'alice'), t('D', ['B'], 'carol'), t('E', ['C', 'D'], 'bob')],
    policy,
  );
}

/** The new version of a ticket after an edit, stamped like the board does. */
function edit(g: ReturnType<typeof plan>, id: string, fields: Partial<AnnounceTicket>): AnnounceTicket {
  return { ...g.node(id)!, ...fields, updated: tick() };
}

function step(g: ReturnType<typeof plan>, next: AnnounceTicket[]) {
  const after = updateGraph(g, next);
  return { after, list: announcements(g, after, AGENTS, { changed: next.map((x) => x.id) }) };
}

const brief = (list: Announcement[]) => list.map((a) => `${a.kind} ${a.ticket ?? a.wave} -> ${a.to.join(',')}`);

describe('strict', () => {
  it('closing wave 1 announces wave 2 once, to its assignees and the orchestrators; no ticket-by-ticket recados', () => {
    const g0 = plan();
    const s1 = step(g0, [edit(g0, 'A', { status: 'done' })]);
    // A done: C has its deps done but wave 2 is not open: its assignee is told, nobody else
    expect(brief(s1.list)).toEqual(['deps_done C -> alice']);
    expect(s1.list[0].body).toContain('becomes ready when wave 2 opens');
    const s2 = step(s1.after, [edit(s1.after, 'B', { status: 'done' })]);
    expect(brief(s2.list)).toEqual(['wave_open 2 -> alice,boss,carol,eve']);
    const w = s2.list[0];
    expect(w.subject).toBe('wave 2 open (2 tickets)');
    expect(w.tickets).toEqual(['C', 'D']);
    expect(w.body).toContain('- C  Title of C  (alice, ready)');
    expect(w.body).toContain('- D  Title of D  (carol, ready)');
    expect(w.id).toMatch(/^board-wave-2-[0-9a-f]{16}$/);
  });

  it('the ids depend on the state, not on the path: twice the same diff, or two closes coalesced into one', () => {
    const g0 = plan();
    const a = edit(g0, 'A', { status: 'done' });
    const b = edit(g0, 'B', { status: 'done' });
    const s1 = step(g0, [a]);
    const s2 = step(s1.after, [b]);
    // the same change computed again (the watcher after the CLI)
    expect(step(s1.after, [b]).list).toEqual(s2.list);
    // both closes seen as one change (a watcher that coalesced them)
    const coalesced = step(g0, [a, b]).list;
    expect(coalesced.find((x) => x.kind === 'wave_open')!.id).toBe(s2.list[0].id);
    // the other order of the two closes
    const s1b = step(g0, [b]);
    const s2b = step(s1b.after, [a]);
    expect(s2b.list.find((x) => x.kind === 'wave_open')!.id).toBe(s2.list[0].id);
    // without the `changed` hint (full scan): same
    expect(announcements(s1.after, s2.after, AGENTS)).toEqual(s2.list);
  });

  it('a reopened and closed-again dependency is a new event: new id', () => {
    const g0 = plan();
    const s1 = step(g0, [edit(g0, 'A', { status: 'done' })]);
    const s2 = step(s1.after, [edit(s1.after, 'B', { status: 'done' })]);
    // reopened: B (wave 1, no deps) is ready again
    const s3 = step(s2.after, [edit(s2.after, 'B', { status: 'todo' })]);
    expect(brief(s3.list)).toEqual(['ready B -> bob,boss,eve']);
    const s4 = step(s3.after, [edit(s3.after, 'B', { status: 'done' })]);
    expect(s4.list.map((x) => x.kind)).toEqual(['wave_open']);
    expect(s4.list[0].id).not.toBe(s2.list[0].id);
  });

  it('a cancelled dependency resolves: cancelling the last of wave 1 opens wave 2', () => {
    const g0 = plan();
    const s1 = step(g0, [edit(g0, 'A', { status: 'done' })]);
    const s2 = step(s1.after, [edit(s1.after, 'B', { status: 'cancelled' })]);
    expect(s2.after.openWave).toBe(2);
    expect(s2.list.map((x) => x.kind)).toEqual(['wave_open']);
  });

  it('a ticket of the open wave that becomes ready again on its own is announced as ready', () => {
    const g0 = plan();
    const s1 = step(g0, [edit(g0, 'A', { status: 'in_progress', claim: { by: 'alice' } })]);
    expect(s1.list).toEqual([]);
    const s2 = step(s1.after, [edit(s1.after, 'A', { status: 'todo', claim: null })]);
    expect(brief(s2.list)).toEqual(['ready A -> alice,boss,eve']);
  });

  it('the wave after a wave of only finished tickets: the next unfinished one opens', () => {
    const g0 = computeGraph([t('A', [], 'alice'), t('B', ['A'], 'bob', 'cancelled'), t('C', ['B'], 'carol')]);
    const s1 = step(g0, [edit(g0, 'A', { status: 'done' })]);
    expect(brief(s1.list)).toEqual(['wave_open 3 -> boss,carol,eve']);
    expect(s1.list[0].body).toContain('every ticket of waves 1 to 2 is done or cancelled');
  });

  it('wave recipients are the assignees of its unfinished tickets; nobody to tell, nothing sent', () => {
    const g0 = computeGraph([t('A', [], null), t('B', ['A'], 'bob', 'done'), t('C', ['A'], null)]);
    const s1 = announcements(g0, updateGraph(g0, [edit(g0, 'A', { status: 'done' })]), {});
    expect(s1).toEqual([]);
  });
});

describe('flow', () => {
  it('each ticket is announced as it becomes ready; the wave only to orchestrators', () => {
    const g0 = plan('flow');
    const s1 = step(g0, [edit(g0, 'A', { status: 'done' })]);
    expect(brief(s1.list)).toEqual(['ready C -> alice,boss,eve']);
    expect(s1.list[0].subject).toBe('C ready: Title of C');
    expect(s1.list[0].body).toContain('its dependency A is done or cancelled');
    const s2 = step(s1.after, [edit(s1.after, 'B', { status: 'done' })]);
    expect(brief(s2.list)).toEqual(['wave_open 2 -> boss,eve', 'ready D -> boss,carol,eve']);
  });

  it('a ticket already in progress when its deps finish gets "all dependencies done"', () => {
    const g0 = computeGraph(
      [t('A', [], 'alice'), t('B', ['A'], 'bob', 'in_progress', { claim: { by: 'carol' } })],
      'flow',
    );
    const s1 = step(g0, [edit(g0, 'A', { status: 'done' })]);
    expect(brief(s1.list)).toEqual(['wave_open 2 -> boss,eve', 'deps_done B -> bob,carol']);
    expect(s1.list[1].subject).toBe('all dependencies of B done');
  });
});

describe('assigned', () => {
  it('tells the new assignee, keyed by ticket, assignee and updated stamp', () => {
    const g0 = plan();
    const c = edit(g0, 'C', { assignee: 'bob', updated_by: 'boss' });
    const s1 = step(g0, [c]);
    expect(brief(s1.list)).toEqual(['assigned C -> bob']);
    expect(s1.list[0].id).toBe(announcementId('assigned', 'C', ['bob', c.updated!]));
    expect(s1.list[0].body).toContain('C (Title of C) is assigned to you by boss.');
    expect(s1.list[0].body).toContain('It waits on A.');
  });

  it('not when the assignee made the change, nor for a finished ticket, nor when unassigned', () => {
    const g0 = plan();
    expect(step(g0, [edit(g0, 'C', { assignee: 'bob', updated_by: 'bob' })]).list).toEqual([]);
    const done = computeGraph([t('A', [], 'alice', 'done')]);
    expect(step(done, [edit(done, 'A', { assignee: 'bob' })]).list).toEqual([]);
    expect(step(g0, [edit(g0, 'C', { assignee: null })]).list).toEqual([]);
  });

  it('a new ticket with an assignee is announced (and only that)', () => {
    const g0 = plan();
    const next = t('F', [], 'carol', 'todo', { updated: tick() });
    const after = updateGraph(g0, [next]);
    const list = announcements(g0, after, AGENTS, { changed: ['F'] });
    expect(brief(list)).toEqual(['assigned F -> carol']);
    expect(list[0].body).toContain('It is ready: claim it with `board claim F --as carol`.');
  });
});

describe('the changed hint', () => {
  it('gives the same announcements as a full scan over random changes', () => {
    let seed = 3;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const statuses = ['todo', 'todo', 'in_progress', 'done', 'cancelled'];
    const people = [null, 'alice', 'bob', 'carol'];
    for (const policy of ['strict', 'flow'] as WavePolicy[]) {
      const nodes: AnnounceTicket[] = [];
      for (let i = 0; i < 30; i++) {
        const deps = i < 3 ? [] : [...new Set([`T${Math.floor(rand() * i)}`, `T${Math.floor(rand() * i)}`])];
        nodes.push(t(`T${i}`, deps, people[i % 4]));
      }
      let g = computeGraph(nodes, policy);
      let total = 0;
      for (let k = 0; k < 400; k++) {
        const id = `T${Math.floor(rand() * 30)}`;
        const r = rand();
        const fields: Partial<AnnounceTicket> =
          r < 0.7
            ? { status: statuses[Math.floor(rand() * statuses.length)] }
            : r < 0.9
              ? { assignee: people[Math.floor(rand() * 4)] }
              : { deps: [] };
        const next = edit(g, id, fields);
        const after = updateGraph(g, [next]);
        const hinted = announcements(g, after, AGENTS, { changed: [id] });
        expect(hinted).toEqual(announcements(g, after, AGENTS));
        total += hinted.length;
        g = after;
      }
      expect(total).toBeGreaterThan(20);
    }
  });
});

describe('announcement ids are recado ids', () => {
  it('are lower-case, at most 64 characters, whatever the ticket id', async () => {
    const { announcementId } = await import('../../src/core/announce.js');
    const { isRecadoId } = await import('../../src/core/recado.js');
    for (const subject of ['T-4k9x', 'AUTH-12', 'A'.repeat(64), '7']) {
      for (const kind of ['wave', 'ready', 'deps', 'assigned']) {
        const id = announcementId(kind, subject, ['x@1']);
        expect(isRecadoId(id), id).toBe(true);
      }
    }
  });
});
