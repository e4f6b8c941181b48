import type { Command } from 'commander';
import { showTicket } from '../../ops/tickets.js';
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
      const json = showTicket(board, id);
      if (opts.json) printJson(json);
      else for (const line of ticketDetail(json)) println(line);
    }),
  );
}
