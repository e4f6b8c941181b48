/**
 * One watcher per board, in the foreground or detached, and stopping it.
 *
 * SINGLE INSTANCE: the watcher listens on a local socket whose address is derived from the
 * board's real path. On Linux it is an abstract socket (no file): the kernel releases it when
 * the process ends in any way, SIGKILL included, and only one process can hold it, so there
 * is no stale lock to judge and no race between two starters. Elsewhere it is a socket file
 * in .board/run/ (or the temp folder when that path is too long); a file left by a killed
 * watcher is recognised because nobody answers on it, and is replaced.
 * A second watcher connects to the socket, is told the first one's pid and start time, and
 * exits with code 4. `board watch --stop` asks the same way, then sends SIGTERM to that pid.
 *
 * `.board/run/watcher.pid` (pid) and `.board/run/watcher.json` (state, for `board status`)
 * are written for people and other commands; neither is used to decide who runs.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { conflict, BoardError } from '../core/errors.js';
import type { Board } from '../store/board.js';
import { packagePath } from '../store/package.js';
import { watcherStateFile, type WatcherState } from './state.js';

export interface InstanceInfo {
  pid: number;
  started: string;
  board: string;
  state: string;
}

export function instanceAddress(board: Board): string {
  let real = board.root;
  try {
    real = realpathSync(board.root);
  } catch {
    /* use as given */
  }
  const h = createHash('sha256').update(real).digest('hex').slice(0, 32);
  if (process.platform === 'linux') return `\0recado-watch-${h}`;
  const p = board.run.watcherSocket;
  return p.length < 100 ? p : join(tmpdir(), `recado-${h}.sock`);
}

export const pidFile = (board: Board) => board.run.watcherPid;
export const logFile = (board: Board) => board.run.watcherLog;

/** Ask the running watcher who it is; null when none runs. */
export function queryInstance(board: Board, timeoutMs = 2000): Promise<InstanceInfo | null> {
  return new Promise((resolve) => {
    const sock = net.connect(instanceAddress(board));
    let buf = '';
    let done = false;
    const finish = (v: InstanceInfo | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(
      () => finish({ pid: 0, started: '?', board: board.root, state: 'not answering' }),
      timeoutMs,
    );
    sock.setEncoding('utf8');
    sock.on('data', (d) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        try {
          finish(JSON.parse(buf.slice(0, nl)) as InstanceInfo);
        } catch {
          finish({ pid: 0, started: '?', board: board.root, state: 'unknown' });
        }
      }
    });
    sock.on('end', () => finish(buf ? (safeParse(buf) ?? null) : null));
    sock.on('error', () => finish(null)); // ECONNREFUSED / ENOENT: nobody there
  });
}

function safeParse(s: string): InstanceInfo | undefined {
  try {
    return JSON.parse(s) as InstanceInfo;
  } catch {
    return undefined;
  }
}

export interface Instance {
  release(): Promise<void>;
}

function listen(server: net.Server, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(address);
  });
}

/** Become the board's watcher, or learn who is. `info` is what a second watcher is told. */
export async function acquireInstance(
  board: Board,
  info: () => InstanceInfo,
): Promise<{ instance: Instance } | { running: InstanceInfo }> {
  const address = instanceAddress(board);
  const server = net.createServer((sock) => {
    sock.on('error', () => undefined);
    sock.end(JSON.stringify(info()) + '\n');
  });
  server.on('error', () => undefined);
  let bound = false;
  for (let attempt = 0; attempt < 3 && !bound; attempt++) {
    try {
      await listen(server, address);
      bound = true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      const running = await queryInstance(board);
      if (running) return { running };
      // nobody answers: a socket file left by a killed watcher (or the holder just exited)
      if (!address.startsWith('\0'))
        try {
          unlinkSync(address);
        } catch {
          /* gone */
        }
    }
  }
  if (!bound) return { running: { pid: 0, started: '?', board: board.root, state: 'unknown' } };
  server.unref();
  writeFileSync(pidFile(board), `${process.pid}\n`);
  return {
    instance: {
      release: async () => {
        await new Promise<void>((r) => server.close(() => r()));
        try {
          if (readFileSync(pidFile(board), 'utf8').trim() === String(process.pid)) unlinkSync(pidFile(board));
        } catch {
          /* gone */
        }
      },
    },
  };
}

export function alreadyRunning(info: InstanceInfo): BoardError {
  const who = info.pid ? `pid ${info.pid}, since ${info.started}` : `it is ${info.state}`;
  return conflict(`a watcher is already running for this board (${who})`, {
    hint: 'only one watcher runs per board; stop it with `board watch --stop`',
    data: { ...info },
  });
}

/** Is `pid` a running process? (A zombie, ended but not yet reaped by its parent, is not.) */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LOG_ROTATE_BYTES = 10 * 1024 * 1024;

/**
 * Start `board watch` in the background (its own session, output appended to
 * .board/run/watcher.log) and wait until it has caught up. Exit 4 when one runs already.
 */
export async function startDetached(
  board: Board,
  args: string[],
  timeoutMs = 30_000,
): Promise<{ pid: number; log: string }> {
  const running = await queryInstance(board);
  if (running) throw alreadyRunning(running);
  const log = logFile(board);
  try {
    if (statSync(log).size > LOG_ROTATE_BYTES) renameSync(log, `${log}.1`);
  } catch {
    /* no log yet */
  }
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, [packagePath('bin', 'board'), 'watch', '--board', board.root, ...args], {
    detached: true,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exit: number | null = null;
  child.on('exit', (code, signal) => {
    exit = code ?? (signal ? 1 : 0);
  });
  const end = Date.now() + timeoutMs;
  try {
    for (;;) {
      if (exit !== null) {
        if (exit === 4) {
          const other = await queryInstance(board);
          if (other) throw alreadyRunning(other);
        }
        throw new BoardError('internal', `the watcher exited at start (code ${exit})`, {
          hint: `see ${board.rel(log)}:\n${tail(log)}`,
        });
      }
      const info = await queryInstance(board, 1000);
      if (info && info.pid === child.pid && info.state === 'running') return { pid: child.pid!, log };
      if (Date.now() > end)
        throw new BoardError('internal', `the watcher did not become ready within ${timeoutMs / 1000} s`, {
          hint: `see ${board.rel(log)}`,
        });
      await sleep(40);
    }
  } finally {
    child.unref();
  }
}

function tail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** SIGTERM the running watcher and wait for it to finish. */
export async function stopInstance(
  board: Board,
  timeoutMs = 15_000,
): Promise<{ stopped: boolean; info: InstanceInfo | null; ms: number }> {
  const t0 = Date.now();
  const info = await queryInstance(board);
  if (!info || !info.pid) return { stopped: false, info, ms: 0 };
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
  while (Date.now() - t0 < timeoutMs) {
    if (!alive(info.pid) && !(await queryInstance(board, 500))) return { stopped: true, info, ms: Date.now() - t0 };
    await sleep(50);
  }
  return { stopped: false, info, ms: Date.now() - t0 };
}

/**
 * The watcher's last written state, and whether it still runs (its pid is alive and its
 * state file was refreshed lately). For `board status`; cheap and synchronous.
 */
export function readWatcherState(board: Board): (WatcherState & { running: boolean }) | null {
  const file = watcherStateFile(board);
  if (!existsSync(file)) return null;
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as WatcherState;
    const fresh = Date.now() - Date.parse(s.heartbeat) < 30_000;
    return { ...s, running: s.state !== 'stopped' && fresh && alive(s.pid) };
  } catch {
    return null;
  }
}
