import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { notFound } from '../../core/errors.js';
import { checkAgentName } from '../../core/names.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

export function register(program: Command): Command {
  const cmd = program
    .command('attach')
    .description("focus an agent's tmux window (attach to the board's session, or switch to it inside tmux)")
    .argument('<name>', 'the agent');
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      '\nExit 3 when the agent has no pane. --json: prints {agent, session, window, target, command} and does not attach.',
    )
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const agent = checkAgentName(name);
        const board = openBoard(opts);
        const { attachArgs, livePane } = await import('../../agents/launch.js');
        const { sessionName, tmux } = await import('../../agents/tmux.js');
        const { pane } = livePane(board, agent);
        if (!pane) throw notFound(`${agent} has no tmux pane`, { hint: `start it: board up ${agent}` });
        tmux(['select-window', '-t', pane.window]);
        const args = attachArgs(board, pane.window);
        if (opts.json)
          return printJson({
            agent,
            session: sessionName(board),
            window: pane.window,
            target: pane.pane,
            command: ['tmux', ...args],
          });
        if (!process.stdout.isTTY) {
          println(`tmux ${args.join(' ')}`);
          return;
        }
        const r = spawnSync('tmux', args, { stdio: 'inherit' });
        process.exitCode = r.status ?? 1;
      }),
    );
}
