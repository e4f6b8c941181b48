/**
 * The one lock the board uses: proper-lockfile, with its lock folders under `.board/locks/`.
 *
 * proper-lockfile keeps a lock fresh by touching it every `update` ms and lets anyone take a
 * lock that has not been touched for `stale` ms (a holder killed with SIGKILL). That takeover
 * can hand the lock to two processes at once, so callers that need exactly one winner do not
 * rest on the lock alone: see the compare-and-swap in tickets.ts.
 */
import { lstatSync, rmdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { conflict } from '../core/errors.js';
import type { Board } from './board.js';
import { checkNoLink, ensureDir } from './nolink.js';
import { report } from './report.js';

const require = createRequire(import.meta.url);
type Lockfile = typeof import('proper-lockfile');
let lockfile: Lockfile | undefined;
const pl = (): Lockfile => (lockfile ??= require('proper-lockfile') as Lockfile);

export const LOCK_STALE_MS = 10_000;
export const LOCK_UPDATE_MS = 2_000;

export interface LockHandle {
  /** Set when the lock was lost while held (it went stale and was taken over). */
  compromised: Error | null;
}

/** A lock folder dated this far ahead was not left by a live holder (they date it now). */
export const LOCK_FUTURE_MS = 60_000;

/**
 * proper-lockfile judges a lock stale by its age, so a lock left by a killed holder and
 * dated in the future (the clock was set back since) would never be stale: remove it.
 */
function clearFutureLock(path: string): void {
  try {
    if (lstatSync(path).mtimeMs > Date.now() + LOCK_FUTURE_MS) rmdirSync(path);
  } catch {
    /* no lock there (the usual case), or taken meanwhile */
  }
}

/**
 * Run `fn` while holding the lock named `key` (e.g. `ticket-T-4k9x`). Waits for a held
 * lock (long enough to outlast a stale one left by a killed process), then gives up with
 * exit 4 naming the lock.
 */
export async function withLock<T>(
  board: Board,
  key: string,
  fn: (h: LockHandle) => Promise<T> | T,
  opts: { wait?: boolean } = {},
): Promise<T> {
  const target = join(board.locksDir, key);
  const handle: LockHandle = { compromised: null };
  const options = {
    realpath: false,
    lockfilePath: `${target}.lock`,
    stale: LOCK_STALE_MS,
    update: LOCK_UPDATE_MS,
    // wait: false refuses at once when the lock is held (exit 4), e.g. a second `board integrate`
    retries: opts.wait === false ? 0 : { retries: 400, factor: 1.3, minTimeout: 5, maxTimeout: 100, randomize: true },
    onCompromised: (err: Error) => {
      handle.compromised = err;
    },
  };
  checkNoLink(options.lockfilePath);
  clearFutureLock(options.lockfilePath);
  // a long wait (a lock left by a killed process lasts up to 10 s) is reported (the CLI says so on a terminal)
  const progress = setTimeout(
    () =>
      report({
        kind: 'waiting',
        message: `waiting for ${key} (held by another board process; a lock left by a killed process frees itself within 10 s)...`,
      }),
    1000,
  );
  progress.unref();
  let release: () => Promise<void>;
  try {
    release = await pl().lock(target, options);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      ensureDir(board.locksDir);
      release = await pl().lock(target, options);
    } else if (code === 'ELOCKED') {
      throw conflict(`${key} is locked by another board process`, {
        hint: 'try again in a moment; a lock left by a killed process frees itself within 10 s',
      });
    } else {
      throw e;
    }
  } finally {
    clearTimeout(progress);
  }
  try {
    return await fn(handle);
  } finally {
    await release().catch(() => undefined);
  }
}
