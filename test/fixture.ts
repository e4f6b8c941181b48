/**
 * The one test fixture: temporary git repositories, the real `board` binary, watcher
 * processes, and their clean-up. Every temporary folder made by tempRepo()/tempDir() and
 * every process started by boardSpawn()/startWatcherProcess()/track() is ended and removed
 * after each test (afterEach, registered when a test file imports this module), whatever
 * the test did or forgot. `test/helpers.ts` re-exports all of it.
 *
 * Waiting: waitFor() polls a condition with a generous deadline (at least 60 s, so a busy
 * machine is slow, not failing); a test never sleeps for a wall-clock window instead.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, expect } from 'vitest';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'board');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  input?: string;
}

/* ---------------------------------------------------------------- clean-up ---- */

interface Scope {
  procs: Set<ChildProcess>;
  dirs: Set<string>;
}
/** What a test made (ended after it), and what a file's beforeAll made (ended after the file). */
const testScope: Scope = { procs: new Set(), dirs: new Set() };
const fileScope: Scope = { procs: new Set(), dirs: new Set() };
const scope = (): Scope => (expect.getState().currentTestName === undefined ? fileScope : testScope);

/** End `p` once its test (or its file, when made in beforeAll) is over, if it still runs. */
export function track<P extends ChildProcess>(p: P): P {
  const s = scope();
  s.procs.add(p);
  p.once('exit', () => s.procs.delete(p));
  return p;
}

/** A temporary folder removed once its test (or its file, when made in beforeAll) is over. */
export function tempDir(prefix = 'recado-test-'): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), prefix)));
  scope().dirs.add(dir);
  return dir;
}

/** End every process of the scope (SIGKILL: a test stops its processes itself when that matters), then remove its folders. */
async function cleanUp(s: Scope): Promise<void> {
  await Promise.all(
    [...s.procs].map(
      (p) =>
        new Promise<void>((resolve) => {
          if (p.exitCode !== null || p.signalCode !== null) return resolve();
          p.once('exit', () => resolve());
          try {
            p.kill('SIGKILL');
          } catch {
            resolve();
          }
        }),
    ),
  );
  s.procs.clear();
  for (const d of s.dirs) rmSync(d, { recursive: true, force: true });
  s.dirs.clear();
}

afterEach(() => cleanUp(testScope));
afterAll(() => cleanUp(fileScope));

/** Environment for child processes: no inherited board identity or board path. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.BOARD_AGENT;
  delete env.BOARD_DIR;
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Run `board ARGS` synchronously. */
export function board(args: string[], opts: RunOptions): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd,
    env: cleanEnv(opts.env),
    input: opts.input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Run `board ARGS` as a child process and resolve when it exits. */
export function boardAsync(args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: cleanEnv(opts.env) }));
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Start `board ARGS` in the background (e.g. a watcher); the caller must stop it. */
export function boardSpawn(args: string[], opts: RunOptions): ChildProcess {
  return track(
    spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd,
      env: cleanEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
}

export function git(args: string[], cwd: string, env?: Record<string, string>): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
}

export interface TempRepo {
  dir: string;
  /** Run board in the repo. */
  board(args: string[], opts?: Partial<RunOptions>): RunResult;
  boardAsync(args: string[], opts?: Partial<RunOptions>): Promise<RunResult>;
  /** Path inside the repo. */
  path(...parts: string[]): string;
  read(...parts: string[]): string;
  write(rel: string, content: string): void;
  cleanup(): void;
}

/** A fresh git repository in a temp dir, with an identity, optionally with `board init` done. */
export function tempRepo(
  opts: {
    init?: boolean;
    git?: boolean /** let `board init` register the git user as an agent (role human) */;
    person?: boolean;
  } = {},
): TempRepo {
  const dir = tempDir();
  if (opts.git !== false) {
    git(['init', '-q', '-b', 'main'], dir);
    git(['config', 'user.name', 'Test Person'], dir);
    git(['config', 'user.email', 'test@example.com'], dir);
    git(['config', 'commit.gpgsign', 'false'], dir);
  }
  const repo: TempRepo = {
    dir,
    board: (args, o = {}) => board(args, { cwd: dir, ...o }),
    boardAsync: (args, o = {}) => boardAsync(args, { cwd: dir, ...o }),
    path: (...parts) => join(dir, ...parts),
    read: (...parts) => readFileSync(join(dir, ...parts), 'utf8'),
    write: (rel, content) => {
      mkdirSync(dirname(join(dir, rel)), { recursive: true });
      writeFileSync(join(dir, rel), content);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  if (opts.init !== false) {
    const r = repo.board(opts.person ? ['init'] : ['init', '--no-person']);
    if (r.code !== 0) throw new Error(`board init failed: ${r.stderr}`);
  }
  return repo;
}

/** Write a ticket file by hand (as an agent with file tools would). */
export function ticketText(fields: Record<string, string>, body = 'Body.\n'): string {
  return `---\n${Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\n---\n${body}`;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `npm run test:stress` (BOARD_STRESS=1) runs the race and crash tests with their full rounds. */
export const STRESS = process.env.BOARD_STRESS === '1';
/** How many rounds a race test makes: `full` under test:stress, `quick` in `npm test`. */
export const rounds = (full: number, quick = 1): number => (STRESS ? full : quick);

/** The shortest deadline of a wait: a busy machine (two cores, other jobs) is slow, not wrong. */
export const MIN_WAIT_MS = 60_000;

/**
 * Poll `fn` until it returns a truthy value, or fail after the deadline (`timeoutMs`, never
 * less than MIN_WAIT_MS: a deadline says when to give up, never how fast something must be).
 */
export async function waitFor<T>(
  fn: () => T | undefined | false | null,
  timeoutMs = MIN_WAIT_MS,
  stepMs = 25,
): Promise<T> {
  const end = Date.now() + Math.max(timeoutMs, MIN_WAIT_MS);
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`waitFor: timed out after ${timeoutMs} ms`);
    await sleep(stepMs);
  }
}

/** A real `board watch --json` started by a test, with its output and events. */
export interface WatcherProcess {
  proc: ChildProcess;
  /** Everything it printed (stdout and stderr). */
  output(): string;
  /** Its non-empty output lines. */
  lines(): string[];
  /** Its JSON event lines, parsed. */
  events(): Record<string, unknown>[];
  /** Wait until an event satisfies `pred` (and return it). */
  until(pred: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the process has exited (at once if it has). */
  exited(): Promise<void>;
  /** SIGTERM, then wait for it to exit; returns its exit code. */
  stop(): Promise<number | null>;
}

/** Start `board watch --json` in `cwd`; `track` collects the process so afterEach can kill it. */
export function startWatcherProcess(
  cwd: string,
  opts: { env?: Record<string, string>; track?: ChildProcess[] } = {},
): WatcherProcess {
  const proc = boardSpawn(['watch', '--json'], { cwd, env: opts.env });
  opts.track?.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (out += d));
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  const exited = () => new Promise<void>((r) => (gone() ? r() : proc.once('exit', () => r())));
  const events = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return {
    proc,
    output: () => out,
    lines: () => out.split('\n').filter(Boolean),
    events,
    until: (pred, timeoutMs = 60_000) => waitFor(() => events().find(pred), timeoutMs),
    exited,
    stop: async () => {
      if (!gone()) {
        const done = exited();
        proc.kill('SIGTERM');
        await done;
      }
      return proc.exitCode;
    },
  };
}

/**
 * A repository (no board yet) with a user's work in progress: `code.txt` changed and staged,
 * `other.txt` changed and not staged, `untracked.txt` new. The board must leave all of it alone.
 */
export function tempRepoWithUserWork(): TempRepo {
  const r = tempRepo({ init: false });
  r.write('code.txt', 'v1\n');
  r.write('other.txt', 'other v1\n');
  git(['add', 'code.txt', 'other.txt'], r.dir);
  git(['commit', '-qm', 'user: first commit'], r.dir);
  r.write('code.txt', 'v2 staged\n');
  git(['add', 'code.txt'], r.dir);
  r.write('other.txt', 'other v2, not staged\n');
  r.write('untracked.txt', 'new file\n');
  return r;
}
