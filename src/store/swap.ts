/**
 * Replacing a ticket file without overwriting a save we did not read.
 *
 * A plain rename(new, file) replaces whatever is at `file` at that instant: an editor's save
 * landing between a writer's last look and its rename would be lost without a trace. So the
 * board replaces a ticket file in two steps that tell it exactly what it replaced:
 *
 *   1. rename(file, tickets/.<id>.md.aside.<hash of the expected text>.<unique>): takes
 *      whatever the file holds NOW, atomically, out of the way (the file is absent for the
 *      few microseconds until step 2);
 *   2. link(new, file): puts the new content in place, but only if nobody created the file in
 *      between (EEXIST: their save stands, nothing of ours is written, the caller reads again);
 *   3. the aside is read and removed: if it is not the text the writer read, it is a save the
 *      writer did not read (`displaced`), which the caller merges or keeps in rejected/.
 *
 * A reader that finds the file missing waits for a live writer to finish its step 2 (a
 * moment), and puts back an aside older than ASIDE_STALE_MS: left by a writer killed between
 * 1 and 2 (`recoverAside`, a link, so two readers doing it at once are harmless; a writer
 * that was only slow then finds the file taken and reads again). Killed between 2 and 3, the
 * aside is litter unless its text differs from the one named by its hash: the watcher's sweep
 * (`sweepAsides`) keeps such a file in rejected/.
 *
 * An editor that writes the file in place (truncate and write the same inode) rather than by
 * rename can still lose a write that straddles step 1: such writes are not atomic for any
 * reader either. Editors that save by rename (write aside, rename over) lose nothing.
 */
import { linkSync, lstatSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { uniqueName } from './atomic.js';
import type { Board } from './board.js';
import { contentHash } from './receipts.js';

const ASIDE = '.md.aside.';

export type SwapResult =
  /** The new content is in place; `displaced` is what it replaced when that was not the expected text. */
  | { written: true; displaced: string | null }
  /** Nothing written: the file was gone, or someone created it in the gap (their save stands). */
  | { written: false; gone: boolean };

/**
 * Put the staged file `staged` in place of ticket `id`'s file, which the caller read as
 * `expected` (its text, or its content hash; null: whatever it holds). The staged file is consumed when written.
 */
export type Expected = { text: string } | { hash: string } | null;

export function swapTicketFile(board: Board, id: string, staged: string, expected: Expected): SwapResult {
  const file = board.ticketFile(id);
  const aside = join(
    board.ticketsDir,
    `.${id}${ASIDE}${expected === null ? 'any' : 'text' in expected ? contentHash(expected.text) : expected.hash}.${uniqueName()}`,
  );
  try {
    renameSync(file, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { written: false, gone: true };
    throw e;
  }
  let linked = false;
  try {
    linkSync(staged, file);
    linked = true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      putBack(aside, file);
      throw e;
    }
  }
  if (!linked) {
    // someone saved in the gap (or a reader put the aside back): what is there now stands
    putBack(aside, file);
    rmSync(aside, { force: true });
    return { written: false, gone: false };
  }
  rmSync(staged, { force: true });
  // what was replaced: a regular file with other content than expected is a save nobody read
  // (a link or special file in its place is no content anyone wrote: the board keeps none)
  let text: string | null = null;
  try {
    if (lstatSync(aside).isFile()) text = readFileSync(aside, 'utf8');
  } catch {
    /* put back and taken by a reader meanwhile: then it is the file we just replaced again */
  }
  rmSync(aside, { force: true });
  const same =
    text === null ||
    expected === null ||
    ('text' in expected ? text === expected.text : contentHash(text) === expected.hash);
  return { written: true, displaced: same ? null : text };
}

/** Link the aside back in place if the file is missing (harmless when it is there). */
function putBack(aside: string, file: string): void {
  try {
    linkSync(aside, file);
  } catch {
    /* the file is there (EEXIST) or the aside is gone */
  }
}

/** The asides of ticket `id` now (names in tickets/). */
function asidesOf(board: Board, id: string | null): string[] {
  let names: string[];
  try {
    names = readdirSync(board.ticketsDir);
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith('.') && n.includes(ASIDE) && (id === null || n.startsWith(`.${id}${ASIDE}`)));
}

/** Whether a board write has ticket `id`'s file aside now (swapping it, or killed doing so). */
export function hasAside(board: Board, id: string): boolean {
  return asidesOf(board, id).length > 0;
}

/** An aside younger than this belongs to a live writer between its steps 1 and 2 (microseconds apart). */
export const ASIDE_STALE_MS = 2_000;

/**
 * A ticket file found missing: wait (at most `waitMs`) while a live board write is swapping
 * it, and put back the content a writer killed between its steps left aside. Returns true
 * when the file is there again.
 */
export function recoverAside(board: Board, id: string, waitMs = 200): boolean {
  const file = board.ticketFile(id);
  const end = Date.now() + waitMs;
  for (;;) {
    if (exists(file)) return true;
    const names = asidesOf(board, id).sort().reverse();
    if (!names.length) return exists(file);
    for (const n of names) {
      const path = join(board.ticketsDir, n);
      try {
        if (Date.now() - lstatSync(path).ctimeMs < ASIDE_STALE_MS) continue; // a live writer: wait for it
        linkSync(path, file);
        return true;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') return true;
      }
    }
    if (Date.now() > end) return exists(file);
    Atomics.wait(PAUSE, 0, 0, 1); // 1 ms
  }
}

const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/**
 * Asides older than `olderThanMs` (left by a writer killed between its steps 2 and 3): put
 * back if the ticket is missing, else removed; one whose text is not the one its name says
 * (a save the killed writer displaced) is returned first, for the caller to keep.
 */
export function sweepAsides(board: Board, olderThanMs: number, keep: (id: string, text: string) => void): number {
  let n = 0;
  for (const name of asidesOf(board, null)) {
    const path = join(board.ticketsDir, name);
    const m = /^\.(.+?)\.md\.aside\.([0-9a-f]{32}|any)\./.exec(name);
    try {
      if (!m || lstatSync(path).ctimeMs > olderThanMs) continue; // ctime: when it was renamed aside
      const id = m[1];
      recoverAside(board, id, 0);
      const text = lstatSync(path).isFile() ? readFileSync(path, 'utf8') : null;
      if (
        text !== null &&
        m[2] !== 'any' &&
        contentHash(text) !== m[2] &&
        readFileSync(board.ticketFile(id), 'utf8') !== text
      )
        keep(id, text);
      rmSync(path, { force: true });
      n++;
    } catch {
      /* gone meanwhile */
    }
  }
  return n;
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}
