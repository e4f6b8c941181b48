/**
 * A derived cache of parsed board files in `.board/run/cache.json`, so commands that read
 * the whole board do not parse every file each time (YAML parsing is ~70 µs a ticket).
 *
 * Never trusted over the files: an entry is used only when the file's inode, size, mtime and
 * ctime (nanoseconds) all match what was cached. Like git's index, an entry for a file that
 * changed less than a second before the cache is saved is not stored ("racy" timestamps:
 * the kernel's clock ticks in milliseconds, so a second write in the same tick could look
 * unchanged). Losing or corrupting the cache only costs time: it is rebuilt.
 */
import { readFileSync, type BigIntStats } from 'node:fs';

import { writeAtomic } from './atomic.js';
import type { Board } from './board.js';

const VERSION = 1;
const RACY_NS = 1_000_000_000n;

interface Entry {
  k: string;
  v: unknown;
}

export function statKey(st: BigIntStats): string {
  return `${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
}

export class DerivedCache {
  private entries: Record<string, Entry>;
  private fresh: Record<string, Entry> = {};
  private dirty = false;
  private readonly file: string;

  private constructor(
    private readonly board: Board,
    entries: Record<string, Entry>,
  ) {
    this.entries = entries;
    this.file = board.run.cache;
  }

  static load(board: Board): DerivedCache {
    try {
      const parsed = JSON.parse(readFileSync(board.run.cache, 'utf8'));
      if (parsed && parsed.v === VERSION && typeof parsed.entries === 'object') {
        return new DerivedCache(board, parsed.entries);
      }
    } catch {
      /* missing or unreadable: start empty */
    }
    return new DerivedCache(board, {});
  }

  /** The cached value for `name` if the file still has the stat it had then. */
  get<T>(name: string, st: BigIntStats): T | undefined {
    const e = this.entries[name];
    const key = statKey(st);
    if (e && e.k === key) {
      this.fresh[name] = e;
      return e.v as T;
    }
    return undefined;
  }

  set(name: string, st: BigIntStats, value: unknown): void {
    const age = BigInt(Date.now()) * 1_000_000n - st.mtimeNs;
    const cage = BigInt(Date.now()) * 1_000_000n - st.ctimeNs;
    if (age < RACY_NS || cage < RACY_NS) return; // too recent to trust its timestamps later
    this.fresh[name] = { k: statKey(st), v: value };
    this.dirty = true;
  }

  /**
   * Save. After a full scan (`complete`), only the entries this process looked up or set are
   * kept, so removed files drop out; otherwise new entries are merged into the old ones.
   * Best effort: a board on a read-only disk still works, just slower.
   */
  save(complete: boolean): void {
    const next = complete ? this.fresh : { ...this.entries, ...this.fresh };
    if (!this.dirty && Object.keys(next).length === Object.keys(this.entries).length) return;
    try {
      writeAtomic(this.board.tmpDir, this.file, JSON.stringify({ v: VERSION, entries: next }), { fsync: false });
      this.entries = next;
      this.dirty = false;
    } catch {
      /* the cache is an optimisation only */
    }
  }
}
