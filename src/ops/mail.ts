/**
 * The recado operations every face of the board calls (CLI, web board, MCP server): send,
 * the unread list, read one. Thin: delivery itself is the store's one delivery path.
 */
import { usageError } from '../core/errors.js';
import type { RecadoJson } from '../core/recado.js';
import type { Board } from '../store/board.js';
import {
  listInbox,
  readRecado,
  sendRecado,
  type BrokenRecado,
  type NewRecado,
  type SendResult,
} from '../store/mailbox.js';

/** Send a recado now (no watcher needed). An empty text with no subject is refused (exit 2). */
export function send(board: Board, r: NewRecado): SendResult & { recado: RecadoJson } {
  if ((r.body ?? '').trim() === '' && !r.subject)
    throw usageError('nothing to send: the text is empty', { hint: 'give a text or a subject' });
  return sendRecado(board, r);
}

/** The agent's recados, oldest first: unread ones, or every one with `all`. Marks nothing read. */
export function inbox(
  board: Board,
  agent: string,
  opts: { all?: boolean } = {},
): { recados: RecadoJson[]; broken: BrokenRecado[] } {
  const { entries, broken } = listInbox(board, agent, { all: opts.all });
  return { recados: entries.map((e) => e.recado), broken };
}

/** One recado of the agent's, marked read. */
export function read(board: Board, agent: string, id: string): RecadoJson {
  return readRecado(board, agent, id, { markRead: true }).recado;
}
