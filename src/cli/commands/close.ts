import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { close, ticketJson } from '../../ops/tickets.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  force?: boolean;
  cancel?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('close')
    .description('mark a ticket done (or cancelled with --cancel) and end its claim')
    .argument('<id>', 'ticket id')
    .option('--cancel', 'close as cancelled instead of done (also resolves dependents)')
    .option('--force', 'close even though another agent holds the claim (for people)');
  common(cmd, { as: true });
  return cmd
    .addHelpText('after', '\nAllowed to the claim holder, or to anyone when the ticket is unclaimed or its lease ran out.\nA ticket cannot be done while one of its dependencies is open (exit 4).')
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const result = await close(board, id, { actor, cancel: opts.cancel, force: opts.force });
        const status = result.status;
        if (opts.json) printJson(ticketJson(board, result.after));
        else println(result.changed ? `closed ${id} (${status})` : `${id} was already ${status}`);
      }),
    );
}
