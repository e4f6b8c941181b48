import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { deleteTicket } from '../../store/delete.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  force?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('delete')
    .description(
      'delete a ticket (recorded in the audit trail; a ticket file deleted by hand is put back by the watcher)',
    )
    .argument('<id>', 'ticket id')
    .option('--force', 'delete even though another agent holds it or open tickets depend on it (for people)');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nRefused (exit 4) while someone else holds the ticket or open tickets depend on it.\nTo keep it in the history but out of the plan, prefer `board close ID --cancel`.',
    )
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const t = await deleteTicket(board, id, { actor, force: opts.force });
        if (opts.json) printJson({ id, deleted: true, by: actor, title: t.title });
        else println(`deleted ${id} (${t.title})`);
      }),
    );
}
