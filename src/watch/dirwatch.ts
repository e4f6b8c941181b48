/**
 * One directory watch (fs.watch, an inotify watch on Linux) on a flat folder, reporting the
 * names of entries that changed. Used for tickets/ and inbox/NAME/new/, which can hold
 * thousands of files: chokidar would keep one watch per file and re-read (and stat) the
 * whole folder on every event. The caller reads only the file named in the event.
 *
 * If the folder goes away (or is replaced), `healthy()` says so and `start()` can be called
 * again; the caller then re-reads the folder once.
 */
import { watch, statSync, type FSWatcher } from 'node:fs';

export class DirWatch {
  private w: FSWatcher | null = null;
  private ino = -1;

  constructor(
    readonly dir: string,
    private readonly onName: (name: string | null) => void,
    private readonly onError: (e: Error) => void,
  ) {}

  /** Start watching; false when the folder does not exist (yet). */
  start(): boolean {
    this.close();
    try {
      this.ino = statSync(this.dir).ino;
      this.w = watch(this.dir, { persistent: true }, (_event, name) => this.onName(name ? String(name) : null));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw e;
    }
    this.w.on('error', (e) => {
      this.close();
      this.onError(e);
    });
    return true;
  }

  /** Still watching the folder that is there now? */
  healthy(): boolean {
    if (!this.w) return false;
    try {
      return statSync(this.dir).ino === this.ino;
    } catch {
      return false;
    }
  }

  get active(): boolean {
    return this.w !== null;
  }

  close(): void {
    if (this.w) {
      this.w.close();
      this.w = null;
    }
  }
}
