/**
 * Running a program: the one spawn-with-timeout of the board. git, the commit-msg hook, a
 * watcher's `notify:` command and the demo's agents all run through it. It never throws and
 * never rejects: the result says how the program ended (exit code, signal, timed out, or could
 * not start), and each caller turns that into its own words.
 *
 * No shell is involved unless the caller runs one (`sh -c`). Output is kept in memory, up to a
 * cap per stream when the caller sets one.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface RunOptions {
  cwd?: string;
  /** The whole environment of the program (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written to the program's stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer;
  /** End the program after this long (default: never). */
  timeoutMs?: number;
  /**
   * On timeout, SIGTERM first and SIGKILL this long after (git removes its lock files on
   * SIGTERM); without it, SIGKILL at once.
   */
  killGraceMs?: number;
  /** Run the program in a process group of its own and end the whole group on timeout. */
  group?: boolean;
  /** Keep at most this many bytes of stdout / stderr (default: all). */
  maxStdout?: number;
  maxStderr?: number;
  /** Also keep stdout and stderr together, in the order they came (`all`). */
  all?: boolean;
  /** Told the pid once the program started, and again when it ended (to end leftovers at stop). */
  onStart?: (pid: number) => void;
  onEnd?: (pid: number) => void;
}

export interface RunResult {
  /** The exit code; null when the program was ended by a signal or did not start. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: Buffer;
  /** stdout and stderr in arrival order, when `all` was asked. */
  all: Buffer;
  timedOut: boolean;
  /** Set when the program could not be started (ENOENT: not installed, EACCES, ...). */
  error?: NodeJS.ErrnoException;
}

function collector(max: number | undefined) {
  const parts: Buffer[] = [];
  let size = 0;
  return {
    push(d: Buffer) {
      if (max !== undefined && size >= max) return;
      parts.push(d);
      size += d.length;
    },
    done: () => Buffer.concat(parts),
  };
}

export function run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const out = collector(opts.maxStdout);
    const err = collector(opts.maxStderr);
    const all = collector(opts.all ? undefined : 0);
    let timedOut = false;
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (code: number | null, signal: NodeJS.Signals | null, error?: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (settled) return;
      settled = true;
      if (child?.pid) opts.onEnd?.(child.pid);
      resolve({ code, signal, stdout: out.done(), stderr: err.done(), all: all.done(), timedOut, error });
    };

    let child: ChildProcess | undefined;
    try {
      child = spawn(file, args, {
        cwd: opts.cwd,
        env: opts.env ?? process.env,
        detached: opts.group === true,
        stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
    } catch (e) {
      finish(null, null, e as NodeJS.ErrnoException);
      return;
    }
    const proc = child;
    if (proc.pid) opts.onStart?.(proc.pid);

    const kill = (signal: NodeJS.Signals) => {
      if (opts.group && proc.pid) {
        try {
          process.kill(-proc.pid, signal);
          return;
        } catch {
          /* the group is gone: try the process itself */
        }
      }
      proc.kill(signal);
    };
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => {
        timedOut = true;
        if (opts.killGraceMs === undefined) {
          kill('SIGKILL');
        } else {
          kill('SIGTERM');
          setTimeout(() => kill('SIGKILL'), opts.killGraceMs).unref();
        }
      }, opts.timeoutMs);
    }

    proc.stdout?.on('data', (d: Buffer) => {
      out.push(d);
      all.push(d);
    });
    proc.stderr?.on('data', (d: Buffer) => {
      err.push(d);
      all.push(d);
    });
    proc.on('error', (e) => finish(null, null, e as NodeJS.ErrnoException));
    proc.on('close', (code, signal) => finish(code, signal));
    if (proc.stdin) {
      proc.stdin.on('error', () => {
        /* the program exited before reading all its input: its exit code says why */
      });
      proc.stdin.end(opts.input);
    }
  });
}
