import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { renew } from '../../ops/tickets.js';
import { leaseOption, leaseText, offlineOption, printTicketResult } from '../claim-output.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';

interface Options extends CommonOptions {
  lease?: number;
  offline?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('renew')
    .description('extend your claim on a ticket by a new lease')
    .argument('<id>', 'ticket id');
  leaseOption(cmd);
  offlineOption(cmd);
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nOnly the holder can renew. A lease that already ran out is taken again if nobody else took\n' +
        'the ticket meanwhile (exit 4 otherwise, naming who holds it now).\n' +
        'Example: board renew T-4k9x --as alice --lease 1h',
    )
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const r = await renew(board, id, { actor, leaseMs: opts.lease, offline: opts.offline });
        printTicketResult(
          board,
          r.after,
          opts.json,
          `${r.renewal ? 'renewed' : 'claimed again'} ${id}: ${leaseText(r.after)}`,
          r.confirmation,
        );
      }),
    );
}
