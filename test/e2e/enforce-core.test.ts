/**
 * The pieces of enforcement and lease expiry that need no watcher: who wrote an unparsable
 * file, the texts of a refusal, receipts left by board writes, and the removal of what killed
 * processes leave under .board/locks/.
 */
import { mkdirSync, readdirSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authorFromText, type EditViolation } from '../../src/core/edits.js';
import { isRecadoId } from '../../src/core/recado.js';
import {
  refusalFileName,
  refusalNotice,
  refusalReason,
  refusalRecadoId,
  type Refusal,
} from '../../src/core/refusal.js';
import type { Board } from '../../src/store/board.js';
import { takeVersion, versionKey } from '../../src/store/cas.js';
import { initBoard } from '../../src/store/init.js';
import { pruneLocks } from '../../src/store/leftovers.js';
import { readBoardFileStat } from '../../src/store/read.js';
import {
  contentHash,
  dropReceipt,
  leaveReceipt,
  parseReceiptName,
  pruneReceipts,
  readReceipt,
  receiptsDir,
  receiptsOf,
} from '../../src/store/receipts.js';
import { createTicket, mutateTicket } from '../../src/store/tickets.js';
import { expiryRecadoId } from '../../src/watch/leases.js';
import { tempRepo, type TempRepo } from '../helpers.js';

describe('authorFromText (front-matter that does not parse)', () => {
  it('reads updated_by, else the claim holder, else the assignee, line by line', () => {
    expect(authorFromText('---\ntitle: [broken\nupdated_by: bob\nassignee: carol\n---\n')).toBe('bob');
    expect(authorFromText('---\ntitle: [broken\nassignee: carol\nclaim:\n  by: "alice"\n  at: x\n---\n')).toBe('alice');
    expect(authorFromText('---\ntitle: [broken\nassignee: carol # me\n---\nupdated_by: zed\n')).toBe('carol');
    expect(authorFromText('---\ntitle: [broken\nupdated_by: Not A Name\n---\n')).toBeNull();
    expect(authorFromText('no front-matter at all')).toBeNull();
    expect(authorFromText('---\n' + '  x: y\n'.repeat(5_000) + 'updated_by: bob\n---\n')).toBe('bob'); // long, read line by line
  });
});

describe('the texts of a refusal', () => {
  const v: EditViolation[] = [
    {
      rule: 'claim_by_hand',
      kind: 'conflict',
      field: 'claim',
      message: 'the claim of T-1 was changed by hand; claims are written by the board only',
      hint: 'use board claim T-1 --as NAME',
    },
    {
      rule: 'claim_respected',
      kind: 'conflict',
      field: 'claim',
      message: 'T-1 is claimed by alice since X; bob cannot change its claim',
    },
  ];
  const r: Refusal = {
    id: 'T-1',
    file: '.board/tickets/T-1.md',
    author: 'bob',
    violations: v,
    action: 'restored',
    kept: '.board/rejected/20260101T000000000Z-T-1.md',
    restored: { updated: '2026-01-01T00:00:00Z', updated_by: 'alice' },
  };

  it('the reason file names the rule, field, author, what was done and every violation', () => {
    const text = refusalReason(r, '2026-01-01T00:00:01.000Z');
    expect(text).toContain('rule: claim_by_hand\n');
    expect(text).toContain('author: bob\n');
    expect(text).toContain('action: restored\n');
    expect(text).toContain('hint: "use board claim T-1 --as NAME"');
    expect(text.match(/ {2}- rule: /g)).toHaveLength(2);
  });

  it('the recado says what, why, what to do and where the text is kept', () => {
    const { subject, body } = refusalNotice(r);
    expect(subject).toBe('T-1: your edit was undone (a claim written by hand)');
    expect(body).toContain('what to do: use board claim T-1 --as NAME');
    expect(body).toContain('back to its last valid version (updated 2026-01-01T00:00:00Z by alice)');
    expect(body).toContain('.board/rejected/20260101T000000000Z-T-1.md');
    const under = refusalNotice({ ...r, boardWrite: 'carol' });
    expect(under.body).toContain('A board command (by carol)');
    expect(under.body).toContain('carol, run it again');
  });

  it('names and ids are fixed by the refusal, valid, and sort by time', () => {
    const at = new Date('2026-01-02T03:04:05.678Z');
    expect(refusalFileName('T-1', at)).toBe('20260102T030405678Z-T-1.md');
    expect(refusalFileName('T-1', at, 2)).toBe('20260102T030405678Z-T-1-2.md');
    const id = refusalRecadoId('20260102T030405678Z-T-1.md');
    expect(isRecadoId(id)).toBe(true);
    expect(refusalRecadoId('20260102T030405678Z-T-1.md')).toBe(id);
    expect(refusalRecadoId('20260102T030405678Z-T-1-2.md')).not.toBe(id);
    const claim = { by: 'alice', at: '2026-01-01T00:00:00Z', expires: '2026-01-01T00:30:00Z' };
    expect(isRecadoId(expiryRecadoId('T-VERY.long_id-' + 'x'.repeat(48), claim))).toBe(true);
    expect(expiryRecadoId('T-1', claim)).not.toBe(expiryRecadoId('T-1', { ...claim, expires: '2026-01-01T01:00:00Z' }));
  });
});

describe('receipts', () => {
  let repo: TempRepo;
  let board: Board;
  beforeEach(() => {
    repo = tempRepo({ init: false, git: false });
    board = initBoard(repo.dir).board;
  });
  afterEach(() => repo.cleanup());

  it('every board write of a ticket leaves one, with the version it was built on; a refused write none', async () => {
    createTicket(board, { id: 'T.1', title: 'Dotted id' }, 'ana');
    let rs = receiptsOf(board, 'T.1');
    expect(rs).toHaveLength(1);
    const created = readReceipt(rs[0])!;
    expect(created.base).toBeNull();
    expect(parseReceiptName(rs[0].path.split('/').pop()!)).toEqual({ id: 'T.1', hash: contentHash(created.text) });

    await mutateTicket(board, 'T.1', { actor: 'ana' }, (_t, e) => e.set('priority', 1));
    rs = receiptsOf(board, 'T.1');
    expect(rs).toHaveLength(2);
    const edited = readReceipt(rs[1])!;
    expect(edited.base).toBe(created.text);
    expect(edited.baseHash).toBe(contentHash(created.text));
    expect(contentHash(readBoardFileStat(board.ticketFile('T.1')).text)).toBe(rs[1].hash);

    await expect(mutateTicket(board, 'T.1', { actor: 'ana' }, (_t, e) => e.set('status', 'doing'))).rejects.toThrow(
      /unknown status/,
    );
    expect(receiptsOf(board, 'T.1')).toHaveLength(2);
    expect(receiptsOf(board, 'T')).toEqual([]); // another id's prefix
  });

  it('are taken back, and old ones pruned', () => {
    const a = leaveReceipt(board, 'T-2', 'text a', null);
    const b = leaveReceipt(board, 'T-2', 'text a', 'base'); // same content, its own receipt
    expect(a).not.toBe(b);
    dropReceipt(a);
    expect(receiptsOf(board, 'T-2').map((r) => r.path)).toEqual([b]);
    const old = new Date(Date.now() - 10 * 60_000);
    utimesSync(b, old, old);
    leaveReceipt(board, 'T-2', 'text c', null);
    expect(pruneReceipts(board, Date.now() - 60_000)).toBe(1);
    expect(readdirSync(receiptsDir(board))).toHaveLength(1);
  });

  it('a receipt that does not match its name vouches for nothing', () => {
    const p = leaveReceipt(board, 'T-3', 'real', null);
    writeFileSync(p, JSON.stringify({ v: 1, base: null, text: 'forged other text' }));
    expect(readReceipt(receiptsOf(board, 'T-3')[0])).toBeNull();
  });
});

describe('leftovers of killed processes under .board/locks/', () => {
  let repo: TempRepo;
  let board: Board;
  beforeEach(() => {
    repo = tempRepo({ init: false, git: false });
    board = initBoard(repo.dir).board;
  });
  afterEach(() => repo.cleanup());

  const at = (p: string, ms: number) => {
    const t = new Date(Date.now() + ms);
    utimesSync(p, t, t);
  };

  it('removes abandoned locks and tokens of replaced versions, never what may be held', () => {
    createTicket(board, { id: 'T-1', title: 'One' }, 'ana');
    const L = (n: string) => join(board.locksDir, n);
    for (const n of ['ticket-T-1.lock', 'ticket-T-9.lock', 'future.lock', 'T-1.cas', 'T-9.cas'])
      mkdirSync(L(n), { recursive: true });
    at(L('ticket-T-9.lock'), -2 * 3_600_000); // killed two hours ago
    at(L('future.lock'), 2 * 3_600_000); // dated ahead: the clock was set back
    // T-1: a token of its current version (maybe held), and stale ones of versions long replaced
    const { text, stat } = readBoardFileStat(board.ticketFile('T-1'));
    const current = versionKey(text, stat);
    for (const n of [current, `${current}~1`, 'oldkey', 'oldkey~1', 'recent'])
      writeFileSync(join(L('T-1.cas'), n), '1\n');
    for (const n of [current, `${current}~1`, 'oldkey', 'oldkey~1']) at(join(L('T-1.cas'), n), -5 * 60_000);
    at(L('T-9.cas'), -2 * 3_600_000);

    const r = pruneLocks(board);
    expect(r).toEqual({ locks: 2, tokens: 2, folders: 1 });
    expect(existsSync(L('ticket-T-1.lock'))).toBe(true); // fresh: may be held
    expect(readdirSync(L('T-1.cas')).sort()).toEqual([current, `${current}~1`, 'recent'].sort());
    expect(existsSync(L('T-9.cas'))).toBe(false);
  });

  it('a lock folder dated in the future does not block a board command', async () => {
    createTicket(board, { id: 'T-1', title: 'One' }, 'ana');
    const lock = join(board.locksDir, 'ticket-T-1.lock');
    mkdirSync(lock, { recursive: true });
    at(lock, 3_600_000);
    const t0 = Date.now();
    await mutateTicket(board, 'T-1', { actor: 'ana' }, (_t, e) => e.set('priority', 0));
    expect(Date.now() - t0).toBeLessThan(20_000); // not the ~40 s of waiting for a lock that never goes stale
  });

  it('a version token dated in the future is taken over, exactly once', () => {
    const dir = join(board.locksDir, 'X.cas');
    const first = takeVersion(dir, 'k')!;
    at(first, 3_600_000);
    const next = takeVersion(dir, 'k');
    expect(next).toBe(join(dir, 'k~1'));
    expect(takeVersion(dir, 'k')).toBeNull();
  });
});
