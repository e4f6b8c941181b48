import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { checkTicketId } from '../../core/names.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  to?: string;
  back?: boolean;
  note?: string;
  force?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('review')
    .description('hand a ticket to a reviewer (--to NAME), or send it back to its author (--back)')
    .argument('<id>', 'the ticket')
    .option('--to <name>', 'the reviewer: status review, assigned to them, your claim handed to them, they are told')
    .option('--back', 'as the reviewer: send it back to its author (status in_progress, the claim back to them)')
    .option('--note <text>', 'with --back: what to change (sent to the author)')
    .option('--force', 'people: act on a ticket someone else holds');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      [
        '',
        'The reviewer closes the ticket when it is good (board close ID: they hold the claim).',
        'Exit 4 when someone else holds the claim; 2 for a reviewer who is not an agent.',
        '--json: {id, status, assignee, claim, told: [names]}.',
      ].join('\n'),
    )
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        if (Boolean(opts.to) === Boolean(opts.back))
          throw usageError('say either --to NAME or --back', {
            hint: 'board review ID --to NAME, or (as the reviewer) board review ID --back --note TEXT',
          });
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const { sendBack, sendToReview } = await import('../../ops/review.js');
        const r = opts.to
          ? await sendToReview(board, id, opts.to, actor, { force: opts.force })
          : await sendBack(board, id, actor, opts.note ?? null, { force: opts.force });
        if (opts.json) return printJson(r);
        println(
          opts.to
            ? `${r.id} in review by ${r.assignee} (claim handed over${r.told.length ? `; told ${r.told.join(', ')}` : ''})`
            : `${r.id} back to ${r.claim ?? 'nobody'} (status ${r.status})`,
        );
      }),
    );
}
