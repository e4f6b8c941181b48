/**
 * What happens after the CLI changed a ticket, besides the write itself: the board's
 * announcements (ticket assigned, ready, all dependencies done, wave open; see
 * core/announce.ts), delivered at once so that nothing waits for a watcher. A running
 * watcher computes the same announcements with the same ids; each is delivered once.
 *
 * Cheap: nothing is read when the change cannot announce anything (see `relevant` below);
 * otherwise the board is loaded once (parsed tickets come from the
 * derived cache, so only the changed file is parsed) and the state before the change is
 * derived from it in memory.
 */
import { updateGraph } from '../core/graph.js';
import { RESOLVED, type Ticket } from '../core/ticket.js';
import { announceChange, type AnnounceEvent } from './announce.js';
import type { Board } from './board.js';
import { report } from './report.js';
import { loadBoard } from './tickets.js';

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Announce what the change `before` -> `after` of one ticket (before = null: created) makes
 * true. Returns the events (see store/announce.ts). Never throws: the change is already
 * written, so a failure is reported to the caller (store/report.ts) and left for the watcher
 * (same ids).
 */
export async function afterTicketChange(
  board: Board,
  before: Ticket | null,
  after: Ticket,
  actor: string,
): Promise<AnnounceEvent[]> {
  void actor; // who acted is in the ticket (`updated_by`), which is what the announcements use
  // What can make an announcement true: a new assignee, new deps, the ticket resolved or
  // unresolved (dependents, waves), or the ticket back to todo (it may be ready again).
  // A claim (todo -> in_progress) or an edit of the body announces nothing: nothing is read.
  const relevant = before
    ? before.assignee !== after.assignee ||
      !sameList(before.deps, after.deps) ||
      RESOLVED.has(before.status) !== RESOLVED.has(after.status) ||
      (after.status === 'todo' && before.status !== 'todo')
    : after.assignee !== null;
  if (!relevant) return [];
  try {
    // Read the board after the write, not the copy the write checked against: two closes
    // running at once each saw the other still open, and only a read after both writes can
    // see that together they opened a wave.
    const loaded = loadBoard(board);
    const now = updateGraph(loaded.graph, [after]);
    const then = before ? updateGraph(now, [before]) : updateGraph(now, [], [after.id]);
    return announceChange(board, then, now, loaded.config.agents, { changed: [after.id] });
  } catch (e) {
    report({
      kind: 'warning',
      message: `announcements for ${after.id} not sent: ${String((e as Error)?.message ?? e)}`,
    });
    return [];
  }
}
