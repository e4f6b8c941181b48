import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { loadBoard, problemError, readTicket } from '../../store/tickets.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { ticketDetail } from '../format.js';
import { printJson, println } from '../output.js';

export function register(program: Command): Command {
  const cmd = program
    .command('show')
    .description('show one ticket: its fields, derived wave/ready/blocked_by, and body')
    .argument('<id>', 'ticket id');
  common(cmd);
  return cmd.action(
    action(async (id: string, opts: CommonOptions) => {
      const board = openBoard(opts);
      // the ticket itself is always read fresh; the rest of the board comes from the cache
      const file = readTicket(board, checkTicketId(id));
      if (file.problems.length) throw problemError(board.rel(board.ticketFile(id)), file.problems[0], file.parsed);
      const loaded = loadBoard(board);
      const json = loaded.json(file.ticket);
      if (opts.json) printJson(json);
      else for (const line of ticketDetail(json)) println(line);
    }),
  );
}
