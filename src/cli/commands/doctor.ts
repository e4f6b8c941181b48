import type { Command } from 'commander';
import { runChecks } from '../doctor.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { paint, printJson, println } from '../output.js';

export function register(program: Command): Command {
  const cmd = program
    .command('doctor')
    .description('check every board file and report all problems (file, line, what to do)');
  common(cmd);
  return cmd
    .addHelpText('after', '\nExit 0 when the board is healthy (warnings allowed), 2 when any problem was found.')
    .action(
      action(async (opts: CommonOptions) => {
        const board = openBoard(opts);
        const findings = runChecks(board);
        const errors = findings.filter((f) => f.severity === 'error').length;
        if (opts.json) {
          printJson({ board: board.root, ok: errors === 0, problems: findings });
        } else {
          for (const f of findings) {
            const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : '';
            const msg = f.file && f.message.startsWith(`${f.file}: `) ? f.message.slice(f.file.length + 2) : f.message;
            println(`${f.severity === 'error' ? paint.red('error') : paint.yellow('warning')} ${where}${msg}`);
            if (f.hint) println(`  hint: ${f.hint}`);
          }
          println(errors === 0 ? `board ok (${board.root})` : `${errors} problem${errors === 1 ? '' : 's'} found`);
        }
        if (errors) process.exitCode = 2;
      }),
    );
}
