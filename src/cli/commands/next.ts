import type { Command } from 'commander';
import { next } from '../../ops/tickets.js';
import { leaseOption, leaseText, offlineOption, printTicketResult } from '../claim-output.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';

interface Options extends CommonOptions {
  lease?: number;
  offline?: boolean;
  also?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('next')
    .description('claim the best ready ticket for you and print it (exit 3 when nothing is ready)');
  leaseOption(cmd);
  offlineOption(cmd);
  cmd.option('--also', 'claim another ticket even though you already hold one (by default `next` refuses, exit 4)');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nPicks among ready tickets assigned to you first, then unassigned ones (never ones assigned to\n' +
        'someone else); by priority (0 first), then age, then id. Concurrent `next` calls never get\n' +
        'the same ticket: a candidate taken meanwhile moves on to the next one.\n' +
        'Prints the ticket id and title (--json: the ticket). Example: board next --as alice',
    )
    .action(
      action(async (opts: Options) => {
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const r = await next(board, { actor, leaseMs: opts.lease, offline: opts.offline, also: opts.also });
        printTicketResult(
          board,
          r.after,
          opts.json,
          `${r.after.id}\t${r.after.title}\t(claimed: ${leaseText(r.after)})`,
          r.confirmation,
        );
      }),
    );
}
