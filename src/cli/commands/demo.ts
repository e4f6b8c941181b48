import type { Command } from 'commander';
import { action, type CommonOptions } from '../context.js';
import { printJson } from '../output.js';

interface Options extends CommonOptions {
  fast?: boolean;
  clean?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('demo')
    .description('a whole run in a temporary git repository: the watcher, three simulated agents, a three-wave plan')
    .option('--fast', "shorter pauses between the agents' steps")
    .option('--clean', 'remove the temporary folder at the end (default: keep it to look around)')
    .option('--json', 'print the commentary on stderr and a summary as JSON on stdout');
  return cmd
    .addHelpText(
      'after',
      '\nNeeds git. Runs the real `board` binary and `board watch`; every agent is a separate process in\n' +
        "its own git worktree. Ends with `board status` and `git log --format='%an %s' recado`.\n" +
        'Exit 0 when every ticket was closed. JSON summary: {ok, dir, repo, seconds, problems, plugins,\n' +
        'features, expected, tickets: [{id, status}], audit: {branch, commits: [{author, subject}]} | null, notified}.',
    )
    .action(
      action(async (opts: Options) => {
        const { runDemo } = await import('../../demo/run.js');
        const out = opts.json ? process.stderr : process.stdout;
        const r = await runDemo({ fast: opts.fast, clean: opts.clean, write: (line) => out.write(line + '\n') });
        if (opts.json) printJson(r);
        process.exitCode = r.ok ? 0 : 1;
      }),
    );
}
