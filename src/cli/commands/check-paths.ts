import { isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { normalizePath } from '../../core/globs.js';
import { stagedFiles } from '../../git/hooks.js';
import { checkPaths } from '../../store/claims.js';
import { gitTop } from '../../store/locate.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { eprintln, printJson, println } from '../output.js';

interface Options extends CommonOptions {
  staged?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('check-paths')
    .description("exit 4 when a file is reserved by another agent's claimed ticket (its locks: globs)")
    .argument('[files...]', 'files, relative to the current folder')
    .option('--staged', 'check the files staged for the next commit (what the pre-commit hook runs)');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nPaths are taken relative to the top of the current worktree, the way `locks:` globs are\n' +
        'written. Your own claims never block you. --json prints {ok, actor, checked, reserved:\n' +
        '[{file, ticket, holder, since, expires, pattern}]}.\n' +
        'Example: board check-paths src/auth/login.ts --as alice',
    )
    .action(
      action(async (files: string[], opts: Options) => {
        const actor = actorOf(opts);
        const board = openBoard(opts);
        const cwd = process.cwd();
        const top = gitTop(cwd) ?? board.repo;
        let paths: string[];
        if (opts.staged) {
          paths = [...stagedFiles(cwd), ...files.map((f) => relative(top, resolve(cwd, f)))];
        } else {
          if (!files.length)
            throw usageError('no files to check', { hint: 'give file paths, or --staged for the files staged in git' });
          paths = files.map((f) => relative(top, isAbsolute(f) ? f : resolve(cwd, f)));
        }
        const outside = paths.filter((p) => p.startsWith('..') || isAbsolute(p));
        const inside = [
          ...new Set(
            paths
              .filter((p) => !outside.includes(p))
              .map(normalizePath)
              .filter(Boolean),
          ),
        ];
        const reserved = checkPaths(board, inside, actor);
        if (opts.json) {
          printJson({ ok: reserved.length === 0, actor, checked: inside.length, outside, reserved });
        } else {
          for (const r of reserved) {
            eprintln(
              `board: ${r.file} is reserved by ${r.ticket}, claimed by ${r.holder} since ${r.since} (until ${r.expires}; pattern ${r.pattern})`,
            );
          }
          for (const p of outside) eprintln(`board: warning: ${p} is outside the repository; not checked`);
          if (!reserved.length && !opts.staged)
            println(
              `ok: ${inside.length} file${inside.length === 1 ? '' : 's'} checked, none reserved by another agent`,
            );
        }
        if (reserved.length) process.exitCode = 4;
      }),
    );
}
