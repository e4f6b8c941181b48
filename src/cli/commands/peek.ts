import type { Command } from 'commander';
import { action, common, intOption, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  lines?: number;
}

export function register(program: Command): Command {
  const cmd = program
    .command('peek')
    .description("print the last lines of an agent's screen (control characters stripped)")
    .argument('<name>', 'the agent')
    .option('--lines <n>', 'how many lines (default 30)', intOption('--lines'));
  common(cmd);
  return cmd
    .addHelpText('after', '\nExit 3 when the agent has no pane. --json: {agent, target, dead, lines: [..]}.')
    .action(
      action(async (name: string, opts: Options) => {
        const board = openBoard(opts);
        const { peekScreen } = await import('../../agents/peek.js');
        const { agent, target, dead, lines } = peekScreen(board, name, opts.lines ?? 30);
        if (opts.json) return printJson({ agent, target, dead, lines });
        for (const l of lines) println(l);
      }),
    );
}
