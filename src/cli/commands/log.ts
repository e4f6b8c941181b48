import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { notFound, usageError } from '../../core/errors.js';
import { checkTicketId } from '../../core/names.js';
import { GitRepo } from '../../git/git.js';
import { boardLog, ticketLog } from '../../git/history.js';
import { loadConfig } from '../../store/config.js';
import { action, common, intOption, openBoard, type CommonOptions } from '../context.js';
import { paint, printJson, println } from '../output.js';

interface Options extends CommonOptions {
  limit?: number;
}

const when = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isNaN(t)
    ? iso
    : new Date(t)
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, 'Z');
};

export function register(program: Command): Command {
  const cmd = program
    .command('log')
    .description('history of a ticket (or of the whole board) from the git audit branch')
    .argument('[id]', 'ticket id (default: the whole board)')
    .option('--limit <n>', 'at most N entries, newest first (default 50)', intOption('--limit'));
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      "\nWho changed what and when, newest first. Ticket entries compare each version's front-matter with the one before it.",
    )
    .action(
      action(async (id: string | undefined, opts: Options) => {
        const limit = opts.limit ?? 50;
        if (limit < 1) throw usageError('--limit must be 1 or more');
        const board = openBoard(opts);
        if (id !== undefined) checkTicketId(id);
        const config = loadConfig(board);
        const repo = await GitRepo.find(board.repo);
        const prefix = repo?.relPath(board.root);
        if (!repo || !prefix)
          throw notFound(`${board.root} is not inside a git work tree: the board has no history`, {
            hint: 'run `git init` at the top of the repository; the watcher (or `board commit`) then records every change',
          });
        const ref = `refs/heads/${config.git.branch}`;
        const tip = await repo.tip(ref);

        if (id === undefined) {
          const entries = tip ? await boardLog(repo, prefix, ref, limit) : [];
          if (opts.json) return printJson(entries);
          if (!entries.length)
            return println(
              `no history yet: the audit branch ${config.git.branch} has no commits (start the watcher, or run \`board commit\`)`,
            );
          for (const e of entries) {
            println(`${paint.dim(e.commit.slice(0, 9))}  ${when(e.date)}  ${e.author.padEnd(12)}  ${e.subject}`);
            const lines = e.body.split('\n').filter((l) => l.trim());
            for (const l of lines.slice(0, 8)) println(`${' '.repeat(11)}${paint.dim(l)}`);
            if (lines.length > 8) println(`${' '.repeat(11)}${paint.dim(`... ${lines.length - 8} more`)}`);
          }
          return;
        }

        const entries = tip ? await ticketLog(repo, prefix, ref, id, limit) : [];
        if (!entries.length && !existsSync(board.ticketFile(id))) {
          throw notFound(`no ticket ${id}, and no history of one`, {
            hint: 'see `board list --all` for the tickets on this board',
          });
        }
        if (opts.json) return printJson(entries);
        if (!entries.length)
          return println(
            `no history yet for ${id}: its changes are not committed (start the watcher, or run \`board commit\`)`,
          );
        println(paint.bold(`${id}: ${entries.length} change${entries.length === 1 ? '' : 's'}, newest first`));
        for (const e of entries)
          println(`${when(e.date)}  ${e.author.padEnd(12)}  ${e.what}  ${paint.dim(e.commit.slice(0, 9))}`);
      }),
    );
}
