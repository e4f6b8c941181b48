import type { Command } from 'commander';
import { notFound } from '../../core/errors.js';
import { checkAgentName } from '../../core/names.js';
import { action, common, intOption, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  lines?: number;
}

export function register(program: Command): Command {
  const cmd = program
    .command('peek')
    .description('print the last lines of an agent\'s screen (control characters stripped)')
    .argument('<name>', 'the agent')
    .option('--lines <n>', 'how many lines (default 30)', intOption('--lines'));
  common(cmd);
  return cmd
    .addHelpText('after', '\nExit 3 when the agent has no pane. --json: {agent, target, dead, lines: [..]}.')
    .action(
      action(async (name: string, opts: Options) => {
        const agent = checkAgentName(name);
        const board = openBoard(opts);
        const n = Math.min(Math.max(opts.lines ?? 30, 1), 10_000);
        const { livePane } = await import('../../agents/launch.js');
        const { tmuxOk } = await import('../../agents/tmux.js');
        const { terminalSafe } = await import('../../core/notify.js');
        const { pane } = livePane(board, agent);
        if (!pane) throw notFound(`${agent} has no tmux pane`, { hint: `start it: board up ${agent}` });
        const text = tmuxOk(['capture-pane', '-p', '-J', '-t', pane.pane, '-S', `-${n}`], `read ${agent}'s pane`);
        const lines = terminalSafe(text, { keepNewlines: true }).replace(/\s+$/, '').split('\n').slice(-n);
        if (opts.json) return printJson({ agent, target: pane.pane, dead: pane.dead, lines });
        for (const l of lines) println(l);
      }),
    );
}
