/**
 * The board's private integration worktree (`<git common dir>/board-integrate/tree`, detached
 * HEAD: it holds no branch) and the journal beside it that lets a run killed mid-way be
 * finished or rolled back by the next one (see integrate.ts).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GitIdentity } from '../core/config.js';
import type { Strategy } from '../core/integrate.js';
import { writeAtomic } from '../store/atomic.js';
import { type GitRepo, runGit } from './git.js';
import { listWorktrees } from './worktree.js';

export interface Journal {
  ticket: string;
  old: string;
  /** The commit about to be published (set once it is made). */
  new?: string;
  record?: Record<string, unknown>;
  work?: Record<string, unknown>;
}

export type MergeResult = { kind: 'ok'; commit: string } | { kind: 'conflict'; files: string[]; message: string };

/** The board's private integration worktree and its journal. */
export function integrateDir(repo: GitRepo): { dir: string; tree: string; journal: string } {
  const dir = join(repo.commonDir, 'board-integrate');
  return { dir, tree: join(dir, 'tree'), journal: join(dir, 'journal.json') };
}

export class IntegrationTree {
  readonly paths: ReturnType<typeof integrateDir>;

  constructor(
    private readonly repo: GitRepo,
    private readonly tmpDir: string,
  ) {
    this.paths = integrateDir(repo);
  }

  private git(
    args: string[],
    opts: { okCodes?: number[]; env?: Record<string, string | undefined>; input?: string } = {},
  ) {
    return runGit(args, { cwd: this.paths.tree, ...opts });
  }

  /** The worktree exists and git knows it; returns true when it was (re)made. */
  async ensure(tip: string): Promise<boolean> {
    const { dir, tree } = this.paths;
    mkdirSync(dir, { recursive: true });
    const known = (await listWorktrees(this.repo.top)).some((w) => w.path === tree);
    if (known && existsSync(join(tree, '.git'))) return false;
    if (known || !existsSync(tree)) await this.repo.run(['worktree', 'prune']);
    rmSync(tree, { recursive: true, force: true }); // a folder of ours that git does not know
    await this.repo.run(['worktree', 'add', '--detach', '--quiet', '--no-checkout', tree, tip]);
    await this.git(['reset', '--hard', '--quiet', tip]);
    return true;
  }

  /** Make the tree exactly `tip` (drops any half-made merge). */
  async reset(tip: string): Promise<void> {
    await this.git(['merge', '--abort'], { okCodes: [1, 128] });
    await this.git(['reset', '--hard', '--quiet', tip]);
    await this.git(['clean', '-fdq']);
  }

  readJournal(): Journal | null {
    try {
      const j = JSON.parse(readFileSync(this.paths.journal, 'utf8')) as Journal;
      return typeof j?.ticket === 'string' && typeof j.old === 'string' ? j : null;
    } catch {
      return null;
    }
  }

  writeJournal(j: Journal | null): void {
    if (j === null) rmSync(this.paths.journal, { force: true });
    else writeAtomic(this.tmpDir, this.paths.journal, JSON.stringify(j), { fsync: false }); // a killed process loses nothing the kernel has; git does not fsync refs either
  }

  /**
   * Merge `head` into the tree (which is at `tip`): a --no-ff merge commit, or --squash and one
   * commit. A conflict is aborted and the tree put back at `tip`.
   */
  async merge(
    tip: string,
    head: string,
    strategy: Strategy,
    message: string,
    author: GitIdentity,
    committer: GitIdentity,
  ): Promise<MergeResult> {
    const env = {
      GIT_AUTHOR_NAME: author.name,
      GIT_AUTHOR_EMAIL: author.email,
      GIT_COMMITTER_NAME: committer.name,
      GIT_COMMITTER_EMAIL: committer.email,
    };
    const args =
      strategy === 'squash'
        ? ['merge', '--squash', '--no-verify', head]
        : ['merge', '--no-ff', '--no-verify', '--no-edit', '--no-gpg-sign', '-m', message, head];
    const r = await this.git(['-c', 'merge.conflictStyle=merge', ...args], { env, okCodes: [1, 128] });
    if (r.code !== 0) {
      const files = (await this.git(['diff', '--name-only', '-z', '--diff-filter=U'])).stdout
        .toString('utf8')
        .split('\0')
        .filter(Boolean);
      await this.reset(tip);
      return { kind: 'conflict', files, message: r.stderr || r.stdout.toString('utf8') };
    }
    if (strategy === 'squash') {
      const staged = await this.git(['diff', '--cached', '--quiet'], { okCodes: [1] });
      if (staged.code === 0) return { kind: 'ok', commit: tip }; // nothing new: the work is in already (under other commits)
      await this.git(['commit', '--no-verify', '--no-gpg-sign', '--quiet', '-F', '-'], { env, input: message });
    }
    return { kind: 'ok', commit: await this.head() };
  }

  /** The tree's HEAD commit: read from its (detached) HEAD file, else asked of git. */
  private async head(): Promise<string> {
    try {
      const dotGit = readFileSync(join(this.paths.tree, '.git'), 'utf8');
      const gitdir = /^gitdir: (.+)$/m.exec(dotGit)?.[1]?.trim();
      const text = gitdir ? readFileSync(join(resolve(this.paths.tree, gitdir), 'HEAD'), 'utf8').trim() : '';
      if (/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(text)) return text;
    } catch {
      /* not the usual layout: ask git */
    }
    return (await this.git(['rev-parse', 'HEAD'])).stdout.toString('utf8').trim();
  }
}
