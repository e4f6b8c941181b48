/**
 * Finding the board. Order: `--board DIR`, then `BOARD_DIR`, then a walk up from the
 * working directory. Inside a linked git worktree the walk starts from the same place in the
 * main worktree, so every worktree of a repository shares one board (a worktree's own
 * checked-out copy of `.board/` is never used). The worktree is recognised from its `.git`
 * file and the `commondir` git keeps for it, without spawning git.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { notFound } from '../core/errors.js';
import { Board, BOARD_DIR_NAME } from './board.js';

export interface LocateOptions {
  board?: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

const isBoardRoot = (dir: string) => existsSync(join(dir, 'board.yaml'));

/** The main worktree's top folder when `top` is a linked worktree, else undefined. */
export function mainWorktreeOf(top: string): string | undefined {
  let text: string;
  try {
    const st = statSync(join(top, '.git'));
    if (!st.isFile()) return undefined;
    text = readFileSync(join(top, '.git'), 'utf8');
  } catch {
    return undefined;
  }
  const m = /^gitdir:\s*(.+)$/m.exec(text);
  if (!m) return undefined;
  const gitdir = resolve(top, m[1].trim());
  let common: string;
  try {
    common = readFileSync(join(gitdir, 'commondir'), 'utf8').trim();
  } catch {
    return undefined; // a submodule, not a linked worktree
  }
  const commonDir = isAbsolute(common) ? common : resolve(gitdir, common);
  return dirname(commonDir);
}

/** The top folder of the git worktree holding `start` (the first folder up with a `.git`). */
export function gitTop(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

export function locateBoard(opts: LocateOptions = {}): Board {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const explicit = opts.board ?? env.BOARD_DIR;
  if (explicit) {
    const p = resolve(cwd, explicit);
    if (isBoardRoot(p)) return new Board(p);
    if (isBoardRoot(join(p, BOARD_DIR_NAME))) return new Board(join(p, BOARD_DIR_NAME));
    throw notFound(`no board at ${p}`, {
      hint: `run \`board init\` in the repository, or point --board / BOARD_DIR at a .board folder`,
    });
  }

  let start = cwd;
  const top = gitTop(cwd);
  if (top) {
    const main = mainWorktreeOf(top);
    if (main) {
      const mapped = join(main, relative(top, cwd));
      start = existsSync(mapped) ? mapped : main;
    }
  }
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, BOARD_DIR_NAME);
    if (isBoardRoot(candidate)) return new Board(candidate);
    if (dirname(dir) === dir) break;
  }
  throw notFound(`no board found from ${cwd}`, {
    hint: 'run `board init` at the top of your repository, or pass --board DIR (or set BOARD_DIR)',
  });
}
