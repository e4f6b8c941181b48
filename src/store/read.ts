/**
 * Reading a board file defensively: never through a symlink (O_NOFOLLOW, so a link planted
 * in `.board/` cannot lead a read outside it), only regular files, at most 1 MiB, and no
 * binary content.
 */
import { isUtf8 } from 'node:buffer';
import { closeSync, constants, fstatSync, openSync, readSync, type BigIntStats, type Stats } from 'node:fs';
import { invalid, notFound } from '../core/errors.js';

export const MAX_FILE_BYTES = 1024 * 1024;

export interface ReadOptions {
  /** Path shown in messages. */
  display?: string;
  maxBytes?: number;
}

export function readBoardFile(path: string, opts: ReadOptions = {}): string {
  return readChecked(path, opts, false).text;
}

/**
 * The same, with the stat of the very file that was read (taken on the open descriptor, so
 * text and stat always belong to one version of the file even while it is being replaced).
 */
export function readBoardFileStat(
  path: string,
  opts: ReadOptions = {},
): { text: string; stat: BigIntStats; utf8: boolean } {
  return readChecked(path, opts, true) as { text: string; stat: BigIntStats; utf8: boolean };
}

/** The read itself; `bigint` stats (nanosecond times, for cache keys) cost more, so only on request. */
function readChecked(
  path: string,
  opts: ReadOptions,
  bigint: boolean,
): { text: string; stat: BigIntStats | Stats; utf8: boolean } {
  const display = opts.display ?? path;
  const max = opts.maxBytes ?? MAX_FILE_BYTES;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw notFound(`${display} does not exist`, { file: display });
    if (code === 'ELOOP') {
      throw invalid(`${display} is a symbolic link; the board does not follow links`, {
        file: display,
        hint: 'replace the link with a regular file',
      });
    }
    throw e;
  }
  try {
    const st = bigint ? fstatSync(fd, { bigint: true }) : fstatSync(fd);
    if (!st.isFile()) throw invalid(`${display} is not a regular file`, { file: display });
    const size = Number(st.size);
    if (size > max) {
      throw invalid(`${display} is ${size} bytes, over the limit of ${max} bytes`, {
        file: display,
        hint: 'split the content, or move large material into the repository and link to it',
      });
    }
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const n = readSync(fd, buf, off, size - off, off);
      if (n === 0) break;
      off += n;
    }
    const bytes = buf.subarray(0, off);
    if (bytes.includes(0)) {
      throw invalid(`${display} is a binary file (it contains NUL bytes)`, {
        file: display,
        hint: 'board files are Markdown text',
      });
    }
    // `utf8: false`: some bytes are not UTF-8 and read as U+FFFD; such a text must not be written back
    return { text: bytes.toString('utf8'), stat: st, utf8: isUtf8(bytes) };
  } finally {
    closeSync(fd);
  }
}
