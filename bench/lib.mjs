// Shared helpers for `npm run bench`: temp boards, timing of whole processes, percentiles.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'board');

export function env(extra = {}) {
  const e = { ...process.env, NO_COLOR: '1', ...extra };
  delete e.BOARD_AGENT;
  delete e.BOARD_DIR;
  return e;
}

/** A temp git repo with `board init` done. Call cleanup() when finished. */
export function tempBoard({ git = true } = {}) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'recado-bench-')));
  if (git) {
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir });
    execFileSync('git', ['config', 'user.name', 'Bench'], { cwd: dir });
    execFileSync('git', ['config', 'user.email', 'bench@example.com'], { cwd: dir });
  }
  board(['init', '--no-person'], dir);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run board synchronously; throws on a non-zero exit unless `allowFail`. */
export function board(args, cwd, { allowFail = false, extraEnv = {} } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: env(extraEnv),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0 && !allowFail) throw new Error(`board ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r;
}

/** Wall time (ms) of `cmd args` over `runs` runs (after one warm-up): {median, p90, min, runs}. */
export function timeProcess(cmd, args, { cwd, runs = 15, extraEnv = {} } = {}) {
  const times = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(cmd, args, {
      cwd,
      env: env(extraEnv),
      stdio: ['ignore', 'ignore', 'pipe'],
      maxBuffer: 1 << 30,
    });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    if (i > 0) times.push(ms);
  }
  return summarize(times);
}

export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(values) {
  const s = [...values].sort((a, b) => a - b);
  const r = (x) => Math.round(x * 100) / 100;
  return {
    n: s.length,
    min: r(s[0]),
    p50: r(percentile(s, 50)),
    p90: r(percentile(s, 90)),
    p99: r(percentile(s, 99)),
    max: r(s[s.length - 1]),
  };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
