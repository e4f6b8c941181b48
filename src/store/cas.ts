/**
 * Compare-and-swap for board files, on top of the lock.
 *
 * proper-lockfile can hand a lock to two processes at once (two takers of a stale lock), so
 * a write that must have exactly one winner does not rest on the lock alone. A writer that
 * read version V of a file may replace it only after it took V's *version token*: a file
 * `<dir>/<key of V>` created with O_EXCL, which exactly one process can create. Then it looks
 * at the file once more (still V?) and renames its new content into place.
 *
 * - The key of a version is the hash of its content plus the inode and nanosecond mtime of
 *   the file that held it, so a content that comes back later (claim, release, claim again
 *   in the same second) is a new version with a new key, not one that was already used.
 * - The token is removed once the write is done (the version is then gone for good: anyone
 *   still holding V fails the second look and reads again) or when the writer gives up.
 * - A token left by a writer killed between taking it and renaming (SIGKILL) would block V
 *   for ever; it counts as abandoned once it is older than TOKEN_STALE_MS (nobody holds a
 *   token that long: the writer already has its new content on disk when it takes it), and
 *   the next writer takes `<key>~1` (then `~2`, ...), again with O_EXCL, so even taking over
 *   an abandoned token has exactly one winner. Long holders (the reservation turn) keep their
 *   token fresh.
 */
import { createHash } from 'node:crypto';
import { readdirSync, rmSync, statSync, utimesSync, writeFileSync, type BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { readBoardFileStat } from './read.js';
import { checkNoLink, ensureDir } from './nolink.js';

export const TOKEN_STALE_MS = 10_000;
/**
 * A token dated this far in the future was not left by a live writer (they date their tokens
 * now): the clock was set back after its writer died. It counts as abandoned too, or it would
 * block its version for as long as the clock takes to catch up.
 */
export const TOKEN_FUTURE_MS = 60_000;

export interface FileVersion {
  raw: string;
  key: string;
}

export function versionKey(raw: string, st: BigIntStats): string {
  return `${createHash('sha256').update(raw).digest('hex').slice(0, 32)}.${st.ino}.${st.mtimeNs}`;
}

/** Read a file with the key of the version read. Throws not_found when it is missing. */
export function readVersion(path: string, display: string): FileVersion {
  const { text, stat } = readBoardFileStat(path, { display });
  return { raw: text, key: versionKey(text, stat) };
}

/** The key of the file's current version, or null when it is gone or unreadable. */
export function currentKey(path: string, display: string): string | null {
  try {
    return readVersion(path, display).key;
  } catch (e) {
    if ((e as { kind?: string }).kind === 'not_found') return null;
    throw e;
  }
}

const tokenName = (key: string, n: number) => (n === 0 ? key : `${key}~${n}`);

/**
 * Take the token of version `key` in `dir`. Returns the token's path, or null when another
 * writer holds it right now (read again in a moment).
 */
export function takeVersion(dir: string, key: string, now = Date.now()): string | null {
  for (let n = 0; n < 10_000; n++) {
    const path = join(dir, tokenName(key, n));
    for (let tries = 0; tries < 3; tries++) {
      checkNoLink(path);
      try {
        writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
        return path;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          ensureDir(dir);
          continue;
        }
        if (code !== 'EEXIST') throw e;
      }
      let age: number;
      try {
        age = now - statSync(path).mtimeMs;
      } catch {
        continue; // removed meanwhile (its writer finished): try this name again
      }
      if (age < TOKEN_STALE_MS && age > -TOKEN_FUTURE_MS) return null;
      break; // abandoned: the next name in the chain
    }
  }
  return null;
}

/** Give a token back without having written (another writer may take the version). */
export function dropToken(path: string): void {
  rmSync(path, { force: true });
}

/** After a successful write: the version is gone, remove its tokens (and abandoned ones). */
export function forgetVersion(dir: string, key: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const limit = Date.now() - 6 * TOKEN_STALE_MS;
  for (const name of names) {
    const p = join(dir, name);
    if (name === key || name.startsWith(`${key}~`)) {
      rmSync(p, { force: true });
      continue;
    }
    // tokens of versions long gone (abandoned by killed writers) are only litter
    try {
      if (statSync(p).mtimeMs < limit) rmSync(p, { force: true });
    } catch {
      /* gone */
    }
  }
}

/** Keep a token fresh while its holder works (so it is not taken for abandoned). */
export function keepFresh(path: string, everyMs = 2_000): () => void {
  const timer = setInterval(() => {
    const t = new Date();
    try {
      utimesSync(path, t, t);
    } catch {
      /* removed */
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Whether a token taken as `path` has been succeeded (someone took it for abandoned). */
export function superseded(path: string): boolean {
  const m = /^(.*?)(?:~(\d+))?$/.exec(path)!;
  const next = `${m[1]}~${Number(m[2] ?? 0) + 1}`;
  try {
    statSync(next);
    return true;
  } catch {
    return false;
  }
}
