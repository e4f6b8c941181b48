/**
 * Empty files made ahead of time, while the watcher is idle, for the stamped copies of
 * recados. Creating a file (a new inode) is by far the most expensive step of a delivery on
 * many file systems (0.4-3 ms on the bench machine, against ~25 µs for a rename or a link),
 * so the watcher makes them when nothing else is going on and a burst of recados costs no
 * file creation at all. A spare is written (truncated first), linked into the inboxes, then
 * its own name removed: it is used once. They live in .board/tmp/spare/ (git-ignored);
 * whatever is there at start-up is removed (a spare linked into an inbox before a crash
 * only loses its extra name).
 */
import { closeSync, constants, openSync, readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { checkNoLink, ensureDir } from '../store/nolink.js';

export class SparePool {
  private readonly free: string[] = [];
  private n = 0;

  constructor(
    readonly dir: string,
    readonly target = 1024,
  ) {}

  /** Remove what a previous watcher left. */
  reset(): void {
    try {
      ensureDir(this.dir);
    } catch {
      return; // tmp/ is a link (or the disk refuses): no spares; deliveries say why
    }
    for (const name of readdirSync(this.dir)) {
      try {
        unlinkSync(join(this.dir, name));
      } catch {
        /* gone */
      }
    }
  }

  /** An empty file that is now the caller's, or null when none is ready. */
  take(): string | null {
    return this.free.pop() ?? null;
  }

  get size(): number {
    return this.free.length;
  }

  /** Make spares for at most `budgetMs`; true when more are wanted. */
  fill(budgetMs = 4): boolean {
    const end = performance.now() + budgetMs;
    try {
      checkNoLink(this.dir, { self: true });
    } catch {
      return false; // tmp/ is a link: no spares (deliveries refuse it too)
    }
    while (this.free.length < this.target && performance.now() < end) {
      const p = join(this.dir, `${process.pid}-${(this.n++).toString(36)}`);
      try {
        closeSync(openSync(p, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644));
        this.free.push(p);
      } catch {
        return false; // disk full, folder gone: stop quietly, deliveries create files as needed
      }
    }
    return this.free.length < this.target;
  }
}
