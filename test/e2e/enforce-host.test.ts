/**
 * Board writes and hand edits that the watcher sees as ONE change (both written before it
 * looked), in-process with the real watcher host so that the timing is exact: the two writes
 * are made in the same turn of the event loop, so the host can only read the second one.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeAtomic } from '../../src/store/atomic.js';
import { addAgent } from '../../src/store/agents.js';
import type { Board } from '../../src/store/board.js';
import { initBoard } from '../../src/store/init.js';
import { leaveReceipt, receiptsDir } from '../../src/store/receipts.js';
import { createTicket } from '../../src/store/tickets.js';
import { enforcePlugin } from '../../src/watch/enforce.js';
import { WatchHost, type LoggedEvent } from '../../src/watch/host.js';
import { tempRepo, waitFor, type TempRepo } from '../helpers.js';

let repo: TempRepo;
let board: Board;
let host: WatchHost | undefined;
let log: LoggedEvent[];

beforeEach(async () => {
  repo = tempRepo({ init: false, git: false });
  board = initBoard(repo.dir).board;
  for (const a of ['alice', 'bob']) await addAgent(board, a);
  createTicket(board, { id: 'T-1', title: 'First' }, 'carol');
  log = [];
  host = new WatchHost({ board, plugins: [enforcePlugin()], onEvent: (e) => log.push(e), tickMs: 200 });
  await host.start();
});

afterEach(async () => {
  await host?.stop();
  host = undefined;
  repo.cleanup();
});

const file = () => board.ticketFile('T-1');
const read = () => readFileSync(file(), 'utf8');
const receipts = () => {
  try {
    return readdirSync(receiptsDir(board)).filter((n) => !n.endsWith('.seen'));
  } catch {
    return [];
  }
};
const decided = () => waitFor(() => log.find((e) => e.type === 'edit_accepted' || e.type === 'edit_refused'));
const CLAIM = 'claim:\n  by: alice\n  at: 2026-01-01T00:00:00Z\n  expires: 2099-01-01T00:00:00Z\n';

/** What the board does for a write (mutateTicket, in short): receipt, then the new content in place. */
function boardWrite(text: string, base: string): void {
  leaveReceipt(board, 'T-1', text, base);
  writeAtomic(board.tmpDir, file(), text);
}

/** The ticket claimed by alice, as the board would write it. */
const claimed = (l: string) =>
  l
    .replace('status: todo', 'status: in_progress')
    .replace('updated_by: carol', `updated_by: alice\n${CLAIM.trimEnd()}`);

describe('a board write and a hand edit seen as one change', () => {
  it("the holder's note right after its claim stands: it is judged against the board's version", async () => {
    const l = read();
    await waitFor(() => host!.tickets.get('T-1'));
    const x = claimed(l);
    const y = x + '\nstarted, see the notes\n';
    boardWrite(x, l);
    writeFileSync(file(), y);
    const ev = await decided();
    expect(ev).toMatchObject({ type: 'edit_accepted', id: 'T-1', author: 'alice' });
    expect(read()).toBe(y);
    expect(receipts()).toEqual([]);
  });

  it('an editor saving a stale buffer over a fresh claim is refused, and the claim is put back (its note stays)', async () => {
    const l = read();
    const x = claimed(l);
    const y = l.replace('updated_by: carol', 'updated_by: bob') + '\nnote by bob\n';
    boardWrite(x, l);
    writeFileSync(file(), y);
    const ev = await decided();
    expect(ev).toMatchObject({ type: 'edit_refused', id: 'T-1', author: 'bob', action: 'restored' });
    expect(ev.rules).toContain('claim_by_hand');
    // only the refused fields go back: the claim (and status) of x, with bob's note kept
    await waitFor(
      () => read().includes(CLAIM) && read().includes('note by bob') && read().includes('status: in_progress'),
    );
    expect(readFileSync(join(repo.dir, String(ev.kept)), 'utf8')).toBe(y);
  });

  it('a board write made on top of a forged claim does not launder it', async () => {
    const l = read();
    const y = l
      .replace('status: todo', 'status: in_progress')
      .replace('updated_by: carol', `updated_by: bob\n${CLAIM.replace('alice', 'bob').trimEnd()}`);
    const x = y.replace('priority: 2', 'priority: 1');
    writeFileSync(file(), y); // by hand, never seen by the watcher
    boardWrite(x, y); // a board command on top of it
    const ev = await decided();
    expect(ev).toMatchObject({
      type: 'edit_refused',
      id: 'T-1',
      action: 'restored',
      board_write: 'bob',
      author: 'bob',
    });
    expect(ev.rules).toEqual(['claim_by_hand']);
    await waitFor(() => read() === l);
    expect(readFileSync(join(repo.dir, String(ev.kept)), 'utf8')).toBe(y); // the hand edit itself is kept
  });

  it('a board write made on top of a valid hand edit not seen yet stands', async () => {
    const l = read();
    const y = l + '\nnote by bob\n';
    const x = claimed(y);
    writeFileSync(file(), y);
    boardWrite(x, y);
    const ev = await decided();
    expect(ev).toMatchObject({ type: 'edit_accepted', id: 'T-1', under_board_write: true });
    expect(read()).toBe(x);
  });

  it("two board writes seen as one are both the board's", async () => {
    const l = read();
    const x1 = claimed(l);
    const x2 = x1.replace('priority: 2', 'priority: 0');
    boardWrite(x1, l);
    boardWrite(x2, x1);
    await waitFor(() => receipts().length === 0);
    writeFileSync(file(), x2 + '\nnote\n'); // and a later hand edit is judged against x2
    const ev = await decided();
    expect(ev.type).toBe('edit_accepted');
    expect(log.filter((e) => e.type === 'edit_refused')).toEqual([]);
  });
});
