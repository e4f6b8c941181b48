import type { Command } from 'commander';
import { conflict } from '../../core/errors.js';
import { checkTicketId } from '../../core/names.js';
import { afterTicketChange } from '../../store/events.js';
import { mutateTicket, loadBoard } from '../../store/tickets.js';
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
      const result = await mutateTicket(board, id, { actor }, (t, e) => {
        if (t.status !== 'done' && t.status !== 'cancelled') {
          throw conflict(`${id} is not closed (status ${t.status})`, { hint: 'only done or cancelled tickets can be reopened' });
        }
        e.set('status', 'todo');
        e.set('claim', undefined);
      });
      await afterTicketChange(board, result.before, result.after, actor);
      if (opts.json) printJson(loadBoard(board).json(result.after));
      else println(`reopened ${id}`);
    }),
  );
}
