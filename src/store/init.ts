/**
 * Laying down a board: the skeleton from the package's `board/` folder, the templates, and
 * the working folders. Never overwrites what is there, so running it twice is harmless.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Board, BOARD_DIR_NAME } from './board.js';
import { packagePath } from './package.js';

export const BOARD_FOLDERS = ['tickets', 'outbox', 'inbox', 'rejected', 'templates', 'tmp', 'locks', 'run'];

export interface InitResult {
  board: Board;
  created: string[];
  existed: boolean;
}

function copyMissing(fromDir: string, toDir: string, created: string[], board: Board): void {
  for (const name of readdirSync(fromDir)) {
    const to = join(toDir, name);
    if (existsSync(to)) continue;
    copyFileSync(join(fromDir, name), to);
    created.push(board.rel(to));
  }
}

export function initBoard(repoDir: string): InitResult {
  const root = join(repoDir, BOARD_DIR_NAME);
  const board = new Board(root);
  const existed = existsSync(board.configFile);
  const created: string[] = [];
  mkdirSync(root, { recursive: true });
  for (const f of BOARD_FOLDERS) {
    const dir = join(root, f);
    if (!existsSync(dir)) {
      mkdirSync(dir, { recursive: true });
      created.push(board.rel(dir) + '/');
    }
  }
  copyMissing(packagePath('board'), root, created, board);
  copyMissing(packagePath('templates'), board.templatesDir, created, board);
  return { board, created, existed };
}
