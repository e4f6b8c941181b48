import type { Command } from 'commander';
import { parseDuration } from '../../core/duration.js';
import { notFound } from '../../core/errors.js';
import { terminalSafe } from '../../core/notify.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  timeout?: string;
}

export function register(program: Command): Command {
  const cmd = program
    .command('wait')
    .description(
      'block until a recado arrives for you or a ticket becomes ready for you; print it (one long call instead of polling)',
    )
    .option('--timeout <dur>', 'give up after this long: exit 3 (default: wait forever)');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      [
        '',
        'Returns at once when unread recados are waiting. Otherwise it watches your inbox and the',
        'tickets (no polling) and returns on the first new recado, or on a ticket that was not ready',
        'for you when it started and is now (what `board next` would claim). Nothing is marked read',
        'or claimed. Exit 0 with what arrived; 3 on timeout.',
        '--json: {recados: [recado...], tickets: [ticket...]} (the read and show shapes).',
      ].join('\n'),
    )
    .action(
      action(async (opts: Options) => {
        const agent = actorOf(opts);
        const board = openBoard(opts);
        const timeoutMs = opts.timeout ? parseDuration(opts.timeout, '--timeout') : null;
        const { waitFor } = await import('../../agents/wait.js');
        const got = await waitFor(board, agent, timeoutMs);
        if (!got)
          throw notFound(`nothing arrived for ${agent} within ${opts.timeout}`, {
            hint: 'run it again, or use a longer --timeout',
          });
        if (opts.json) return printJson(got);
        for (const r of got.recados)
          println(`recado ${r.id} from ${r.from}${r.ticket ? ` [${r.ticket}]` : ''}: ${terminalSafe(r.subject)}`);
        for (const t of got.tickets) println(`ticket ${t.id} is ready for you: ${terminalSafe(t.title)}`);
        if (got.recados.length) println(`read them: board inbox --as ${agent} (or board read ID --as ${agent})`);
        if (got.tickets.length) println(`take it: board next --as ${agent}`);
      }),
    );
}
