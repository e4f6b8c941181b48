/**
 * Delivery: one copy of a stamped recado into each recipient's inbox. `board send`, the
 * board's own notices (`sendFromBoard`) and the watcher's route all deliver through
 * `deliverCopies`, so there is one delivery path.
 *
 * HOW DELIVERY STAYS EXACTLY-ONCE (Maildir style: every step is a rename or a link, and
 * every step can be run again after a crash without changing the outcome):
 *
 *   outbox/<from>/<name>.md
 *     │  1. take: rename → run/outgoing/<id>+<from>+<name>            (route.ts)
 *     │     One atomic rename: the file is in the outbox or taken, never both, never neither.
 *     │     The id (and with it the `sent` time, which is the time in the id) is fixed in the
 *     │     taken file's name, so whatever happens next is retried under the same id.
 *     ▼
 *   run/outgoing/<id>+<from>+<name>            (git-ignored; the watcher resumes it on start)
 *     │  2. stamp: the recado with id, from (the folder) and sent is rendered from the taken
 *     │     file; every attempt renders the same text (`sent` comes from the id).
 *     │  3. deliver (here): for each recipient, write its OWN copy aside (a fresh file in
 *     │     tmp/, or an empty spare) and link it as inbox/<to>/new/<id>.md, then remove the
 *     │     name aside. link() refuses an existing target (EEXIST): a copy delivered before
 *     │     a crash is never delivered twice, and no reader sees half a file. One inode per
 *     │     recipient: no recipient can change another's copy, and neither can the sender
 *     │     (even one that kept a hard link to the file it dropped into its outbox).
 *     │     A recipient may already have READ its copy before the crash (moved it from new/
 *     │     to cur/): delivery first looks in cur/ and skips; and because the reader may move
 *     │     it between that look and the link, it looks in cur/ again after linking and
 *     │     removes the copy it just made if the read one is there. Copies are recognised by
 *     │     the id in their name, which is the same for every attempt.
 *     │     A recipient whose copy cannot be written now (disk full, read-only, no
 *     │     permission, a link in the way) is skipped and reported: the others get theirs.
 *     │  4. remove the taken file, last, and only once every recipient has its copy: until
 *     │     then a restart, or the watcher's next try, resumes from step 2 (copies already
 *     │     made are skipped by step 3).
 *     ▼
 *   inbox/<to>/new/<id>.md  (→ cur/ once read)
 *
 * A bounce follows the same rule: the notice to the sender (fixed id `<id>.bounce`) is
 * delivered first, then the reason is written and the taken file renamed into rejected/.
 * A crash before the rename repeats the bounce under the same ids; after it, nothing is left
 * to do. `board send` and `sendFromBoard` write the stamped recado into run/outgoing as
 * `<id>=<from>` first, so one killed half-way through a broadcast is finished by the watcher
 * (send.ts). A process killed between writing a copy aside and linking it leaves a file in
 * tmp/ that nobody owns: the watcher and `board doctor` remove it (store/leftovers.ts).
 *
 * What is not covered: a recipient that DELETES (rather than reads) its copy during the
 * instant between a crash and the restart gets it again. Power loss is not covered either:
 * files are not fsync'd one by one (a process killed at any instant loses nothing; the
 * kernel still holds what it wrote).
 */
import { closeSync, constants, existsSync, linkSync, openSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BoardError } from '../../core/errors.js';
import { systemError } from '../../core/io-errors.js';
import { stage, writeAllSync } from '../atomic.js';
import type { Board } from '../board.js';
import { checkNoLink, ensureDir } from '../nolink.js';
import { errnoOf as code, outgoingDir } from './paths.js';

/**
 * Put one copy of the stamped recado `text` into `to`'s inbox as `new/<id>.md`, unless `to`
 * already has it (unread in new/, or read in cur/). Each recipient gets its OWN file (its own
 * inode, written aside then linked in), so no recipient can change another's copy. Safe to
 * run any number of times, also concurrently with itself and with the recipient reading: see
 * the top of this file. Returns the path delivered, or null when `to` already had it.
 */
export function deliverOne(
  board: Board,
  text: string,
  id: string,
  to: string,
  fresh = false,
  spare?: () => string | null,
): string | null {
  const name = `${id}.md`;
  const cur = join(board.inboxCur(to), name);
  const target = join(board.inboxNew(to), name);
  checkNoLink(target); // exit 2 when inbox/<to>/ or inbox/<to>/new/ is a link
  // (`fresh`: the id was drawn a moment ago by this process, so no copy can have been read yet)
  if (!fresh && existsSync(cur)) return null; // read before a crash: already delivered
  if (!fresh && existsSync(target)) return null; // delivered before (a resumed delivery)
  const copy = writeAside(board, text, spare);
  try {
    try {
      linkSync(copy, target);
    } catch (e) {
      if (code(e) === 'EEXIST') return null; // delivered before (a resumed delivery)
      if (code(e) !== 'ENOENT') throw e;
      ensureDir(board.inboxNew(to));
      ensureDir(board.inboxCur(to));
      try {
        linkSync(copy, target);
      } catch (e2) {
        if (code(e2) === 'EEXIST') return null;
        throw e2;
      }
    }
  } finally {
    try {
      unlinkSync(copy);
    } catch {
      /* gone */
    }
  }
  // The recipient may have moved an earlier copy to cur/ between the first look and the
  // link: then the copy just made is a second one. Remove it (same id, same text).
  if (!fresh && existsSync(cur)) {
    try {
      unlinkSync(target);
    } catch {
      /* the reader took it too: it overwrote cur/ with the same text */
    }
    return null;
  }
  return target;
}

export interface DeliveryResult {
  /** Recipients that got a copy now. */
  delivered: string[];
  /** Recipients that already had it (a resumed delivery). */
  already: string[];
  /** Paths of the copies made now. */
  paths: string[];
  /**
   * Recipients whose copy could not be written (disk full, no permission, a link in the way),
   * with why. The others got theirs: one broken inbox never holds back the rest.
   */
  failed: { to: string; error: unknown }[];
}

export function deliverCopies(
  board: Board,
  text: string,
  id: string,
  recipients: string[],
  fresh = false,
  spare?: () => string | null,
): DeliveryResult {
  const r: DeliveryResult = { delivered: [], already: [], paths: [], failed: [] };
  for (const to of recipients) {
    let p: string | null;
    try {
      p = deliverOne(board, text, id, to, fresh, spare);
    } catch (error) {
      r.failed.push({ to, error });
      continue;
    }
    if (p) {
      r.delivered.push(to);
      r.paths.push(p);
    } else {
      r.already.push(to);
    }
  }
  return r;
}

/** Write `text` into a new file aside (a spare if one is given, else a fresh one in tmp/). */
function writeAside(board: Board, text: string, spare?: () => string | null): string {
  const p = spare?.();
  if (p) {
    try {
      checkNoLink(p);
      const fd = openSync(p, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
      try {
        writeAllSync(fd, text, p);
      } finally {
        closeSync(fd);
      }
      return p;
    } catch {
      try {
        unlinkSync(p);
      } catch {
        /* gone */
      }
    }
  }
  return stage(board.tmpDir, text, { fsync: false });
}

/** The error for recipients whose copy could not be written; the rest were delivered. */
export function partialDelivery(board: Board, id: string, failed: DeliveryResult['failed']): BoardError {
  const first = failed[0];
  const why =
    systemError(first.error, (p) => board.rel(p))?.message ?? String((first.error as Error)?.message ?? first.error);
  return new BoardError(
    first.error instanceof BoardError ? first.error.kind : 'io',
    `recado ${id} not yet delivered to ${failed.map((f) => f.to).join(', ')}: ${why}`,
    {
      file: first.error instanceof BoardError ? first.error.details.file : board.rel(board.inboxNew(first.to)),
      hint: `it waits in ${board.rel(outgoingDir(board))}/; the watcher delivers it once the inbox can be written again (${(first.error instanceof BoardError ? first.error.details.hint : systemError(first.error)?.details.hint) ?? 'fix the folder'})`,
      data: { id, failed: failed.map((f) => f.to) },
    },
  );
}
