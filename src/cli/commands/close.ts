import type { Command } from 'commander';
import { activeClaim } from '../../core/claims.js';
import { conflict } from '../../core/errors.js';
import { checkTicketId } from '../../core/names.js';
import { afterTicketChange } from '../../store/events.js';
import { mutateTicket, loadBoard } from '../../store/tickets.js';
import { confirmed, confirmationText, offlineOption } from '../claim-output.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  force?: boolean;
  offline?: boolean;
  cancel?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('close')
    .description('mark a ticket done (or cancelled with --cancel) and end its claim')
    .argument('<id>', 'ticket id')
    .option('--cancel', 'close as cancelled instead of done (also resolves dependents)')
    .option('--force', 'close even though another agent holds the claim (for people)');
  offlineOption(cmd);
  common(cmd, { as: true });
  return cmd
    .addHelpText('after', '\nAllowed to the claim holder, or to anyone when the ticket is unclaimed or its lease ran out.\nA ticket cannot be done while one of its dependencies is open (exit 4).')
    .action(
      action(async (id: string, opts: Options) => {
        checkTicketId(id);
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const status = opts.cancel ? 'cancelled' : 'done';
        const now = new Date();
        const { value: result, confirmation } = await confirmed(board, actor, opts.offline, () => mutateTicket(board, id, { actor, now }, (t, e) => {
          const held = activeClaim(t, now);
          if (held && held.by !== actor && !opts.force) {
            throw conflict(`${id} is claimed by ${held.by} since ${held.at}`, {
              hint: `only ${held.by} can close it until ${held.expires}; people can use --force`,
              data: { holder: held.by, since: held.at, expires: held.expires },
            });
          }
          if (t.status === status && !t.claim) return false;
          e.set('status', status);
          e.set('claim', undefined);
        }), (r) => r);
        if (result.changed) await afterTicketChange(board, result.before, result.after, actor);
        const shown = confirmation.mode !== 'local';
        if (opts.json) printJson(shown ? { ...(loadBoard(board).json(result.after) as object), confirmation } : loadBoard(board).json(result.after));
        else println((result.changed ? `closed ${id} (${status})` : `${id} was already ${status}`) + (shown ? ` ${confirmationText(confirmation)}` : ''));
      }),
    );
}
