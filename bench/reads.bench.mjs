// Cold and warm reads near the disk's floor, and pathological front-matter.
//   - floor: a plain Node script that reads every ticket file and splits its front-matter;
//     `board list --all --json` on 10,000 tickets without the cache (cold) and with it (warm),
//     as ratios to that floor; `board show ID` as a ratio to `node -e 0`; the watcher's first
//     start on 10,000 tickets (spawn to its `ready` event).
//   - many keys: reading 25,000- and 60,000-key files (refused by size, before any parser),
//     the worst files the board still accepts (200 lines or list items, 16 KiB) in a fresh process,
//     and the longest event-loop stall of a running watcher fed each of them (measured inside
//     the watcher by perf_hooks.monitorEventLoopDelay, loaded with --import).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, ROOT, env, sleep, summarize, tempBoard, timeProcess } from './lib.mjs';
import { writeTickets } from './tickets.bench.mjs';

export const name = 'reads';
export const title = 'cold/warm list vs the read-and-split floor, show vs node -e 0, watcher start, many-key files';

const FLOOR = `
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = join(process.cwd(), '.board', 'tickets');
const out = [];
for (const name of readdirSync(dir)) {
  if (!name.endsWith('.md')) continue;
  const text = readFileSync(join(dir, name), 'utf8');
  const end = text.indexOf('\\n---', 3);
  out.push([text.slice(4, end).split('\\n'), text.slice(end + 5)]);
}
process.stdout.write(String(out.length));
`;

/** Loaded into a watcher with --import: SIGUSR2 writes the longest stall since the last one, then resets. */
const LOOPMON = `
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeFileSync } from 'node:fs';
const h = monitorEventLoopDelay({ resolution: 5 });
h.enable();
process.on('SIGUSR2', () => {
  writeFileSync(process.env.LOOPMON_OUT, JSON.stringify({ max_ms: h.max / 1e6, p99_ms: h.percentile(99) / 1e6 }));
  h.reset();
});
`;

export function manyKeys(n, head = '') {
  let s = `---\n${head}`;
  for (let i = 0; i < n; i++) s += `k${i}: v\n`;
  return `${s}---\nbody\n`;
}

/** The worst shapes a ticket front-matter can have and still be read (200 lines or items, 16 KiB). */
function worstAccepted() {
  const n = 190;
  return {
    'keys (190)': manyKeys(n, 'id: T-w1\ntitle: W\n'),
    'anchored keys (190)': `---\nid: T-w2\ntitle: W\n${Array.from({ length: n }, (_, i) => `k${i}: &a${i} v`).join('\n')}\n---\n`,
    'flow list (190 items)': `---\nid: T-w3\ntitle: W\nlabels: [${Array.from({ length: n }, (_, i) => `l${i}`).join(',')}]\n---\n`,
    'block list (190 items)': `---\nid: T-w4\ntitle: W\nlabels:\n${Array.from({ length: n }, (_, i) => `  - "l${i}"`).join('\n')}\n---\n`,
    'one 16 KB string': `---\nid: T-w5\ntitle: W\nnote: "${'word '.repeat(3_200)}"\n---\n`,
    'one 16 KB block scalar': `---\nid: T-w6\ntitle: W\nnote: |\n${'  some words on a line\n'.repeat(150)}---\n`,
  };
}

/**
 * Read one file in a fresh process (cold, as a CLI would): ms for `readFrontmatter` (what
 * list, show, inbox and the watcher use) and for `parseFrontmatter` (the full parse an edit
 * makes), and what happened.
 */
function parseInFreshProcess(text) {
  const dir = mkdtempSync(join(tmpdir(), 'recado-bench-fm-'));
  const file = join(dir, 'f.md');
  writeFileSync(file, text);
  const script = `
    const { parseFrontmatter, readFrontmatter } = await import(${JSON.stringify(join(ROOT, 'dist', 'store', 'frontmatter.js'))});
    const { readFileSync } = await import('node:fs');
    const text = readFileSync(${JSON.stringify(file)}, 'utf8');
    let outcome = 'read';
    let t0 = performance.now();
    try { readFrontmatter(text, 'f.md'); } catch (e) { outcome = e.message.replace(/^f\\.md: /, ''); }
    const read = performance.now() - t0;
    t0 = performance.now();
    try { parseFrontmatter(text, 'f.md'); } catch {}
    const full = performance.now() - t0;
    process.stdout.write(JSON.stringify({ read, full, outcome }));`;
  try {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    return JSON.parse(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function startWatcher(dir, extraEnv = {}, nodeArgs = []) {
  const proc = spawn(process.execPath, [...nodeArgs, BIN, 'watch', '--json'], {
    cwd: dir,
    env: env(extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const events = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
  const until = async (pred, ms = 120_000) => {
    const end = Date.now() + ms;
    for (;;) {
      const e = events().find(pred);
      if (e) return e;
      if (Date.now() > end || proc.exitCode !== null)
        throw new Error(`watcher: no such event; output:\n${out.slice(-2000)}`);
      await sleep(20);
    }
  };
  const stop = () =>
    new Promise((r) => {
      if (proc.exitCode !== null) return r();
      proc.once('exit', r);
      proc.kill('SIGTERM');
    });
  return { proc, until, stop };
}

export async function run() {
  const figures = { 'load average at start (1, 5, 15 min)': loadavg().map((x) => +x.toFixed(1)) };
  const checks = [];
  const node = timeProcess(process.execPath, ['-e', '0'], { runs: 10 });
  figures['node -e 0 (ms)'] = node;

  // ---- 10,000 tickets: cold, warm, show, watcher start
  const b = tempBoard();
  const floorFile = join(b.dir, '..', `${name}-floor-${process.pid}.mjs`);
  writeFileSync(floorFile, FLOOR);
  try {
    writeTickets(b.dir, 10_000, { layers: 10 });
    await sleep(1100); // past the cache's racy window
    const runs = 5;
    const floor = timeProcess(process.execPath, [floorFile], { cwd: b.dir, runs });
    const cold = timeProcess(process.execPath, [BIN, 'list', '--all', '--json'], {
      cwd: b.dir,
      runs,
      extraEnv: { BOARD_NO_CACHE: '1' },
    });
    spawnSync(process.execPath, [BIN, 'list', '--all', '--json'], { cwd: b.dir, env: env(), stdio: 'ignore' }); // fill the cache
    const warm = timeProcess(process.execPath, [BIN, 'list', '--all', '--json'], { cwd: b.dir, runs });
    const show = timeProcess(process.execPath, [BIN, 'show', 'T-09999', '--json'], { cwd: b.dir, runs });
    figures['floor: read + split 10,000 ticket files (ms)'] = floor;
    figures['list --all --json, 10,000 tickets, cold (ms)'] = cold;
    figures['list --all --json, 10,000 tickets, warm (ms)'] = warm;
    figures['show ID, 10,000 tickets (ms)'] = show;
    checks.push({
      what: 'cold list / floor',
      value: +(cold.p50 / floor.p50).toFixed(2),
      limit: '<= 3x',
      ok: cold.p50 / floor.p50 <= 3,
    });
    checks.push({
      what: 'warm list / floor',
      value: +(warm.p50 / floor.p50).toFixed(2),
      limit: '<= 1.5x',
      ok: warm.p50 / floor.p50 <= 1.5,
    });
    checks.push({
      what: 'show ID / node -e 0',
      value: +(show.p50 / node.p50).toFixed(2),
      limit: '<= 3x',
      ok: show.p50 / node.p50 <= 3,
    });

    const starts = [];
    for (let i = 0; i < 3; i++) {
      rmSync(join(b.dir, '.board', 'run', 'cache.json'), { force: true });
      const t0 = Date.now();
      const w = startWatcher(b.dir);
      try {
        const ready = await w.until((e) => e.type === 'ready');
        starts.push({ wall: Date.now() - t0, own: ready.ms });
      } finally {
        await w.stop();
      }
    }
    figures['watcher first start, 10,000 tickets: spawn to ready (ms)'] = summarize(starts.map((s) => s.wall));
    figures['watcher first start, 10,000 tickets: its own ready.ms'] = summarize(starts.map((s) => s.own));
    const startP50 = summarize(starts.map((s) => s.own)).p50;
    checks.push({
      what: 'watcher first start on 10,000 tickets (ready.ms)',
      value: startP50,
      limit: '<= 1000 ms',
      ok: startP50 <= 1000,
    });
  } finally {
    rmSync(floorFile, { force: true });
    b.cleanup();
  }

  // ---- many keys: parse time in a fresh process
  const big = { '25,000 keys (194 KB)': manyKeys(25_000), '60,000 keys': manyKeys(60_000) };
  let worstParse = 0;
  for (const [label, text] of Object.entries({ ...big, ...worstAccepted() })) {
    const reads = [];
    const fulls = [];
    let outcome = '';
    for (let i = 0; i < 3; i++) {
      const r = parseInFreshProcess(text);
      reads.push(r.read);
      fulls.push(r.full);
      outcome = r.outcome;
    }
    const r = summarize(reads);
    const f = summarize(fulls);
    figures[`${label}, fresh process: read / full parse p50 (ms)`] = { read: r.p50, full: f.p50, outcome };
    worstParse = Math.max(worstParse, r.p50, f.p50);
  }
  checks.push({
    what: 'slowest read or full parse of a file of any shape or size (fresh process, p50)',
    value: +worstParse.toFixed(1),
    limit: '<= 200 ms',
    ok: worstParse <= 200,
  });

  // ---- many keys: the longest event-loop stall of a running watcher fed each file
  const w2 = tempBoard();
  const mon = join(w2.dir, '..', `${name}-loopmon-${process.pid}.mjs`);
  const monOut = join(w2.dir, '..', `${name}-loopmon-${process.pid}.json`);
  writeFileSync(mon, LOOPMON);
  try {
    spawnSync(process.execPath, [BIN, 'agent', 'add', 'alice'], { cwd: w2.dir, env: env(), stdio: 'ignore' });
    spawnSync(process.execPath, [BIN, 'agent', 'add', 'bob'], { cwd: w2.dir, env: env(), stdio: 'ignore' });
    const w = startWatcher(w2.dir, { LOOPMON_OUT: monOut }, ['--import', mon]);
    try {
      await w.until((e) => e.type === 'ready');
      await w.until((e) => e.type === 'commit' || e.type === 'audit', 30_000).catch(() => {});
      await sleep(500);
      const stall = async () => {
        rmSync(monOut, { force: true });
        w.proc.kill('SIGUSR2');
        for (let i = 0; i < 500; i++) {
          try {
            return JSON.parse(readFileSync(monOut, 'utf8'));
          } catch {
            await sleep(10);
          }
        }
        return null;
      };
      await stall(); // reset after start-up
      const files = {
        ...big,
        'anchored keys (190)': worstAccepted()['anchored keys (190)'],
        'flow list (190 items)': worstAccepted()['flow list (190 items)'],
      };
      let worst = 0;
      let k = 0;
      for (const [label, text] of Object.entries(files)) {
        const id = `T-stall${k++}`;
        writeFileSync(
          join(w2.dir, '.board', 'tickets', `${id}.md`),
          text.replace('---\n', `---\nid: ${id}\ntitle: t\n`).replace(/\nid: T-w\d\ntitle: W\n/, '\n'),
        );
        await w.until(
          (e) =>
            e.id === id && (e.type === 'edit_refused' || e.type === 'edit_accepted' || e.type === 'ticket_invalid'),
        );
        await sleep(300);
        const s = await stall();
        figures[`watcher event-loop stall fed ${label} (ms)`] = s;
        worst = Math.max(worst, s?.max_ms ?? Infinity);
      }
      // and a recado with 60,000 keys
      writeFileSync(join(w2.dir, '.board', 'outbox', 'alice', 'wide.md'), manyKeys(60_000, 'to: bob\nsubject: wide\n'));
      await w.until((e) => e.type === 'waiting' || e.type === 'rejected');
      await sleep(300);
      const s = await stall();
      figures['watcher event-loop stall fed a 60,000-key recado (ms)'] = s;
      worst = Math.max(worst, s?.max_ms ?? Infinity);
      checks.push({
        what: 'longest watcher event-loop stall fed a pathological file',
        value: +worst.toFixed(1),
        limit: '<= 100 ms',
        ok: worst <= 100,
      });
    } finally {
      await w.stop();
    }
  } finally {
    rmSync(mon, { force: true });
    rmSync(monOut, { force: true });
    w2.cleanup();
  }
  figures['load average at end (1, 5, 15 min)'] = loadavg().map((x) => +x.toFixed(1));
  return { figures, checks };
}
