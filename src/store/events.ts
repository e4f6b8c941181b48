/**
 * What happens after the CLI changed a ticket, besides the write itself. Wave announcements
 * and other follow-ups plug in here so that every command that changes a ticket runs them.
 */
import type { Ticket } from '../core/ticket.js';
import type { Board } from './board.js';

export async function afterTicketChange(board: Board, before: Ticket, after: Ticket, actor: string): Promise<void> {
  void board;
  void before;
  void after;
  void actor;
}
