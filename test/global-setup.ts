import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Before the suite: build dist/ when a source changed (tests run the real `board` binary,
 * which runs dist/),
 * and give the run a temporary folder of its own (TMPDIR, and TMUX_TMPDIR for the private
 * tmux servers), which the test processes inherit.
 *
 * After it: nothing may be left there: no temporary folder, no tmux socket, no process
 * (a watcher) still running in it. Leftovers are listed, removed (processes ended), and fail
 * the run.
 */
/** The newest modification time of the sources dist/ is built from. */
function newestSource(root: string): number {
  let newest = Math.max(statSync(join(root, 'tsconfig.json')).mtimeMs, statSync(join(root, 'package.json')).mtimeMs);
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  };
  walk(join(root, 'src'));
  return newest;
}

export default function setup(): () => void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  // Build only when a source changed since the last build: a second test run started while one
  // is going must not rewrite the dist/ files the first one's processes are loading.
  const stamp = join(root, 'dist', '.built');
  if (!existsSync(stamp) || statSync(stamp).mtimeMs < newestSource(root)) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
      cwd: root,
      stdio: 'inherit',
    });
    writeFileSync(stamp, `${new Date().toISOString()}\n`);
  }
  const runDir = realpathSync(mkdtempSync(join(tmpdir(), 'recado-tests-')));
  process.env.TMPDIR = runDir;
  process.env.TMUX_TMPDIR = runDir;
  return () => {
    const procs: string[] = [];
    for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        if (cwd.startsWith(runDir)) {
          procs.push(`pid ${pid} in ${cwd}`);
          process.kill(Number(pid), 'SIGKILL');
        }
      } catch {
        /* gone, or not ours to read */
      }
    }
    // tmux keeps its socket folder (tmux-UID) after the last server left: only sockets in it count
    const left = readdirSync(runDir).flatMap((n) =>
      /^tmux-\d+$/.test(n) ? readdirSync(join(runDir, n)).map((s) => join(n, s)) : [n],
    );
    rmSync(runDir, { recursive: true, force: true });
    if (procs.length || left.length) {
      throw new Error(`tests left behind: ${[...procs, ...left.map((n) => join(runDir, n))].join(', ')}`);
    }
  };
}
