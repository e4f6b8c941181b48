import { describe, expect, it } from 'vitest';
import { idFromBytes, idLengthFor } from '../../src/core/ids.js';
import { agentNameFrom, checkAgentName, checkTicketId, isTicketId } from '../../src/core/names.js';
import { ticketFromData } from '../../src/core/ticket.js';
import { parseDuration } from '../../src/core/duration.js';
import { checkClaimRespected } from '../../src/core/claims.js';

describe('names and ids', () => {
  it('accepts valid names and refuses path tricks', () => {
    expect(checkAgentName('alice-2.b_c')).toBe('alice-2.b_c');
    for (const bad of ['../x', '.hidden', 'A', 'a/b', '', 'x'.repeat(65), 'a b', 'a\0'])
      expect(() => checkAgentName(bad)).toThrow(/invalid/);
    expect(checkTicketId('AUTH-12')).toBe('AUTH-12');
    for (const bad of ['../x', '.x', 'a/b', 'x.md', '-x']) expect(isTicketId(bad)).toBe(false);
  });

  it('maps person names to agent names', () => {
    expect(agentNameFrom('Ana María Souza')).toBe('ana-maria-souza');
    expect(agentNameFrom('  ---  ')).toBeUndefined();
  });

  it('grows id length with the board so clones rarely collide', () => {
    expect(idLengthFor(0)).toBe(4);
    expect(idLengthFor(90)).toBe(4);
    expect(idLengthFor(100)).toBe(5);
    expect(idLengthFor(1000)).toBe(6);
    expect(idLengthFor(10_000)).toBe(7);
    for (const n of [10, 100, 1000, 10_000, 100_000]) {
      const len = idLengthFor(n);
      expect((2 * n) ** 2 / (2 * 36 ** len)).toBeLessThan(0.01);
    }
    expect(idFromBytes('T-', new Uint8Array([0, 1, 35, 36]), 4)).toBe('T-01z0');
  });

  it('parses durations', () => {
    expect(parseDuration('90')).toBe(90_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('2h')).toBe(7_200_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(() => parseDuration('soon')).toThrow(/invalid duration/);
    expect(() => parseDuration('0s')).toThrow();
  });
});

describe('ticketFromData', () => {
  it('normalises a valid ticket and keeps unknown keys as extra', () => {
    const { ticket, problems } = ticketFromData({ id: 'T-1', title: 'x', deps: 'T-2', custom: 1 }, 'b', 'T-1');
    expect(problems).toEqual([]);
    expect(ticket).toMatchObject({ id: 'T-1', status: 'todo', deps: ['T-2'], priority: 2, extra: { custom: 1 } });
  });

  it('reports every problem with its field', () => {
    const { problems } = ticketFromData(
      {
        id: 'T-9',
        title: '',
        status: 'zzz',
        assignee: 'Bad Name',
        priority: 7,
        locks: ['/etc/**', 'a/../b'],
        claim: { by: 'x' },
        created: 'yesterday',
        wave: 1,
      },
      '',
      'T-1',
    );
    expect(problems.map((p) => p.field).sort()).toEqual(
      ['assignee', 'claim', 'created', 'id', 'locks', 'locks', 'priority', 'status', 'title', 'wave'].sort(),
    );
  });

  it('refuses a ticket that depends on itself', () => {
    expect(ticketFromData({ id: 'A', title: 'a', deps: ['A'] }, '', 'A').problems[0].message).toContain(
      'depends on itself',
    );
  });
});

describe('claims respected', () => {
  const base = ticketFromData(
    {
      id: 'A',
      title: 'a',
      status: 'in_progress',
      claim: { by: 'al', at: '2026-01-01T00:00:00Z', expires: '2026-01-01T01:00:00Z' },
    },
    '',
    'A',
  ).ticket;
  const now = new Date('2026-01-01T00:10:00Z');
  it('lets others edit notes but not status, assignee or claim while held', () => {
    expect(checkClaimRespected(base, { ...base, body: 'notes' }, 'bo', now)).toEqual([]);
    expect(checkClaimRespected(base, { ...base, status: 'done' }, 'bo', now)[0]).toMatchObject({
      kind: 'conflict',
      field: 'status',
    });
    expect(checkClaimRespected(base, { ...base, status: 'done' }, 'al', now)).toEqual([]);
    expect(checkClaimRespected(base, { ...base, status: 'todo' }, 'bo', new Date('2026-01-01T02:00:00Z'))).toEqual([]);
  });
});

describe('formatDuration', () => {
  it('prints short human durations', async () => {
    const { formatDuration } = await import('../../src/core/duration.js');
    expect(formatDuration(30 * 60_000)).toBe('30m');
    expect(formatDuration(90_000)).toBe('1m30s');
    expect(formatDuration(7_200_000)).toBe('2h');
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(-5000)).toBe('-5s');
  });
});
