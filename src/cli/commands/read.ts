import type { Command } from 'commander';
import { read } from '../../ops/mail.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';
import { recadoDetail } from '../recado-format.js';

export function register(program: Command): Command {
  const cmd = program
    .command('read')
    .description('print one of your recados and mark it read (moves it from new/ to cur/)')
    .argument('<id>', 'recado id (see `board inbox`)');
  common(cmd, { as: true });
  return cmd.action(
    action(async (id: string, opts: CommonOptions) => {
      const agent = actorOf(opts);
      const board = openBoard(opts);
      const recado = read(board, agent, id);
      if (opts.json) printJson(recado);
      else for (const line of recadoDetail(recado)) println(line);
    }),
  );
}
