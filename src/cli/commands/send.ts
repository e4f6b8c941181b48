import type { Command } from 'commander';
import { send } from '../../ops/mail.js';
import { action, actorOf, common, list, openBoard, type CommonOptions } from '../context.js';
import { eprintln, printJson, println } from '../output.js';
import { bodyText } from '../ticket-options.js';

interface Options extends CommonOptions {
  subject?: string;
  ticket?: string;
  replyTo?: string;
}

export function register(program: Command): Command {
  const cmd = program
    .command('send')
    .description('send a recado now (no watcher needed): to an agent, a list, "all" or "@role"')
    .argument('<to>', 'recipients, comma-separated: NAME, "all" (every other agent), "@ROLE"', (v: string) => list(v))
    .argument('<text>', 'the message ("-" reads standard input)')
    .option('--subject <line>', 'subject (default: the first line of the text)')
    .option('--ticket <id>', 'the ticket it is about')
    .option('--reply-to <id>', 'the recado it answers (keeps the thread: `board thread ID`)');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nExample: board send bob,@reviewers "API contract ready" --ticket T-4k9x --as alice\nPrints the new recado\'s id. An unknown recipient is refused (exit 3) and nothing is sent.',
    )
    .action(
      action(async (to: string[], text: string, opts: Options) => {
        const from = actorOf(opts);
        const board = openBoard(opts);
        const body = bodyText(text) ?? '';
        const r = send(board, { from, to, subject: opts.subject, body, ticket: opts.ticket, reply_to: opts.replyTo });
        if (opts.json) printJson({ ...r.recado, delivered: r.delivered });
        else println(r.id);
        if (!opts.json && process.stderr.isTTY) eprintln(`sent to ${r.delivered.join(', ')}`);
      }),
    );
}
