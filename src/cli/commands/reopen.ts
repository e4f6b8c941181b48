import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { reopen } from '../../ops/tickets.js';
import { loadBoard } from '../../store/tickets.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

export function register(program: Command): Command {
  const cmd = program
    .command('reopen')
    .description('put a done or cancelled ticket back to todo')
    .argument('<id>', 'ticket id');
  common(cmd, { as: true });
  return cmd.action(
    action(async (id: string, opts: CommonOptions) => {
      checkTicketId(id);
      const actor = actorOf(opts);
      const board = openBoard(opts);
      const result = await reopen(board, id, { actor });
      if (opts.json) printJson(loadBoard(board).json(result.after));
      else println(`reopened ${id}`);
    }),
  );
}
