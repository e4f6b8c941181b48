import { one } from '../format.js';
import type { Command } from 'commander';
import { checkAgentName } from '../../core/names.js';
import { allRecados, threadOf } from '../../store/mailbox.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { paint, printJson, println } from '../output.js';

export function register(program: Command): Command {
  const cmd = program
    .command('thread')
    .description('show a conversation: the recado, what it answers, and every reply (follows reply_to both ways)')
    .argument('<id>', 'any recado id of the conversation');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nWith --as NAME, "read" in the JSON is whether NAME has read it; without, whether every recipient has.',
    )
    .action(
      action(async (id: string, opts: CommonOptions) => {
        const as = opts.as ? checkAgentName(opts.as, '--as name') : undefined;
        const board = openBoard(opts);
        const all = allRecados(board);
        const thread = threadOf(all, id);
        const byId = new Map(thread.map((t) => [t.recado.id, t]));
        const list = thread.map((t) => ({
          ...t.recado,
          read: as ? t.copies.some((c) => c.agent === as && c.read) : t.copies.every((c) => c.read),
        }));
        if (opts.json) {
          printJson(list);
          return;
        }
        const depth = (r: (typeof list)[number]): number => {
          let d = 0;
          let cur = r.reply_to ? byId.get(r.reply_to) : undefined;
          while (cur && d < 50) {
            d++;
            cur = cur.recado.reply_to ? byId.get(cur.recado.reply_to) : undefined;
          }
          return d;
        };
        for (const r of list) {
          const pad = '  '.repeat(depth(r));
          const mark = r.id === id ? paint.yellow('>') : ' ';
          println(`${mark}${pad}${paint.bold(r.from)} → ${r.to.join(', ')}  ${paint.dim(r.sent)}  ${paint.dim(r.id)}`);
          println(`${' '}${pad}  ${paint.bold(one(r.subject))}`);
          for (const line of r.body.replace(/\n+$/, '').split('\n')) println(` ${pad}  ${line}`);
          println();
        }
      }),
    );
}
