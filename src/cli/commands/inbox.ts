import type { Command } from 'commander';
import { inbox } from '../../ops/mail.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println, warn } from '../output.js';
import { recadoTable } from '../recado-format.js';

interface Options extends CommonOptions {
  all?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('inbox')
    .description('list your unread recados (--all: read ones too), oldest first')
    .option('--all', 'include recados already read');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nRead one with `board read ID` (that marks it read). Files: .board/inbox/NAME/new/ (unread), cur/ (read).',
    )
    .action(
      action(async (opts: Options) => {
        const agent = actorOf(opts);
        const board = openBoard(opts);
        const { recados: list, broken } = inbox(board, agent, { all: opts.all });
        for (const b of broken) warn(b.message);
        if (opts.json) printJson(list);
        else if (list.length === 0) println(opts.all ? `no recados for ${agent}` : `no unread recados for ${agent}`);
        else for (const line of recadoTable(list, { mark: opts.all })) println(line);
      }),
    );
}
