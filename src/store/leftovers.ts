/**
 * Leftovers of killed processes under `.board/locks/`, removed now and then by the watcher.
 *
 * Nothing here is needed for correctness: a proper-lockfile lock left by a killed process is
 * taken over by the next taker once it is 10 s old (lock.ts), and a version token left by a
 * killed writer is taken over once it is 10 s old, or dated in the future (cas.ts). What is
 * left behind is litter: lock folders of keys nobody locks again, tokens of versions long
 * replaced, empty token folders. This removes it without ever touching what a live process
 * may hold:
 *   - a lock folder is removed only when it has not been refreshed for an hour (a live holder
 *     refreshes it every 2 s), or is dated more than a minute in the future (a live holder
 *     dates it now: the clock was set back after its holder died);
 *   - tokens are removed only for versions that are no longer current (a holder of such a
 *     token can never write: its second look fails), and only when every token of that
 *     version is over a minute old; the tokens of the current version are left to cas.ts;
 *   - a token folder is removed when empty for an hour (a writer re-creates it).
 */
import { lstatSync, readdirSync, rmdirSync, rmSync, unlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isTicketId } from '../core/names.js';
import type { Board } from './board.js';
import { currentKey, TOKEN_STALE_MS } from './cas.js';
import { RESERVATION_LOCK } from './reserve.js';

export const LOCK_LEFTOVER_MS = 3_600_000;
const FUTURE_MS = 60_000;
const TOKEN_LITTER_MS = 6 * TOKEN_STALE_MS;

export interface PruneResult {
  locks: number;
  tokens: number;
  folders: number;
}

function mtime(path: string): number | null {
  try {
    return lstatSync(path).mtimeMs;
  } catch {
    return null;
  }
}

/** The key of the version a token folder guards now (null: none, e.g. the ticket is gone). */
function currentOf(board: Board, casName: string): string | null {
  const stem = casName.slice(0, -'.cas'.length);
  try {
    if (stem === RESERVATION_LOCK)
      return currentKey(join(board.locksDir, `${RESERVATION_LOCK}.gen`), `${RESERVATION_LOCK}.gen`);
    if (isTicketId(stem)) return currentKey(board.ticketFile(stem), stem);
  } catch {
    return '?'; // unreadable: treat every token as possibly current (leave them)
  }
  return '?';
}

export function pruneLocks(board: Board, now = Date.now()): PruneResult {
  const out: PruneResult = { locks: 0, tokens: 0, folders: 0 };
  let names: string[];
  try {
    names = readdirSync(board.locksDir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(board.locksDir, name);
    if (name.endsWith('.lock')) {
      const m = mtime(path);
      if (m !== null && (m < now - LOCK_LEFTOVER_MS || m > now + FUTURE_MS)) {
        try {
          rmdirSync(path);
          out.locks++;
        } catch {
          /* taken meanwhile, or not a folder */
        }
      }
      continue;
    }
    if (!name.endsWith('.cas')) continue;
    let tokens: string[];
    try {
      tokens = readdirSync(path);
    } catch {
      continue;
    }
    if (tokens.length) {
      const current = currentOf(board, name);
      if (current === '?') continue;
      const groups = new Map<string, string[]>();
      for (const t of tokens) {
        const key = t.replace(/~\d+$/, '');
        groups.set(key, [...(groups.get(key) ?? []), t]);
      }
      for (const [key, members] of groups) {
        if (key === current) continue;
        const old = members.every((t) => {
          const m = mtime(join(path, t));
          return m === null || m < now - TOKEN_LITTER_MS;
        });
        if (!old) continue;
        for (const t of members) {
          rmSync(join(path, t), { force: true });
          out.tokens++;
        }
      }
      continue;
    }
    const m = mtime(path);
    if (m !== null && m < now - LOCK_LEFTOVER_MS) {
      try {
        rmdirSync(path);
        out.folders++;
      } catch {
        /* a token appeared meanwhile */
      }
    }
  }
  return out;
}

/* ------------------------------------------------------------------ tmp/ ---- */

/** A staged file in tmp/ this old is nobody's, whatever its name says (a write takes milliseconds). */
export const TMP_LEFTOVER_MS = 3_600_000;

/** `<time>.<pid>_<counter>_<random>.<host>.tmp` (atomic.ts uniqueName) and spare/`<pid>-<n>` (watch/spares.ts). */
const STAGED = /^[0-9a-z]+\.(\d+)_[0-9a-z]+_[0-9a-f]+\.(.+)\.tmp$/;
const SPARE = /^(\d+)-[0-9a-z]+$/;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // it exists, it is someone else's
  }
}

/**
 * Remove what killed processes left in tmp/: a staged file (or a spare) whose process, on
 * this machine, is gone, and any staged file over an hour old (a live writer renames its file
 * within milliseconds). Files of live processes are never touched. Returns how many went.
 */
export function pruneTmp(board: Board, now = Date.now()): number {
  const host = hostname()
    .replace(/[^A-Za-z0-9-]/g, '_')
    .slice(0, 32);
  let n = 0;
  const sweep = (dir: string, pattern: RegExp, hostOf: (m: RegExpExecArray) => string | null) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = pattern.exec(name);
      if (!m) continue;
      const path = join(dir, name);
      const pid = Number(m[1]);
      const h = hostOf(m);
      const mine = h === null || h === host;
      const t = mtime(path);
      if (t === null) continue;
      const orphan = (mine && pid !== process.pid && !alive(pid)) || t < now - TMP_LEFTOVER_MS;
      if (!orphan) continue;
      try {
        if (!lstatSync(path).isFile()) continue;
        unlinkSync(path);
        n++;
      } catch {
        /* renamed by its writer meanwhile */
      }
    }
  };
  sweep(board.tmpDir, STAGED, (m) => m[2]);
  sweep(join(board.tmpDir, 'spare'), SPARE, () => null);
  return n;
}
