/** What claim, renew, release and next share: the --lease option and how a claim is shown. */
import type { Command } from 'commander';
import { leaseLeft } from '../core/claims.js';
import { formatDuration, parseDuration } from '../core/duration.js';
import type { Ticket } from '../core/ticket.js';
import type { Confirmation } from '../git/remote.js';
import type { Board } from '../store/board.js';
import { loadBoard } from '../store/tickets.js';
import { printJson, println } from './output.js';

export function leaseOption(cmd: Command): Command {
  return cmd.option(
    '--lease <duration>',
    'lease length: seconds ("90") or a duration (90s, 30m, 2h); default: lease in board.yaml (30m)',
    (v: string) => parseDuration(v, '--lease'),
  );
}

/** The ticket as JSON (the ticket shape), or one human line. With a remote confirmation: `confirmation` in JSON, a note on the line. */
export function printTicketResult(
  board: Board,
  t: Ticket,
  json: boolean | undefined,
  line: string,
  confirmation?: Confirmation,
): void {
  const shown = confirmation && confirmation.mode !== 'local';
  if (json) printJson(shown ? { ...(loadBoard(board).json(t) as object), confirmation } : loadBoard(board).json(t));
  else println(shown ? `${line} ${confirmationText(confirmation!)}` : line);
}

/** --offline, for the operations `sync.claims: remote` confirms through the git remote. */
export function offlineOption(cmd: Command): Command {
  return cmd.option(
    '--offline',
    'with sync.claims: remote, decide on this clone only (unconfirmed; reconciled at the next board sync)',
  );
}

export function confirmationText(c: Confirmation): string {
  if (c.mode === 'offline')
    return '(unconfirmed: decided offline on this clone; the next board sync reconciles it, the earliest claim wins)';
  return `(confirmed by ${c.remote}${c.retries ? ` after ${c.retries} other clone(s) moved first` : ''})`;
}

/** "alice until 10:30:00Z (29m59s left)" */
export function leaseText(t: Ticket, now = new Date()): string {
  if (!t.claim) return 'no claim';
  return `${t.claim.by} until ${t.claim.expires} (${formatDuration(Math.max(0, leaseLeft(t.claim, now)))} left)`;
}
