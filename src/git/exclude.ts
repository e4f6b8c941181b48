/**
 * Keeping board files out of the user's code commits: `/.board/` goes into the repository's
 * `info/exclude` (in the common git dir, so every worktree shares it). `git status` stays
 * clean and `git add -A` never stages board files; the board's history lives on the audit
 * branch instead. Files the user already tracks are not affected by an exclude: they are
 * counted so `board init` can say how to stop tracking them.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Board } from '../store/board.js';
import { GitRepo } from './git.js';

export interface ExcludeResult {
  /** The exclude file (…/.git/info/exclude). */
  file: string;
  /** The pattern, e.g. "/.board/". */
  pattern: string;
  /** False when the pattern was already there. */
  added: boolean;
  /** Board files the user's index tracks (committed to their branch before). */
  tracked: number;
  /** The board folder relative to the repository top. */
  prefix: string;
}

export async function excludeBoardFromGit(board: Board): Promise<ExcludeResult | null> {
  const repo = await GitRepo.find(board.repo);
  const prefix = repo?.relPath(board.root);
  if (!repo || !prefix) return null;
  const file = join(repo.commonDir, 'info', 'exclude');
  const pattern = `/${prefix}/`;
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    /* no exclude file yet */
  }
  const added = !text.split(/\r?\n/).some((l) => l.trim() === pattern || l.trim() === `/${prefix}`);
  if (added) {
    mkdirSync(join(repo.commonDir, 'info'), { recursive: true });
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    writeFileSync(
      file,
      `${text}${sep}# recado board: its history is on the audit branch, not on code branches\n${pattern}\n`,
    );
  }
  const listed = await repo.text(['ls-files', '-z', '--cached', '--', prefix]);
  const tracked = listed ? listed.split('\0').filter(Boolean).length : 0;
  return { file, pattern, added, tracked, prefix };
}
