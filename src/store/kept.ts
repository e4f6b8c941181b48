/**
 * Keeping a ticket text the board replaced without having read it (a save that landed while a
 * board write or a restore was replacing the file): the very text goes to rejected/ with a
 * `.reason` beside it, and its author (updated_by, else the claim holder, else the assignee)
 * gets a recado naming where it is. Nothing a board write overwrites is lost.
 */
import { join } from 'node:path';
import { authorFromText } from '../core/edits.js';
import { BOARD_SENDER, isAgentName } from '../core/names.js';
import { refusalFileName, refusalRecadoId } from '../core/refusal.js';
import { createExclusive, writeAtomic } from './atomic.js';
import type { Board } from './board.js';
import { sendFromBoard } from './mailbox.js';

export interface Overwritten {
  id: string;
  /** The text that was replaced. */
  text: string;
  /** What replaced it, in words ("board close by alice", "the watcher's restore"). */
  by: string;
  now?: Date;
}

/** Keep `o.text` in rejected/ and tell its author. Returns the kept file's absolute path. */
export function keepOverwritten(board: Board, o: Overwritten): string {
  const at = o.now ?? new Date();
  let name = refusalFileName(o.id, at);
  let path = join(board.rejectedDir, name);
  for (let n = 2; !createExclusive(board.tmpDir, path, o.text, { fsync: false }); n++) {
    name = refusalFileName(o.id, at, n);
    path = join(board.rejectedDir, name);
  }
  const author = authorFromText(o.text);
  const file = board.ticketFile(o.id);
  writeAtomic(
    board.tmpDir,
    `${path}.reason`,
    [
      'reason: "saved while a board write was replacing the file; the board did not read it"',
      'rule: overwritten',
      `ticket: ${JSON.stringify(o.id)}`,
      `replaced_by: ${JSON.stringify(o.by)}`,
      `author: ${author ?? 'null'}`,
      `at: ${at.toISOString()}`,
      '',
    ].join('\n'),
    { fsync: false },
  );
  if (author && isAgentName(author) && author !== BOARD_SENDER) {
    try {
      sendFromBoard(
        board,
        {
          to: [author],
          ticket: o.id,
          id: refusalRecadoId(name),
          subject: `${o.id}: your save was replaced by a board write; your text is kept`,
          body: [
            `Your save of ${file} landed while ${o.by} was replacing the file, so the board did not read it and it is no longer in the ticket.`,
            '',
            `Your text is kept, byte for byte, in ${path} (the reason beside it in ${path}.reason).`,
            'Read the ticket again and make your change once more on top of it.',
            '',
          ].join('\n'),
        },
        at,
      );
    } catch {
      /* no inbox for them: the kept file and its reason remain */
    }
  }
  return path;
}
