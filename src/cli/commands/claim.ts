import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { claim } from '../../ops/tickets.js';
import { leaseOption, leaseText, offlineOption, printTicketResult } from '../claim-output.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';

interface Options extends CommonOptions {
  lease?: number;
  offline?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('claim')
    .description('take a ticket: a lease in your name, status in_progress (exactly one of concurrent claimers wins)')
    .argument('<id>', 'ticket id');
  leaseOption(cmd);
  offlineOption(cmd);
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nExit 4 when someone else holds it (the message names who and since when), when it is done,\n' +
        'waits on dependencies, is in a wave that is not open, or its locks overlap those of a ticket\n' +
        'claimed by someone else. Claiming a ticket you hold renews it.\n' +
        'Example: board claim T-4k9x --as alice --lease 45m',
    )
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const r = await claim(board, id, { actor, leaseMs: opts.lease, offline: opts.offline });
        printTicketResult(
          board,
          r.after,
          opts.json,
          `${r.renewal ? 'renewed' : 'claimed'} ${id}: ${leaseText(r.after)}`,
          r.confirmation,
        );
      }),
    );
}
