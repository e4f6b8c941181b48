import type { Command } from 'commander';
import { checkAgentName } from '../../core/names.js';
import { usageError } from '../../core/errors.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  code?: string;
  signal?: string;
}

/** `board hook exit`: tmux runs it when an agent's program exits (the pane-died hook `board up` sets). */
export function registerExit(hook: Command): void {
  const cmd = hook
    .command('exit')
    .description(
      "record that an agent's program exited (run by tmux for agents started by board up); reports and restarts it when it died",
    )
    .option('--code <n>', 'its exit status (empty when killed by a signal)')
    .option('--signal <s>', 'the signal that killed it (empty when it exited)');
  common(cmd, { as: true });
  cmd
    .addHelpText(
      'after',
      [
        '',
        'Exit 0 or a `board down`: state stopped. Anything else: state dead, a recado from the board',
        'to the person and the orchestrators, and with restart: on-failure the program is started',
        'again in its pane with a recovery prompt (its claims and unread recados), at most 3 times',
        'in 10 minutes. --json: {agent, state, restarted, reported}.',
      ].join('\n'),
    )
    .action(
      action(async (opts: Options) => {
        if (!opts.as) throw usageError('board hook exit needs --as NAME');
        const agent = checkAgentName(opts.as);
        const board = openBoard(opts);
        const num = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : null);
        const exit = {
          code: num(opts.code),
          signal: opts.signal && opts.signal.trim() ? opts.signal.trim().slice(0, 20) : null,
        };
        if (exit.code === null && exit.signal === null) exit.signal = 'unknown';
        const { loadConfig } = await import('../../store/config.js');
        const { onAgentExit } = await import('../../agents/launch.js');
        const r = await onAgentExit(board, loadConfig(board), agent, exit);
        if (opts.json) printJson({ agent, state: r.state.state, restarted: r.restarted, reported: r.reported });
        else println(`${agent}: ${r.state.state}${r.restarted ? ' (restarted)' : ''}`);
      }),
    );
}
