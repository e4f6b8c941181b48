/**
 * The git plumbing the audit trail and `board sync` share: commits built in a private index
 * and a branch moved by compare-and-swap.
 *
 *   read-tree (a tip's tree) → update-index (set/remove entries) → write-tree
 *     → commit-tree (author, committer, parents) → update-ref NEW OLD
 *
 * The private index is a file under `.board/run/` (GIT_INDEX_FILE), one per use, removed
 * afterwards, so the user's own index (`.git/index`, their staged work) is never read,
 * written or locked by the board, and two committers never share one.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GitIdentity } from '../core/config.js';
import { conflict } from '../core/errors.js';
import { uniqueName } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import type { GitRepo, TreeEntry } from './git.js';
import { ensureDir } from '../store/nolink.js';

export class TempIndex {
  readonly file: string;

  constructor(
    private readonly repo: GitRepo,
    board: Board,
  ) {
    ensureDir(board.runDir);
    this.file = board.run.gitIndex(uniqueName());
  }

  get env(): Record<string, string> {
    return { GIT_INDEX_FILE: this.file };
  }

  /** Start from a tree (or empty). */
  async readTree(tree: string | null): Promise<void> {
    await this.repo.run(tree ? ['read-tree', tree] : ['read-tree', '--empty'], { env: this.env });
  }

  /** Set entries (mode and blob id) and remove paths, in one update-index call. */
  async update(set: Map<string, TreeEntry>, remove: Iterable<string>): Promise<void> {
    const parts: string[] = [];
    for (const [path, e] of set) parts.push(`${e.mode} ${e.oid}\t${path}\0`);
    for (const path of remove) parts.push(`0 ${this.repo.zeroOid}\t${path}\0`);
    if (!parts.length) return;
    await this.repo.run(['update-index', '-z', '--index-info'], { env: this.env, input: parts.join('') });
  }

  /** Entries under the given paths (files or folders). */
  async list(paths: string[]): Promise<Map<string, TreeEntry>> {
    const map = new Map<string, TreeEntry>();
    for (let i = 0; i < paths.length; i += 500) {
      const chunk = paths.slice(i, i + 500);
      const out = (
        await this.repo.run(['ls-files', '-s', '-z', '--full-name', '--', ...chunk], { env: this.env })
      ).stdout.toString('utf8');
      for (const rec of out.split('\0')) {
        if (!rec) continue;
        const tab = rec.indexOf('\t');
        const [mode, oid] = rec.slice(0, tab).split(' ');
        map.set(rec.slice(tab + 1), { mode, oid });
      }
    }
    return map;
  }

  async writeTree(): Promise<string> {
    return this.repo.text(['write-tree'], { env: this.env });
  }

  dispose(): void {
    rmSync(this.file, { force: true });
    rmSync(`${this.file}.lock`, { force: true });
  }
}

/** A tree made from `base` (a tree or commit, or null: empty) with entries set and removed. */
export async function buildTree(
  repo: GitRepo,
  board: Board,
  base: string | null,
  set: Map<string, TreeEntry>,
  remove: Iterable<string> = [],
): Promise<string> {
  const idx = new TempIndex(repo, board);
  try {
    await idx.readTree(base);
    await idx.update(set, remove);
    return await idx.writeTree();
  } finally {
    idx.dispose();
  }
}

export interface CommitSpec {
  tree: string;
  parents: string[];
  message: string;
  author: GitIdentity;
  committer: GitIdentity;
  /** Author date (ms); default: now. */
  at?: number;
}

/** commit-tree: a commit object (never signed, never on any branch until moveRef). */
export async function commitTree(repo: GitRepo, c: CommitSpec): Promise<string> {
  const args = ['commit-tree', c.tree, ...c.parents.flatMap((p) => ['-p', p]), '--no-gpg-sign', '-F', '-'];
  return repo.text(args, {
    input: c.message,
    env: {
      GIT_AUTHOR_NAME: c.author.name,
      GIT_AUTHOR_EMAIL: c.author.email,
      ...(c.at !== undefined ? { GIT_AUTHOR_DATE: `${Math.floor(c.at / 1000)} +0000` } : {}),
      GIT_COMMITTER_NAME: c.committer.name,
      GIT_COMMITTER_EMAIL: c.committer.email,
    },
  });
}

/** Move `ref` to `commit` only if it is still at `expected`. False when it moved meanwhile. */
export async function moveRef(
  repo: GitRepo,
  ref: string,
  commit: string,
  expected: string | null,
  reason: string,
): Promise<boolean> {
  try {
    await repo.run(['update-ref', '-m', reason, ref, commit, expected ?? repo.zeroOid]);
    return true;
  } catch (e) {
    const now = await repo.tip(ref);
    if ((now?.commit ?? null) !== expected) return false;
    throw e;
  }
}

/**
 * Refuse to move the audit branch while it is checked out somewhere: that checkout's files
 * would change under it. Reads HEAD files directly (no git process).
 */
export function checkNotCheckedOut(repo: GitRepo, branch: string): void {
  const want = `ref: refs/heads/${branch}`;
  const heads: { head: string; where: string }[] = [
    { head: join(repo.commonDir, 'HEAD'), where: resolve(repo.commonDir, '..') },
  ];
  try {
    for (const w of readdirSync(join(repo.commonDir, 'worktrees'))) {
      let where = w;
      try {
        where = readFileSync(join(repo.commonDir, 'worktrees', w, 'gitdir'), 'utf8')
          .trim()
          .replace(/\/\.git$/, '');
      } catch {
        /* keep the name */
      }
      heads.push({ head: join(repo.commonDir, 'worktrees', w, 'HEAD'), where });
    }
  } catch {
    /* no linked worktrees */
  }
  for (const h of heads) {
    let text = '';
    try {
      text = readFileSync(h.head, 'utf8').trim();
    } catch {
      continue;
    }
    if (text === want) {
      throw conflict(
        `the audit branch ${branch} is checked out in ${h.where}; the board will not commit to it while it is`,
        {
          hint: `check out another branch there (git switch -), and read the audit trail with \`board log\` or \`git log ${branch}\``,
        },
      );
    }
  }
}

/** A file's text, or null when it cannot be read (absent, a folder, no permission). */
export function readText(abs: string): string | null {
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return null;
  }
}
