import type { Command } from 'commander';
import { checkAgentName } from '../../core/names.js';
import { parseDuration } from '../../core/duration.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  release?: boolean;
  timeout?: string;
}

export function register(program: Command): Command {
  const cmd = program
    .command('down')
    .description('stop agents started by board up (interrupt, then by pid after a timeout) and close their windows')
    .argument('[names...]', 'the agents (default: every agent with a live state)')
    .option('--release', 'give their claims back as well (default: kept; leases run out as usual)')
    .option('--timeout <dur>', 'wait this long after each signal (SIGINT, SIGTERM) before the next', '5s');
  common(cmd);
  return cmd
    .addHelpText('after', '\nWorktrees and claims are kept. --json: {agents: [{agent, action, how, released}]}.')
    .action(
      action(async (names: string[], opts: Options) => {
        const board = openBoard(opts);
        const timeoutMs = parseDuration(opts.timeout ?? '5s', '--timeout');
        const { downAgent } = await import('../../agents/launch.js');
        const { readAllAgentStates } = await import('../../store/agent-state.js');
        const wanted = names.length
          ? names.map((n) => checkAgentName(n))
          : [...readAllAgentStates(board).keys()].sort();
        const rows = [];
        for (const name of wanted) rows.push(await downAgent(board, name, { timeoutMs, release: opts.release }));
        if (opts.json) return printJson({ agents: rows });
        for (const r of rows) {
          println(
            `${r.agent}: ${r.action}${r.how ? ` (${r.how})` : ''}${r.released.length ? `; released ${r.released.join(', ')}` : ''}`,
          );
        }
        if (!rows.length) println('no agents running');
      }),
    );
}
