/**
 * THE rule for writing inside a board: never through a symbolic link. A link inside
 * `.board/` (a linked `inbox/ana/cur`, `tickets/`, `tmp/`, …) could lead anywhere on the
 * machine, so before the board creates, renames, links or removes a file under its root it
 * looks at every folder on the way down from the root (lstat, one per level) and refuses
 * when one is a symbolic link or not a folder: exit 2, naming the link. Folders it has to
 * create are created one level at a time, each checked, never with `mkdir -p` through a link.
 *
 * Every write path of the board calls `checkNoLink` (or `ensureDir`), so this is the only
 * place the rule is written down. Paths outside every known board root are not checked (the
 * board writes nothing there but git's own files).
 *
 * Limits: the board root itself (`.board`) and the folders above it are not checked (a board
 * may live behind a link on purpose), and a folder swapped for a link in the instant between
 * the check and the write is not caught (the check is not atomic with the write).
 */
import { lstatSync, mkdirSync, readlinkSync, type Stats } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { BoardError } from '../core/errors.js';

const roots: string[] = [];

/** Board roots whose insides the rule guards (every `Board` registers its own). */
export function registerBoardRoot(root: string): void {
  if (!roots.includes(root)) roots.push(root);
}

function rootOf(path: string): string | null {
  let best: string | null = null;
  for (const r of roots) if (path.startsWith(r + sep) && (!best || r.length > best.length)) best = r;
  return best;
}

/** A path for messages: relative to the folder that holds the board. */
function shown(root: string, p: string): string {
  const top = dirname(root);
  return p.startsWith(top + sep) ? p.slice(top.length + 1) : p;
}

/** The refusal: `path` cannot be written because `dir` (on its way) is a link or not a folder. */
export function linkRefusal(root: string, path: string, dir: string, st: Stats): BoardError {
  const link = shown(root, dir);
  if (st.isSymbolicLink()) {
    let to = '?';
    try {
      to = readlinkSync(dir);
    } catch {
      /* unreadable */
    }
    return new BoardError(
      'invalid',
      `refusing to write ${shown(root, path)}: ${link} is a symbolic link (to ${to}); the board never writes through a link`,
      {
        file: link,
        hint: `replace the link with a real folder (rm ${link} && mkdir ${link}); \`board doctor\` lists every link in the board`,
        data: { link, to, path: shown(root, path) },
      },
    );
  }
  return new BoardError('invalid', `refusing to write ${shown(root, path)}: ${link} is not a folder`, {
    file: link,
    hint: `move ${link} away; the board makes the folder again`,
    data: { link, path: shown(root, path) },
  });
}

/**
 * Refuse (exit 2) to write `path` when a folder between the board root and `path` is a
 * symbolic link or not a folder. `self`: `path` is a folder that must not be a link either.
 * A missing folder ends the walk (what is created below it is created by `ensureDir`).
 */
export function checkNoLink(path: string, opts: { self?: boolean } = {}): void {
  const root = rootOf(path);
  if (!root) return;
  const parts = path.slice(root.length + 1).split(sep);
  if (!opts.self) parts.pop();
  let dir = root;
  for (const part of parts) {
    dir = join(dir, part);
    let st: Stats;
    try {
      st = lstatSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw e;
    }
    if (!st.isDirectory()) throw linkRefusal(root, path, dir, st);
  }
}

/**
 * Make sure the folder `dir` exists as a real folder, creating what is missing one level at
 * a time, never through a link (exit 2 naming it). Outside a board: a plain `mkdir -p`.
 */
export function ensureDir(dir: string): void {
  const root = rootOf(dir);
  if (!root) {
    mkdirSync(dir, { recursive: true });
    return;
  }
  // the board root itself is not guarded (see the limits above); a fresh clone may not have it yet
  mkdirSync(root, { recursive: true });
  let at = root;
  for (const part of dir.slice(root.length + 1).split(sep)) {
    at = join(at, part);
    let st: Stats | undefined;
    try {
      st = lstatSync(at);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (!st) {
      try {
        mkdirSync(at);
        continue;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        st = lstatSync(at); // made by someone else meanwhile: look at what it is
      }
    }
    if (!st.isDirectory()) throw linkRefusal(root, dir, at, st);
  }
}
