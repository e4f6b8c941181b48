/**
 * `board doctor` checks for the git side: board files kept out of code commits, and the
 * audit branch free to move. Synchronous (doctor's checks are), each git call bounded.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { DEFAULT_CONFIG } from '../core/config.js';
import type { Board } from '../store/board.js';
import { loadConfig } from '../store/config.js';
import type { Finding } from '../store/doctor.js';
import { gitEnv } from './git.js';

function gitSync(args: string[], cwd: string): string | undefined {
  const r = spawnSync('git', args, { cwd, env: gitEnv(), encoding: 'utf8', timeout: 10_000 });
  return r.status === 0 ? r.stdout : undefined;
}

export function checkGit(board: Board): Finding[] {
  const out = gitSync(['rev-parse', '--show-toplevel', '--git-common-dir'], board.repo);
  if (out === undefined) return []; // not in a git work tree (or no git): nothing to check
  const [top, common] = out.trim().split('\n');
  const commonDir = isAbsolute(common) ? common : resolve(board.repo, common);
  const rel = relative(top, board.root);
  if (!rel || rel.startsWith('..')) return [];
  const prefix = rel.split(sep).join('/');
  const findings: Finding[] = [];

  let exclude = '';
  try {
    exclude = readFileSync(join(commonDir, 'info', 'exclude'), 'utf8');
  } catch {
    /* none */
  }
  if (!exclude.split(/\r?\n/).some((l) => l.trim() === `/${prefix}/` || l.trim() === `/${prefix}`)) {
    findings.push({
      severity: 'warning',
      message: `/${prefix}/ is not in ${join(commonDir, 'info', 'exclude')}: board files show in \`git status\` and can be committed to code branches`,
      hint: "run `board init` again: it adds the line (the board's history belongs on the audit branch)",
    });
  }

  const tracked = gitSync(['ls-files', '-z', '--cached', '--', prefix], top);
  const n = tracked ? tracked.split('\0').filter(Boolean).length : 0;
  if (n) {
    findings.push({
      severity: 'warning',
      message: `${n} board file(s) are tracked on your code branch: checkouts and pulls rewrite them under the board, and code commits carry them`,
      hint: `stop tracking them (the files stay): git rm -r --cached ${prefix} && git commit -m "Keep the board on its audit branch"; see docs/design/audit-sync.md before other clones pull that`,
    });
  }

  let branch = DEFAULT_CONFIG.git.branch;
  try {
    branch = loadConfig(board).git.branch;
  } catch {
    /* reported by the config check */
  }
  const head = gitSync(['worktree', 'list', '--porcelain'], top) ?? '';
  const blocks = head.split('\n\n');
  for (const b of blocks) {
    if (b.includes(`\nbranch refs/heads/${branch}`)) {
      const where = /^worktree (.*)$/m.exec(b)?.[1] ?? '?';
      findings.push({
        severity: 'error',
        message: `the audit branch ${branch} is checked out in ${where}: board commits are refused while it is`,
        hint: 'check out another branch there (git switch -); read the audit trail with `board log`',
      });
    }
  }
  return findings;
}
