/**
 * Atomic file writes, Maildir style: the content is written to a unique file in the board's
 * `tmp/` folder (same filesystem), flushed, and then moved into place in one step, so no
 * reader ever sees half a file. `rename` replaces the target; `link` refuses an existing one,
 * which is how a creation or a delivery that must happen once is made exactly-once.
 *
 * None of them writes through a symbolic link inside the board (store/nolink.ts): the folder
 * of the staged file and of the target are checked first, exit 2 naming the link.
 */
import { closeSync, constants, fsyncSync, linkSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { checkNoLink, ensureDir } from './nolink.js';

let counter = 0;
let host: string | undefined;

/** A name unique across processes and machines: time, pid, counter, random, host. */
export function uniqueName(suffix = ''): string {
  host ??= hostname()
    .replace(/[^A-Za-z0-9-]/g, '_')
    .slice(0, 32);
  const t = Date.now().toString(36);
  return `${t}.${process.pid}_${(counter++).toString(36)}_${randomBytes(4).toString('hex')}.${host}${suffix}`;
}

export interface WriteOptions {
  /** Flush to disk before the rename (survives power loss, not just a crash). Default true. */
  fsync?: boolean;
  mode?: number;
}

/**
 * Write all of `data` to the open file `fd`. A write() error (ENOSPC, EDQUOT, EIO) carries
 * no path: it is given `path`, so the message can say which file.
 */
export function writeAllSync(fd: number, data: string | Uint8Array, path: string): void {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  try {
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } catch (e) {
    if (e && typeof e === 'object' && !('path' in e)) (e as NodeJS.ErrnoException).path = path;
    throw e;
  }
}

/** Write `data` to a fresh file in `tmpDir` and return its path. */
export function stage(tmpDir: string, data: string | Uint8Array, opts: WriteOptions = {}): string {
  const tmp = join(tmpDir, uniqueName('.tmp'));
  checkNoLink(tmp);
  let fd: number;
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, opts.mode ?? 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    ensureDir(tmpDir);
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, opts.mode ?? 0o644);
  }
  try {
    writeAllSync(fd, data, tmp);
    if (opts.fsync !== false) fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    // write() errors (ENOSPC, EDQUOT, EIO) carry no path: name the file for the message
    if (e && typeof e === 'object' && !('path' in e)) (e as NodeJS.ErrnoException).path = tmp;
    throw e;
  }
  closeSync(fd);
  return tmp;
}

/** Replace (or create) `target` atomically. */
export function writeAtomic(tmpDir: string, target: string, data: string | Uint8Array, opts?: WriteOptions): void {
  checkNoLink(target);
  const tmp = stage(tmpDir, data, opts);
  try {
    renameSync(tmp, target);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
    throw e;
  }
}

/**
 * Create `target` atomically only if it does not exist yet. Returns false (and leaves the
 * existing file alone) when it does.
 */
export function createExclusive(
  tmpDir: string,
  target: string,
  data: string | Uint8Array,
  opts?: WriteOptions,
): boolean {
  checkNoLink(target);
  const tmp = stage(tmpDir, data, opts);
  try {
    linkSync(tmp, target);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      /* already gone */
    }
  }
}
