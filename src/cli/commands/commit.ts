import type { Command } from 'commander';
import { notFound } from '../../core/errors.js';
import { checkAgentName } from '../../core/names.js';
import { AuditLog, type AuditResult } from '../../git/audit.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println, warn } from '../output.js';

interface Options extends CommonOptions {
  what?: string;
}

export function register(program: Command): Command {
  const cmd = program
    .command('commit')
    .description('commit board changes to the audit branch now (the watcher does this by itself)')
    .argument('[paths...]', 'only these board files or folders (absolute, or relative to .board/), as one batch')
    .option('--what <text>', 'with paths: the one-line description of the change (default: derived from the files)');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      [
        '',
        'Without paths: commits everything that differs between .board/ and the audit branch,',
        "one commit per author (a ticket's updated_by, the agent whose outbox or inbox it is,",
        'else --as / BOARD_AGENT, else "board").',
        'With paths: records them as changes made by --as and commits that batch, as the',
        'watcher does.',
        'Works even with git.autocommit: false. Never touches your branch, index or files.',
      ].join('\n'),
    )
    .action(
      action(async (paths: string[], opts: Options) => {
        const board = openBoard(opts);
        const audit = await AuditLog.open(board, { explicit: true, onEvent: () => undefined });
        if (!audit)
          throw notFound(`${board.root} is not inside a git work tree: there is no audit trail to commit to`, {
            hint: 'run `git init` at the top of the repository',
          });
        let result: AuditResult;
        if (paths.length) {
          const author = actorOf(opts);
          for (const p of paths) audit.record({ path: p, author, what: opts.what });
          result = await audit.flush();
        } else {
          const explicit = opts.as ?? process.env.BOARD_AGENT;
          result = await audit.commitAll({
            fallbackAuthor: explicit ? checkAgentName(explicit, '--as name') : 'board',
          });
        }
        if (!result.ok) throw result.failure!;
        for (const s of result.skipped) warn(`not recorded: ${s} (not a regular file, or over the size limit)`);
        if (opts.json) {
          printJson({ branch: audit.branch, ...result, failure: undefined });
        } else if (!result.commits.length) {
          println(`nothing to commit (audit branch ${audit.branch} is up to date)`);
        } else {
          for (const c of result.commits) println(`${c.commit.slice(0, 9)} ${c.author}: ${c.subject}`);
          println(`${result.commits.length} commit${result.commits.length === 1 ? '' : 's'} on ${audit.branch}`);
        }
      }),
    );
}
