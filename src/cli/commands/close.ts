import type { Command } from 'commander';
import { activeClaim } from '../../core/claims.js';
import { BoardError, conflict, usageError } from '../../core/errors.js';
import { workValue, type TicketWork } from '../../core/integrate.js';
import { checkTicketId } from '../../core/names.js';
import { afterTicketChange } from '../../store/events.js';
import { loadConfig } from '../../store/config.js';
import { mutateTicket, loadBoard, readTicket } from '../../store/tickets.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  force?: boolean;
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
    .option('--commits <range>', 'record these commits as the ticket\'s work (A..B, or B: its commits not integrated yet) instead of the holder\'s branch');
  common(cmd, { as: true });
  return cmd
    .addHelpText('after', '\nAllowed to the claim holder, or to anyone when the ticket is unclaimed or its lease ran out.\nA ticket cannot be done while one of its dependencies is open (exit 4).\n' +
      'Closing as done records the ticket\'s work (branch, commits) in its front-matter for `board integrate`:\n' +
      'the holder\'s branch board/NAME since their previous ticket, or --commits A..B.')
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const status = opts.cancel ? 'cancelled' : 'done';
        const now = new Date();
        if (opts.commits !== undefined && opts.cancel) throw usageError('--commits records the work of a ticket closed as done; not with --cancel');
        const work = status === 'done' ? await recordWork(board, id, actor, opts.commits) : null;
        const result = await mutateTicket(board, id, { actor, now }, (t, e) => {
          const held = activeClaim(t, now);
          if (held && held.by !== actor && !opts.force) {
            throw conflict(`${id} is claimed by ${held.by} since ${held.at}`, {
              hint: `only ${held.by} can close it until ${held.expires}; people can use --force`,
              data: { holder: held.by, since: held.at, expires: held.expires },
            });
          }
          if (t.status === status && !t.claim && !(work && opts.commits !== undefined)) return false;
          e.set('status', status);
          e.set('claim', undefined);
          if (work && (t.status !== 'done' || opts.commits !== undefined)) {
            e.set('work', workValue(work));
            if (opts.commits !== undefined) e.set('integrate', undefined); // new work: integrate it again
          }
        });
        if (result.changed) await afterTicketChange(board, result.before, result.after, actor);
        if (opts.json) printJson(loadBoard(board).json(result.after));
        else {
          println(result.changed ? `closed ${id} (${status})` : `${id} was already ${status}`);
          if (result.changed && work) {
            println(work.commits
              ? `work: ${work.commits} commit${work.commits === 1 ? '' : 's'}${work.branch ? ` on ${work.branch}` : ''} (${work.head!.slice(0, 9)})`
              : `work: no commits found${work.branch ? ` on ${work.branch}` : ` (no branch board/${work.by})`}: nothing to integrate (record some with --commits A..B)`);
          }
        }
      }),
    );
}

/** The work a close records; a git failure does not stop the close (it is said, and `board integrate` looks again). */
async function recordWork(board: ReturnType<typeof openBoard>, id: string, actor: string, commits: string | undefined): Promise<TicketWork | null> {
  const peek = readTicket(board, id).ticket;
  const by = peek.claim?.by ?? actor;
  const { findWorkFor } = await import('../../git/integrate-work.js');
  try {
    return await findWorkFor(board, loadConfig(board), { by, commits, ticketId: id });
  } catch (e) {
    if (commits !== undefined || (e instanceof BoardError && e.kind === 'invalid')) throw e;
    process.stderr.write(`board: the work of ${id} could not be recorded (${String((e as Error)?.message ?? e).split('\n')[0]}); \`board integrate\` will look for it again\n`);
    return null;
  }
}
