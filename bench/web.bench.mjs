// The web board in a real headless Chromium (Debian's chromium, driven by playwright-core):
// - page ready (every card drawn) with 2,000 tickets, and what the first load transfers;
// - a hand edit of a ticket file -> visible in the page, p99 over 40 edits;
// - 20 pages open through a burst of 1,000 recados dropped in an outbox: every page gets
//   every event;
// - CPU of the `board web` process (watcher included) over 60 s with 3 pages open and
//   nothing changing.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { BIN, board, env, sleep, summarize, tempBoard } from './lib.mjs';

export const name = 'web';
export const title = 'board web in headless Chromium: 2,000 tickets, hand edits, 20 pages x 1,000 recados, idle CPU';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const TICKETS = 2000;
const EDITS = 40;
const PAGES = 20;
const RECADOS = 1000;
const IDLE_S = Number(process.env.WEB_IDLE_SECONDS) || 60;

function writeTickets(dir, n) {
  const t = join(dir, '.board', 'tickets');
  mkdirSync(t, { recursive: true });
  const statuses = ['todo', 'todo', 'in_progress', 'review', 'done'];
  for (let i = 0; i < n; i++) {
    const id = `T-${String(i).padStart(4, '0')}`;
    // ten waves: ticket i depends on one ticket of the wave before
    const wave = Math.floor((i * 10) / n);
    const dep = wave > 0 ? `T-${String(i - Math.floor(n / 10)).padStart(4, '0')}` : null;
    const status = wave === 0 ? 'done' : statuses[i % statuses.length];
    writeFileSync(
      join(t, `${id}.md`),
      `---\nid: ${id}\ntitle: Ticket number ${i} with a title of usual length\nstatus: ${status}\nassignee: ${i % 3 ? `agent${i % 7}` : 'null'}\ndeps: [${dep ?? ''}]\nlocks: []\nlabels: [${['api', 'ui', 'docs'][i % 3]}]\npriority: ${i % 5}\ncreated: 2026-01-01T00:00:00Z\n---\nBody of ticket ${i}.\n`,
    );
  }
}

function startWeb(cwd, extra = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [BIN, 'web', '--json', '--as', 'ann', ...extra], {
      cwd,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    proc.stderr.on('data', (d) => (err += d));
    proc.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl > 0) resolve({ proc, ...JSON.parse(out.slice(0, nl)) });
    });
    proc.on('exit', (code) => reject(new Error(`board web exited ${code}: ${err}`)));
  });
}

const stop = (proc) =>
  new Promise((r) => {
    if (proc.exitCode !== null) r();
    else {
      proc.once('exit', r);
      proc.kill('SIGTERM');
    }
  });

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks (100 per second)
}

async function openPage(browser, url, bytes) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  if (bytes)
    page.on('requestfinished', async (req) => {
      const s = await req.sizes().catch(() => null);
      if (s) bytes.n += s.responseBodySize + s.responseHeadersSize;
    });
  const t0 = performance.now();
  await page.goto(url);
  await page.waitForSelector('body[data-ready="1"]', { timeout: 60_000 });
  const ms = performance.now() - t0;
  await page.waitForSelector('#live.on', { timeout: 60_000 });
  return { page, ms };
}

export async function run() {
  if (!existsSync(CHROMIUM)) return { figures: { skipped: `no chromium at ${CHROMIUM}` }, checks: [] };
  const load0 = os.loadavg()[0];
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  const big = tempBoard();
  const small = tempBoard();
  const procs = [];
  try {
    for (const a of ['ann', 'alice', 'bob']) board(['agent', 'add', a], big.dir);
    writeTickets(big.dir, TICKETS);
    const web = await startWeb(big.dir);
    procs.push(web.proc);

    // 1. page ready with 2,000 tickets (the first load, then four more), and bytes transferred
    const loads = [];
    const bytes = { n: 0 };
    for (let i = 0; i < 5; i++) {
      const { page, ms } = await openPage(browser, web.url, i === 0 ? bytes : null);
      const cards = await page.locator('#board .card').count();
      if (cards !== TICKETS) throw new Error(`page shows ${cards} cards, not ${TICKETS}`);
      loads.push(ms);
      await page.close();
    }
    const ready = summarize(loads);

    // 2. hand edit -> visible in the page
    const { page } = await openPage(browser, web.url);
    const lat = [];
    for (let i = 0; i < EDITS; i++) {
      const id = `T-${String(1000 + i).padStart(4, '0')}`;
      const file = join(big.dir, '.board', 'tickets', `${id}.md`);
      const text = readFileSync(file, 'utf8').replace(/^title: .*$/m, `title: Edited by hand ${i}`);
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, text);
      const seen = page.waitForFunction(
        ([id, want]) => document.querySelector(`#board .card[data-id="${id}"] .title`)?.textContent === want,
        [id, `Edited by hand ${i}`],
        { polling: 'raf', timeout: 30_000 },
      );
      const t0 = performance.now();
      renameSync(tmp, file); // an editor's save
      await seen;
      lat.push(performance.now() - t0);
    }
    const edit = summarize(lat);

    // 4. idle: 3 pages open, nothing changing. First `board web` with its watcher in the
    // same process (what a person runs); then, in the same conditions, `board web --no-watch`
    // beside a `board watch` process, to tell the server's share from the watcher's.
    const idle = async (pids) => {
      await sleep(3000);
      const c0 = pids.map(cpuSeconds);
      await sleep(IDLE_S * 1000);
      return pids.map((pid, i) => Math.round(((cpuSeconds(pid) - c0[i]) / IDLE_S) * 10000) / 100);
    };
    let idlePages = [page, (await openPage(browser, web.url)).page, (await openPage(browser, web.url)).page];
    const [idleCpu] = await idle([web.proc.pid]);
    for (const p of idlePages) await p.close();
    await stop(web.proc);
    const watcher = spawn(process.execPath, [BIN, 'watch'], { cwd: big.dir, env: env(), stdio: 'ignore' });
    procs.push(watcher);
    await sleep(2000);
    const webOnly = await startWeb(big.dir, ['--no-watch']);
    procs.push(webOnly.proc);
    idlePages = [];
    for (let i = 0; i < 3; i++) idlePages.push((await openPage(browser, webOnly.url)).page);
    const [serverCpu, watcherCpu] = await idle([webOnly.proc.pid, watcher.pid]);
    for (const p of idlePages) await p.close();
    await stop(webOnly.proc);
    await stop(watcher);

    // 3. 20 pages through a burst of 1,000 recados (a small board: the pages' cost is the stream)
    for (const a of ['ann', 'alice', 'bob']) board(['agent', 'add', a], small.dir);
    writeTickets(small.dir, 20);
    const web2 = await startWeb(small.dir);
    procs.push(web2.proc);
    const pages = [];
    const smallLoads = [];
    for (let i = 0; i < PAGES; i++) {
      const o = await openPage(browser, web2.url);
      pages.push(o.page);
      smallLoads.push(o.ms);
    }
    const smallReady = summarize(smallLoads);
    const outbox = join(small.dir, '.board', 'outbox', 'alice');
    const t0 = performance.now();
    for (let i = 0; i < RECADOS; i++)
      writeFileSync(
        join(outbox, `burst-${i}.md`),
        `---\nto: bob\nsubject: burst ${i}\n---\nRecado ${i} of the burst.\n`,
      );
    const got = await Promise.all(
      pages.map((p) =>
        p
          .waitForFunction((n) => (window.boardEvents?.recado ?? 0) >= n, RECADOS, { timeout: 300_000, polling: 250 })
          .then(
            () => p.evaluate(() => window.boardEvents.recado),
            () => p.evaluate(() => window.boardEvents?.recado ?? 0),
          ),
      ),
    );
    const burstMs = performance.now() - t0;
    const complete = got.filter((n) => n === RECADOS).length;
    for (const p of pages) await p.close();
    await stop(web2.proc);

    return {
      figures: {
        tickets: TICKETS,
        load_average_1min: { start: load0, end: os.loadavg()[0] },
        page_ready_ms: ready,
        page_ready_20_tickets_ms: smallReady,
        page_ready_ratio_2000_to_20: Math.round((ready.p50 / smallReady.p50) * 100) / 100,
        first_load_kb: Math.round(bytes.n / 1024),
        hand_edit_visible_ms: edit,
        idle_cpu_percent_3_pages: idleCpu,
        idle_cpu_percent_server_only: serverCpu,
        idle_cpu_percent_watch_process: watcherCpu,
        idle_seconds: IDLE_S,
        burst: {
          pages: PAGES,
          recados: RECADOS,
          pages_with_every_event: complete,
          events_per_page: got,
          all_seen_ms: Math.round(burstMs),
        },
      },
      checks: [
        {
          what: 'page ready with 2,000 tickets (p50 of 5 loads)',
          value: `${Math.round(ready.p50)} ms`,
          limit: '<= 1000 ms',
          ok: ready.p50 <= 1000,
        },
        {
          what: 'first load transferred (2,000 tickets)',
          value: `${Math.round(bytes.n / 1024)} KB`,
          limit: '<= 300 KB',
          ok: bytes.n <= 300 * 1024,
        },
        {
          what: 'hand edit -> visible, p99',
          value: `${Math.round(edit.p99)} ms`,
          limit: '<= 500 ms',
          ok: edit.p99 <= 500,
        },
        {
          what: `pages that got all ${RECADOS} recado events`,
          value: `${complete}/${PAGES}`,
          limit: `${PAGES}/${PAGES}`,
          ok: complete === PAGES,
        },
        {
          what: `idle CPU of board web (watcher in it) with 3 pages over ${IDLE_S} s`,
          value: `${idleCpu}%`,
          limit: '<= 1%',
          ok: idleCpu <= 1,
        },
        {
          what: `idle CPU of board web --no-watch with 3 pages over ${IDLE_S} s`,
          value: `${serverCpu}%`,
          limit: '<= 1%',
          ok: serverCpu <= 1,
        },
      ],
    };
  } finally {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await browser.close();
    big.cleanup();
    small.cleanup();
  }
}
