/**
 * The reservation turn: claims of tickets that have `locks:` take turns board-wide.
 *
 * Why: two agents claiming two DIFFERENT tickets whose locks overlap each take only their own
 * ticket's lock, both look at the board before either has written, and both would win. So a
 * claim that reserves paths first takes the board's reservation turn, then looks at the
 * other claimed tickets, then writes its claim, then ends its turn. Claims of tickets without
 * locks reserve nothing and never wait for it.
 *
 * How (the same compare-and-swap as ticket writes, cas.ts, so a doubly granted lock cannot
 * let two claimers in): the turn is a small counter file, `locks/_reservations.gen`. A
 * claimer takes the proper-lockfile lock `_reservations` (so claimers queue politely), reads
 * the counter's version, and takes that version's token with an exclusive create; only one
 * process can. It checks the counter is still that version, does its work (reads the board,
 * checks overlaps, writes the claim), then writes the counter + 1 and removes the token. A
 * second holder of the lock either cannot take the token (it waits), or takes it after the
 * counter moved on, sees that, and starts over with the new version, after the first claim
 * is on disk. A claimer killed during its turn leaves a token that is taken over after 10 s
 * (exactly once, cas.ts); a holder that is still alive keeps its token fresh and checks
 * before writing that nobody took its turn over (`held()`).
 *
 * The names start with `_`, which no ticket id can, so they never meet a ticket's lock files.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conflict } from '../core/errors.js';
import { createExclusive, writeAtomic } from './atomic.js';
import type { Board } from './board.js';
import { currentKey, dropToken, forgetVersion, keepFresh, readVersion, superseded, takeVersion } from './cas.js';
import { withLock } from './lock.js';

export const RESERVATION_LOCK = '_reservations';

export interface Turn {
  /** False once another process took this turn for abandoned: do not write then. */
  held(): boolean;
}

const PATIENCE_MS = 60_000;

/** Run `fn` during the board's reservation turn (see above). */
export async function withReservationTurn<T>(board: Board, fn: (turn: Turn) => Promise<T>): Promise<T> {
  const gen = join(board.locksDir, `${RESERVATION_LOCK}.gen`);
  const dir = join(board.locksDir, `${RESERVATION_LOCK}.cas`);
  const display = board.rel(gen);
  return withLock(board, RESERVATION_LOCK, async () => {
    const started = Date.now();
    for (;;) {
      let v;
      try {
        v = readVersion(gen, display);
      } catch (e) {
        if ((e as { kind?: string }).kind !== 'not_found') throw e;
        createExclusive(board.tmpDir, gen, '0\n');
        continue;
      }
      const token = takeVersion(dir, v.key);
      if (token) {
        let ran = false;
        const stopFresh = keepFresh(token);
        try {
          if (currentKey(gen, display) === v.key) {
            ran = true;
            return await fn({ held: () => !superseded(token) });
          }
        } finally {
          stopFresh();
          if (ran && superseded(token)) {
            // presumed dead and taken over: the turn is the successor's to end, not ours
          } else if (ran) {
            // the next version of the counter ends the turn: whoever read this one starts over
            let n = Number.parseInt(readFileSync(gen, 'utf8'), 10);
            if (!Number.isFinite(n)) n = 0;
            writeAtomic(board.tmpDir, gen, `${n + 1}\n`);
            forgetVersion(dir, v.key);
          } else {
            dropToken(token);
          }
        }
      }
      if (Date.now() - started > PATIENCE_MS) {
        throw conflict("the board's reservation turn stays taken; try again", {
          hint: 'another claim of a ticket with locks is running; a turn left by a killed process frees itself within 10 s',
        });
      }
      await new Promise((r) => setTimeout(r, 3 + Math.random() * 12));
    }
  });
}
