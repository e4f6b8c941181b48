import type { Command } from 'commander';
import { checkTicketId } from '../../core/names.js';
import { close, ticketJson } from '../../ops/tickets.js';
import { confirmationText, offlineOption } from '../claim-output.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  force?: boolean;
  offline?: boolean;
  cancel?: boolean;
  commits?: string;
}

export function register(program: Command): Command {
  const cmd = program
    .command('close')
    .description('mark a ticket done (or cancelled with --cancel) and end its claim')
    .argument('<id>', 'ticket id')
    .option('--cancel', 'close as cancelled instead of done (also resolves dependents)')
    .option('--force', 'close even though another agent holds the claim (for people)')
    .option(
      '--commits <range>',
      "record these commits as the ticket's work (A..B, or B: its commits not integrated yet) instead of the holder's branch",
    );
  offlineOption(cmd);
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nAllowed to the claim holder, or to anyone when the ticket is unclaimed or its lease ran out.\nA ticket cannot be done while one of its dependencies is open (exit 4).\n' +
        "Closing as done records the ticket's work (branch, commits) in its front-matter for `board integrate`:\n" +
        "the holder's branch board/NAME since their previous ticket, or --commits A..B (docs/integrate.md).",
    )
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const result = await close(board, id, {
          actor,
          cancel: opts.cancel,
          force: opts.force,
          offline: opts.offline,
          commits: opts.commits,
        });
        if (result.workError)
          process.stderr.write(
            `board: the work of ${id} could not be recorded (${result.workError}); \`board integrate\` will look for it again\n`,
          );
        const status = result.status;
        const shown = result.confirmation.mode !== 'local';
        if (opts.json)
          printJson(
            shown
              ? { ...ticketJson(board, result.after), confirmation: result.confirmation }
              : ticketJson(board, result.after),
          );
        else {
          println(
            (result.changed ? `closed ${id} (${status})` : `${id} was already ${status}`) +
              (shown ? ` ${confirmationText(result.confirmation)}` : ''),
          );
          const work = result.work;
          if (work) {
            println(
              work.commits
                ? `work: ${work.commits} commit${work.commits === 1 ? '' : 's'}${work.branch ? ` on ${work.branch}` : ''} (${work.head!.slice(0, 9)})`
                : `work: no commits found${work.branch ? ` on ${work.branch}` : ` (no branch board/${work.by})`}: nothing to integrate (record some with --commits A..B)`,
            );
          }
        }
      }),
    );
}
