/**
 * Requests to the board by file: what an agent with nothing but file tools writes into its
 * outbox to claim, renew, release or close a ticket, or to take the next ready one:
 *
 *   ---
 *   to: board
 *   claim: T-4k9x        (or renew: / release: / close: / cancel: ID, or next: true)
 *   ---
 *
 * Pure: reading the request from a recado's front-matter, and the words of the answer.
 * The watcher carries it out with the same functions as the CLI (watch/requests.ts).
 */
import { isTicketId } from './names.js';

export type BoardRequest =
  | { op: 'claim' | 'renew' | 'release' | 'close' | 'cancel'; id: string }
  | { op: 'next'; also: boolean };

export const REQUEST_OPS = ['claim', 'renew', 'release', 'close', 'cancel', 'next'] as const;

/** A recado addressed to the board alone is a request, not a message. */
export function isBoardRequest(to: readonly string[]): boolean {
  return to.length === 1 && to[0] === 'board';
}

const HOW = 'write one of claim: ID, renew: ID, release: ID, close: ID, cancel: ID or next: true (with to: board)';

/** The request in a recado's unknown keys, or why it is not one. */
export function parseBoardRequest(
  extra: Record<string, unknown>,
): { request: BoardRequest } | { problem: string; hint: string } {
  const ops = REQUEST_OPS.filter((k) => extra[k] !== undefined && extra[k] !== null && extra[k] !== false);
  if (ops.length === 0) return { problem: 'a recado to the board must say what to do', hint: HOW };
  if (ops.length > 1)
    return {
      problem: `one request per recado, this one says ${ops.join(' and ')}`,
      hint: 'send one recado per request',
    };
  const op = ops[0];
  if (op === 'next') return { request: { op, also: extra.also === true || extra.also === 'true' } };
  const v = extra[op];
  const id = typeof v === 'string' ? v.trim() : '';
  if (!isTicketId(id))
    return { problem: `${op}: ${JSON.stringify(v)} is not a ticket id`, hint: `write "${op}: T-4k9x"` };
  return { request: { op, id } };
}

/** The same request as CLI words (for logs and answers). */
export function requestWords(r: BoardRequest): string {
  return r.op === 'next' ? `next${r.also ? ' --also' : ''}` : `${r.op} ${r.id}`;
}

/** How to do the same things by file, said in every answer. */
export const BY_FILE = [
  'By file, drop a recado into your outbox with `to: board` and one of:',
  '  claim: ID   renew: ID   release: ID   close: ID   cancel: ID   next: true (also: true to hold more than one)',
  'The board answers each one with a recado like this.',
].join('\n');
