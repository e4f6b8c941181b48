import { resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { integrateSettings, oneLine } from '../../core/integrate.js';
import { checkAgentName } from '../../core/names.js';
import { loadConfig } from '../../store/config.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  wave?: boolean;
}

export function register(program: Command): Command {
  const cmd = program
    .command('update')
    .description('bring a worktree up to date with the integration branch (a merge into its branch; never a rebase)')
    .argument('[agents...]', "update these agents' worktrees (default: the worktree you are in)")
    .option('--wave', 'update the worktrees of every agent holding or assigned a ticket of the open wave');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nMerges the integration branch (board.yaml integrate.branch) into the branch checked out in the\n' +
        'worktree. A worktree with uncommitted changes is not touched (exit 4: commit first); a merge\n' +
        'that conflicts is aborted, nothing changes, and the files are listed (exit 4: run `git merge\n' +
        "integration` yourself and resolve). Named agents' worktrees are only merged when their own\n" +
        'branch board/NAME is checked out there; the main checkout is never merged into for them.\n' +
        'JSON: [{agent, worktree, result: updated|up_to_date|dirty|conflict|no_worktree|other_branch|\n' +
        'no_integration|error, commit?, files?, message?}].',
    )
    .action(
      action(async (agents: string[], opts: Options) => {
        for (const a of agents) checkAgentName(a, 'agent name');
        if (agents.length && opts.wave) throw usageError('give agent names or --wave, not both');
        const board = openBoard(opts);
        const { GitRepo } = await import('../../git/git.js');
        const { updateCheckout, updateWorktrees } = await import('../../git/integrate-update.js');
        let results;
        if (agents.length || opts.wave) {
          results = await updateWorktrees(board, { agents: agents.length ? agents : undefined, tell: false });
        } else {
          const here = await GitRepo.find(process.cwd());
          if (!here)
            throw usageError('not inside a git worktree', {
              hint: 'run it in your worktree, or name the agents: board update NAME',
            });
          const config = loadConfig(board);
          const main = await GitRepo.find(board.repo);
          if (!main || resolve(here.commonDir) !== resolve(main.commonDir))
            throw usageError("this worktree is not of the board's repository");
          if (resolve(here.top) === resolve(main.top)) {
            throw usageError("this is the main checkout: `board update` merges into agents' worktrees only", {
              hint: `to take the integrated code into your branch here, run \`git merge ${integrateSettings(config).branch}\` yourself; to update agents, name them or use --wave`,
            });
          }
          const tip = (await main.tip(`refs/heads/${integrateSettings(config).branch}`))?.commit ?? null;
          const actor = (() => {
            try {
              return actorOf(opts);
            } catch {
              return 'you';
            }
          })();
          results = [await updateCheckout(board, config, actor, here.top, tip, { tell: false })];
        }
        const bad = results.filter((r) => r.result === 'dirty' || r.result === 'conflict' || r.result === 'error');
        if (bad.length) process.exitCode = 4;
        if (opts.json) return printJson(results);
        if (!results.length) println('no worktree to update: no agent holds or is assigned a ticket of the open wave');
        for (const r of results) {
          const where = r.worktree ? ` (${oneLine(r.worktree, 200)})` : '';
          println(
            `${r.agent}${where}: ${r.result.replace('_', ' ')}${r.commit ? ` at ${r.commit.slice(0, 9)}` : ''}${r.message ? `: ${oneLine(r.message, 300)}` : ''}`,
          );
          for (const f of (r.files ?? []).slice(0, 20)) println(`  ${oneLine(f, 200)}`);
        }
      }),
    );
}
