// Integrating 20 closed tickets of one wave with the built CLI (`board integrate`): total
// time, and the time per ticket beyond git's own work (the same 20 merges made with plain git
// in a worktree of the same repository, timed in the same run).
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { board, tempBoard } from './lib.mjs';

export const name = 'integrate';
export const title = 'board integrate: 20 closed tickets of one wave';

const N = 20;
const git = (args, cwd) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'b',
      GIT_AUTHOR_EMAIL: 'b@x',
      GIT_COMMITTER_NAME: 'b',
      GIT_COMMITTER_EMAIL: 'b@x',
    },
  }).trim();

export async function run() {
  const { dir, cleanup } = tempBoard();
  const scratch = join(dir, '.git', 'bench-scratch');
  try {
    writeFileSync(join(dir, 'README.md'), '# bench\n');
    for (let i = 0; i < 50; i++) writeFileSync(join(dir, `base-${i}.txt`), `base ${i}\n`);
    git(['add', '-A'], dir);
    git(['commit', '-qm', 'base'], dir);
    // each agent's branch: two commits on its own files
    git(['worktree', 'add', '-q', '--detach', scratch, 'main'], dir);
    const ids = [];
    for (let i = 1; i <= N; i++) {
      const agent = `agent${i}`;
      git(['checkout', '-q', '--detach', 'main'], scratch);
      writeFileSync(join(scratch, `work-${i}.txt`), `work ${i}\n`);
      git(['add', '.'], scratch);
      git(['commit', '-qm', `${agent} one`], scratch);
      writeFileSync(join(scratch, `work-${i}.txt`), `work ${i}, done\n`);
      git(['commit', '-qam', `${agent} two`], scratch);
      git(['branch', `board/${agent}`, 'HEAD'], scratch);
      const id = board(['new', `Ticket ${i}`, '--as', 'pat'], dir).stdout.trim();
      board(['close', id, '--as', agent, '--commits', `main..board/${agent}`], dir);
      ids.push(id);
    }

    const t0 = process.hrtime.bigint();
    const r = board(['integrate', '--json'], dir, { allowFail: true });
    const boardMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const report = JSON.parse(r.stdout);
    const integrated = report.tickets.filter((t) => t.result === 'integrated').length;

    // git alone: the same merges in a detached worktree
    git(['checkout', '-q', '--detach', 'main'], scratch);
    const g0 = process.hrtime.bigint();
    for (let i = 1; i <= N; i++)
      git(['merge', '-q', '--no-ff', '--no-edit', '-m', `merge ${i}`, `board/agent${i}`], scratch);
    git(['update-ref', 'refs/heads/bench-plain', 'HEAD'], scratch);
    const gitMs = Number(process.hrtime.bigint() - g0) / 1e6;

    // one trivial git process, timed in this run: the unit the board's own work is counted in
    // (per ticket the board adds three git processes and one ticket write to git's merge)
    const c0 = process.hrtime.bigint();
    for (let i = 0; i < 10; i++) git(['rev-parse', 'HEAD'], dir);
    const gitCallMs = Number(process.hrtime.bigint() - c0) / 1e6 / 10;

    const perTicket = boardMs / N;
    const beyondGit = (boardMs - gitMs) / N;
    return {
      figures: {
        tickets: N,
        integrated,
        total_ms: Math.round(boardMs),
        per_ticket_ms: Math.round(perTicket),
        git_only_total_ms: Math.round(gitMs),
        beyond_git_per_ticket_ms: Math.round(beyondGit),
        ratio_to_git: Math.round((boardMs / gitMs) * 100) / 100,
        one_git_process_ms: Math.round(gitCallMs),
        beyond_git_in_git_processes: Math.round((beyondGit / gitCallMs) * 10) / 10,
      },
      checks: [
        { what: 'every ticket integrated', value: integrated, limit: N, ok: integrated === N },
        {
          what: "board work per ticket beyond git's merge, in trivial git processes",
          value: Math.round((beyondGit / gitCallMs) * 10) / 10,
          limit: 8,
          ok: beyondGit / gitCallMs < 8,
        },
      ],
    };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    cleanup();
  }
}
