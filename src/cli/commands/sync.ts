import { join } from 'node:path';
import type { Command } from 'commander';
import { BoardError, notFound } from '../../core/errors.js';
import { GitRepo } from '../../git/git.js';
import { syncBoard } from '../../git/sync.js';
import { Board, BOARD_DIR_NAME } from '../../store/board.js';
import { mainWorktreeOf } from '../../store/locate.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println } from '../output.js';

interface Options extends CommonOptions {
  remote?: string;
}

/** The board, or where it goes in a fresh clone (the top of the main worktree). */
async function boardOrPlace(opts: Options): Promise<Board> {
  try {
    return openBoard(opts);
  } catch (e) {
    if (!(e instanceof BoardError) || e.kind !== 'not_found' || opts.board || process.env.BOARD_DIR) throw e;
    const repo = await GitRepo.find(process.cwd());
    if (!repo)
      throw notFound('no board here, and not inside a git repository', {
        hint: 'clone the repository with git, then run `board sync` in it',
      });
    return new Board(join(mainWorktreeOf(repo.top) ?? repo.top, BOARD_DIR_NAME));
  }
}

export function register(program: Command): Command {
  const cmd = program
    .command('sync')
    .description('exchange the board with other clones: fetch, merge and push the audit branch, update .board/')
    .option('--remote <name>', 'the git remote to sync through (default: board.yaml git.remote, else origin)');
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      [
        '',
        "Commits local board changes, fetches the remote's audit branch, merges it with yours in a",
        'private index, pushes the result and writes the changed files into .board/. Your code',
        'branch, index and files outside .board/ are never touched. In a fresh clone it fetches',
        'the board and writes .board/ out. Tickets claimed on both sides while apart: the earliest',
        'claim wins and the other agent gets a recado. A sync killed at any moment is finished by the',
        'next one. See docs/sync.md (remote-confirmed claims, live sync) and docs/design/audit-sync.md.',
      ].join('\n'),
    )
    .action(
      action(async (opts: Options) => {
        const board = await boardOrPlace(opts);
        const r = await syncBoard(board, { remote: opts.remote, progress: opts.json ? undefined : (l) => println(l) });
        if (opts.json) return printJson(r);
        const where = `${r.remote}/${r.branch}`;
        switch (r.action) {
          case 'nothing':
            println(
              `nothing to sync: neither this clone nor ${r.remote} has a board history yet (run \`board commit\` first)`,
            );
            break;
          case 'up-to-date':
            println(`up to date with ${where}`);
            break;
          case 'pushed':
            println(`pushed ${r.branch} to ${where}`);
            break;
          case 'fast-forward':
            println(`updated from ${where}: ${r.written.length} file(s) written, ${r.deleted.length} removed`);
            break;
          case 'merged':
            println(
              `merged with ${where} and pushed: ${r.written.length} file(s) written, ${r.deleted.length} removed`,
            );
            break;
        }
        for (const rc of r.reconciled) {
          println(
            `${rc.ticket}: claimed on both sides; ${rc.winner.by} claimed first (${rc.winner.at}), undone: ${rc.losers.map((l) => `${l.by} (${l.at})`).join(', ')}`,
          );
        }
        if (r.notified.length) println(`told by recado: ${[...new Set(r.notified)].join(', ')}`);
        if (r.unreachable.length)
          println(`could not tell (no inbox on this board): ${[...new Set(r.unreachable)].join(', ')}`);
        for (const c of r.contested)
          println(`${c.ticket}: ${c.fields.join(', ')} changed on both sides; the later update was kept`);
        for (const s of r.setAside) println(`${s.path}: changed on both sides; the other version is in ${s.keptAs}`);
        if (r.kept.length) println(`changed here during the sync, kept and committed: ${r.kept.join(', ')}`);
        if (r.unpushed)
          println(`not pushed yet: the notices of this sync (${r.remote} moved); the next \`board sync\` pushes them`);
      }),
    );
}
