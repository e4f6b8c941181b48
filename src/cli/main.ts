/**
 * The `board` entry point. Start-up is kept small: only commander and the one command being
 * run are loaded; each command loads the parts of the board it needs when it runs.
 */
import type { Command } from 'commander';
import { packageVersion } from '../store/package.js';
import { setReporter } from '../store/report.js';
import { COMMANDS } from './commands.js';
import { reportError } from './output.js';

export async function main(argv: string[]): Promise<void> {
  // `board waves | head`: a reader that stops early is not an error
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  // what the store reports while it works: warnings always, long waits on a terminal only
  setReporter((r) => {
    if (r.kind === 'warning') process.stderr.write(`board: warning: ${r.message}\n`);
    else if (process.stderr.isTTY) process.stderr.write(`board: ${r.message}\n`);
  });
  if (process.env.BOARD_STATS === '1') {
    const { stats } = await import('../store/stats.js');
    process.on('exit', () => process.stderr.write(`board-stats ${JSON.stringify(stats)}\n`));
  }
  const { Command: CommandClass, CommanderError } = await import('commander');
  const program: Command = new CommandClass('board');
  program
    .description('recado: a filesystem mailbox and ticket board for agents and people sharing one repository')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({ sortSubcommands: false })
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 internal error, 2 usage or invalid input, 3 not found,\n4 conflict (claimed, reserved, locked, wave not open).\nRun `board <command> --help` for the options of a command.',
    )
    .exitOverride();

  const name = argv.find((a) => !a.startsWith('-'));
  const target = name === 'help' ? argv[argv.indexOf('help') + 1] : name;
  const entry = target ? COMMANDS.find((c) => c.name === target) : undefined;
  if (entry) {
    const mod = (await import(`./commands/${entry.file}.js`)) as { register(p: Command): Command };
    mod.register(program).exitOverride();
  } else {
    for (const c of COMMANDS) program.command(c.name).description(c.summary);
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') {
        process.exitCode = 0;
      } else {
        process.exitCode = 2;
      }
      return;
    }
    process.exitCode = reportError(e, argv.includes('--json'));
  }
}
