/**
 * A private git index under `.board/run/` (GIT_INDEX_FILE). Board commits are built in it
 * with plumbing (read-tree, update-index, write-tree), so the user's own index
 * (`.git/index`, their staged work) is never read, written or locked by the board.
 * One file per use, removed afterwards, so two committers never share one.
 */
import { mkdirSync, rmSync } from 'node:fs';

import { uniqueName } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import type { GitRepo, TreeEntry } from './git.js';

export class TempIndex {
  readonly file: string;

  constructor(private readonly repo: GitRepo, board: Board) {
    mkdirSync(board.runDir, { recursive: true });
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
      const out = (await this.repo.run(['ls-files', '-s', '-z', '--full-name', '--', ...chunk], { env: this.env })).stdout.toString('utf8');
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
