import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { release } from '../../ops/tickets.js';
import { offlineOption, printTicketResult } from '../claim-output.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';

interface Options extends CommonOptions {
  force?: boolean;
  offline?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('release')
    .description('give a ticket back: the claim ends and an in_progress ticket returns to todo')
    .argument('<id>', 'ticket id')
    .option('--force', 'release a claim held by someone else (for people)');
  offlineOption(cmd);
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nAllowed to the holder, and to anyone once the lease ran out. Releasing a ticket that is not\nclaimed changes nothing.\nExample: board release T-4k9x --as alice',
    )
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const r = await release(board, id, { actor, force: opts.force, offline: opts.offline });
        const by = r.before.claim ? ` (was held by ${r.before.claim.by})` : '';
        printTicketResult(
          board,
          r.after,
          opts.json,
          r.changed ? `released ${id}${by}; status ${r.after.status}` : `${id} was not claimed; nothing to release`,
          r.confirmation,
        );
      }),
    );
}
