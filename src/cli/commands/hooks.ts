import type { Command } from 'commander';
import { installPreCommit, uninstallPreCommit } from '../../git/hooks.js';
import { packagePath } from '../../store/package.js';
import { action, common, type CommonOptions } from '../context.js';
import { printJson, println, warn } from '../output.js';

interface InstallOptions extends CommonOptions {
  chain?: boolean;
}

export function register(program: Command): Command {
  const hooks = program
    .command('hooks')
    .description('install or remove the git pre-commit hook that refuses commits on reserved paths');
  const install = hooks
    .command('install')
    .description('add the pre-commit hook (shared by every worktree of the repository)')
    .option('--chain', 'keep an existing pre-commit hook and run it first');
  common(install);
  install
    .addHelpText(
      'after',
      '\nThe hook runs `board check-paths --staged` as BOARD_AGENT (else git config user.name) and\n' +
        "refuses the commit when a staged file is reserved by another agent's claimed ticket.\n" +
        'Bypass for one commit: git commit --no-verify. An existing hook is never overwritten:\n' +
        'without --chain the install is refused (exit 4) and the hook left as it is.',
    )
    .action(
      action(async (opts: InstallOptions) => {
        const r = installPreCommit(process.cwd(), {
          node: process.execPath,
          bin: packagePath('bin', 'board'),
          chain: opts.chain,
        });
        if (opts.json) {
          printJson({
            path: r.path,
            action: r.action,
            chained: r.chainedTo ?? null,
            hooks_path: r.place.hooksPath,
            per_worktree: r.place.perWorktree,
          });
          return;
        }
        println(`${r.action} the pre-commit hook: ${r.path}`);
        if (r.chainedTo) println(`it first runs the previous hook, kept as ${r.chainedTo}`);
        if (r.place.perWorktree) {
          warn(
            `core.hooksPath is relative (${r.place.hooksPath}): git reads it from each worktree's top, so other worktrees need their own copy (commit the hook, or run this in each)`,
          );
        }
        println(
          "commits that touch files reserved by another agent's claimed ticket are refused; bypass with git commit --no-verify",
        );
      }),
    );
  const uninstall = hooks
    .command('uninstall')
    .description("remove the board's pre-commit hook (a chained hook is put back)");
  common(uninstall);
  uninstall.action(
    action(async (opts: CommonOptions) => {
      const r = uninstallPreCommit(process.cwd());
      if (opts.json) printJson(r);
      else
        println(
          r.removed
            ? `removed ${r.path}${r.restored ? ' (the previous hook is back)' : ''}`
            : `no board pre-commit hook at ${r.path}; nothing removed`,
        );
    }),
  );
  return hooks;
}
