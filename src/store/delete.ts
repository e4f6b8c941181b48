/**
 * Deleting a ticket through the board (`board delete ID`). A ticket file that disappears any
 * other way is a hand deletion, which the watcher undoes (it puts the last valid version back
 * and tells its last author). A deletion by the board leaves a mark first,
 * `run/deleted/<id>` (who and when), then removes the file under the ticket's lock; the
 * watcher takes the mark as the board's own deletion and the audit trail records
 * "deleted by NAME". Refused while someone else holds the ticket (exit 4) or while open
 * tickets depend on it (exit 4, naming them).
 */
import { readFileSync, rmSync } from 'node:fs';
import { ensureDir } from './nolink.js';
import { join } from 'node:path';
import { activeClaim } from '../core/claims.js';
import { conflict } from '../core/errors.js';
import { RESOLVED, type Ticket } from '../core/ticket.js';
import { writeAtomic } from './atomic.js';
import type { Board } from './board.js';
import { withLock } from './lock.js';
import { loadBoard, readTicket } from './tickets.js';

export const deletedDir = (board: Board): string => join(board.runDir, 'deleted');

export interface DeleteMark {
  by: string;
  at: string;
}

/** The board's mark of a deletion of `id` it made, or null (then a deletion is by hand). */
export function deletionMark(board: Board, id: string): DeleteMark | null {
  try {
    return JSON.parse(readFileSync(join(deletedDir(board), id), 'utf8')) as DeleteMark;
  } catch {
    return null;
  }
}

export function dropDeletionMark(board: Board, id: string): void {
  rmSync(join(deletedDir(board), id), { force: true });
}

export async function deleteTicket(
  board: Board,
  id: string,
  opts: { actor: string; force?: boolean; now?: Date },
): Promise<Ticket> {
  const now = opts.now ?? new Date();
  return withLock(board, `ticket-${id}`, () => {
    const { ticket } = readTicket(board, id);
    const held = activeClaim(ticket, now);
    if (held && held.by !== opts.actor && !opts.force) {
      throw conflict(`${id} is claimed by ${held.by} since ${held.at}`, {
        hint: `ask ${held.by} to release it first; people can use --force`,
        data: { holder: held.by },
      });
    }
    const dependents = [...loadBoard(board).tickets.values()]
      .filter((t) => t.deps.includes(id) && !RESOLVED.has(t.status))
      .map((t) => t.id)
      .sort();
    if (dependents.length && !opts.force) {
      throw conflict(`open tickets depend on ${id}: ${dependents.join(', ')}`, {
        hint: `remove it from their deps first (board edit ID --remove-dep ${id}), or cancel it instead (board close ${id} --cancel)`,
        data: { dependents },
      });
    }
    ensureDir(deletedDir(board));
    writeAtomic(
      board.tmpDir,
      join(deletedDir(board), id),
      JSON.stringify({ by: opts.actor, at: now.toISOString() }) + '\n',
      { fsync: false },
    );
    rmSync(board.ticketFile(id), { force: true });
    return ticket;
  });
}
