// Recado routing: latency outbox → inbox at a steady rate, a burst from 4 writer processes,
// the watcher catching up with a backlog, and the watcher's start-up and memory on a board
// of 10,000 tickets. Routing is measured with git.autocommit off (the router alone); the
// start-up and memory with every plugin as a user runs them (autocommit on). The helpers
// are exported for the other watcher benches (plugins.bench.mjs).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, board, env, sleep, summarize, tempBoard } from './lib.mjs';

export const name = 'routing';
export const title = 'recados: outbox → inbox latency, bursts, watcher start-up and memory';
export const notes = `
The p50 latency is mostly the 20 ms the watcher waits after a file's last change before
taking it (a writer may still be at it); the rest is event delivery and routing. Creating a
file costs far more than a rename or a link on ext4, so the burst figure is bounded by the
writers themselves: the watcher creates no file on its hot path (it links a stamped file
into the inboxes, written into one of the spare files it makes while idle); a starting
watcher has no spares yet, hence the slower catch-up of a backlog. Most recado front-matter
is read without the YAML parser. One directory watch on \`tickets/\` (instead of chokidar's
watch per file) keeps start-up and memory low on large boards.
`;

const RATE = 200;
const LATENCY_N = 1000;
const WRITERS = 4;
const PER_WRITER = 250;
const TICKETS = 10_000;

/** Turn the watcher's git commits on or off for a bench board. */
export function setAutocommit(dir, on) {
  const file = join(dir, '.board', 'board.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^(\s*autocommit:) (true|false)/m, `$1 ${on}`));
}

/** A real `board watch --json` in `dir`: {proc, ready (resolves with {ms, event}), stop(), out()}. */
export function startWatcher(dir) {
  const proc = spawn(process.execPath, [BIN, 'watch', '--json'], {
    cwd: dir,
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const t0 = performance.now();
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const ready = new Promise((resolve, reject) => {
    const iv = setInterval(() => {
      const line = out.split('\n').find((l) => l.includes('"type":"ready"'));
      if (line) {
        clearInterval(iv);
        resolve({ ms: performance.now() - t0, event: JSON.parse(line) });
      }
    }, 5);
    proc.once('exit', (code) => {
      clearInterval(iv);
      reject(new Error(`watcher exited ${code}: ${out}`));
    });
  });
  const stop = async () => {
    if (proc.exitCode !== null) return;
    proc.kill('SIGTERM');
    await new Promise((r) => proc.once('exit', r));
  };
  return { proc, ready, stop, out: () => out };
}

const rssMb = (pid) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};
const count = (dir) => readdirSync(dir).filter((n) => n.endsWith('.md')).length;

/**
 * Latency outbox → inbox of LATENCY_N recados written at RATE per second. `autocommit`: the
 * watcher also commits every delivery to git (the audit trail) while routing. Returns the
 * latency summary, plus the commits made when autocommit is on.
 */
export async function latency({ autocommit = false } = {}) {
  const { dir, cleanup } = tempBoard();
  try {
    for (const a of ['alice', 'bob']) board(['agent', 'add', a], dir);
    setAutocommit(dir, autocommit);
    const w = startWatcher(dir);
    await w.ready;
    await sleep(1500); // let it make its spare files first, as a watcher that has run a while has
    const inbox = join(dir, '.board/inbox/bob/new');
    const outbox = join(dir, '.board/outbox/alice');
    const arrived = new Map();
    const fw = watch(inbox, (_e, f) => {
      if (f && !arrived.has(f)) arrived.set(f, performance.now());
    });
    const written = new Map();
    const t0 = performance.now();
    for (let i = 0; i < LATENCY_N; i++) {
      const due = t0 + (i * 1000) / RATE;
      while (performance.now() < due) await sleep(Math.max(0, due - performance.now() - 0.5));
      // as an agent does: a plain write of the file into its outbox
      writeFileSync(join(outbox, `m${i}.md`), `---\nto: bob\nsubject: m${i}\n---\nmessage ${i}\n`);
      written.set(`m${i}`, performance.now());
    }
    const end = Date.now() + 30_000;
    while (count(inbox) < LATENCY_N && Date.now() < end) await sleep(20);
    await sleep(50);
    fw.close();
    const lat = [];
    for (const f of readdirSync(inbox)) {
      const subject = /\nsubject: (m\d+)\n/.exec(readFileSync(join(inbox, f), 'utf8'))?.[1];
      const t = arrived.get(f);
      if (subject && t !== undefined) lat.push(t - written.get(subject));
    }
    await w.stop();
    const commits = w
      .out()
      .split('\n')
      .filter((l) => l.includes('"type":"commit"')).length;
    return {
      ...summarize(lat),
      delivered: count(inbox),
      sent: LATENCY_N,
      rate: RATE,
      autocommit,
      ...(autocommit ? { commits } : {}),
    };
  } finally {
    cleanup();
  }
}

function writer(boardDir, agent, n) {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [join(ROOT, 'test/fixtures/outbox-writer.mjs'), boardDir, agent, String(n), '0', 'bob'],
      { stdio: 'ignore' },
    );
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
  });
}

async function burst() {
  const { dir, cleanup } = tempBoard();
  try {
    setAutocommit(dir, false);
    const names = Array.from({ length: WRITERS }, (_, i) => `w${i + 1}`);
    for (const a of [...names, 'bob']) board(['agent', 'add', a], dir);
    // the same writers with no watcher running: what creating the files alone costs here
    const tw = performance.now();
    await Promise.all(names.map((a) => writer(join(dir, '.board'), a, PER_WRITER)));
    const writersAlone = performance.now() - tw;
    for (const a of names)
      for (const f of readdirSync(join(dir, '.board/outbox', a))) unlinkSync(join(dir, '.board/outbox', a, f));

    const w = startWatcher(dir);
    await w.ready;
    await sleep(2500); // spare files made while idle
    const inbox = join(dir, '.board/inbox/bob/new');
    const total = WRITERS * PER_WRITER;
    const t0 = performance.now();
    let writersDone = 0;
    await Promise.all(names.map((a) => writer(join(dir, '.board'), a, PER_WRITER))).then(() => {
      writersDone = performance.now() - t0;
    });
    const end = Date.now() + 60_000;
    while (count(inbox) < total && Date.now() < end) await sleep(5);
    const ms = performance.now() - t0;
    const delivered = count(inbox);
    await w.stop();
    return {
      recados: total,
      delivered,
      ms: Math.round(ms),
      per_second: Math.round((delivered / ms) * 1000),
      writers_ms: Math.round(writersDone),
      writers_alone_ms: Math.round(writersAlone),
    };
  } finally {
    cleanup();
  }
}

/**
 * The router alone: 1,000 recados written beforehand and moved into the outbox at once
 * (renames), so the time is the watcher's, not the writers' file creation.
 */
async function arrivedAtOnce() {
  const { dir, cleanup } = tempBoard();
  try {
    setAutocommit(dir, false);
    for (const a of ['alice', 'bob']) board(['agent', 'add', a], dir);
    const stage = join(dir, 'stage');
    mkdirSync(stage);
    for (let i = 0; i < 1000; i++)
      writeFileSync(join(stage, `m${i}.md`), `---\nto: bob\nsubject: m${i}\n---\nmessage ${i}\n`);
    const w = startWatcher(dir);
    await w.ready;
    await sleep(2500);
    const outbox = join(dir, '.board/outbox/alice');
    const inbox = join(dir, '.board/inbox/bob/new');
    const t0 = performance.now();
    for (const f of readdirSync(stage)) renameSync(join(stage, f), join(outbox, f));
    const moved = performance.now() - t0;
    const end = Date.now() + 60_000;
    while (count(inbox) < 1000 && Date.now() < end) await sleep(5);
    const ms = performance.now() - t0;
    await w.stop();
    return {
      recados: 1000,
      delivered: count(inbox),
      moved_in_ms: Math.round(moved),
      ms: Math.round(ms),
      per_second: Math.round((count(inbox) / ms) * 1000),
    };
  } finally {
    cleanup();
  }
}

/** A backlog of 1,000 recados dropped while no watcher ran: how fast a starting watcher routes them. */
async function catchUp() {
  const { dir, cleanup } = tempBoard();
  try {
    setAutocommit(dir, false);
    for (const a of ['alice', 'bob']) board(['agent', 'add', a], dir);
    const outbox = join(dir, '.board/outbox/alice');
    for (let i = 0; i < 1000; i++)
      writeFileSync(join(outbox, `m${i}.md`), `---\nto: bob\nsubject: m${i}\n---\nmessage ${i}\n`);
    await sleep(100);
    const w = startWatcher(dir);
    const { ms, event } = await w.ready;
    await w.stop();
    return { recados: event.delivered, ms: Math.round(ms), per_second: Math.round((event.delivered / ms) * 1000) };
  } finally {
    cleanup();
  }
}

async function bigBoard() {
  const { dir, cleanup } = tempBoard();
  try {
    for (const a of ['alice', 'bob', 'carol', 'dave']) board(['agent', 'add', a], dir);
    const tickets = join(dir, '.board/tickets');
    mkdirSync(tickets, { recursive: true });
    for (let i = 0; i < TICKETS; i++) {
      const id = `T-${i.toString(36).padStart(4, '0')}`;
      const deps = i > 10 ? `[T-${(i - 7).toString(36).padStart(4, '0')}]` : '[]';
      writeFileSync(
        join(tickets, `${id}.md`),
        `---\nid: ${id}\ntitle: Ticket number ${i}\nstatus: ${i % 3 ? 'todo' : 'done'}\nassignee: ${['alice', 'bob', 'carol', 'dave'][i % 4]}\ndeps: ${deps}\nlocks: []\nlabels: [bench]\npriority: ${i % 5}\ncreated: 2026-11-21T09:00:00Z\nupdated: 2026-11-21T09:00:00Z\n---\nAcceptance criteria for ticket ${i}.\n\n- [ ] one\n- [ ] two\n`,
      );
    }
    const runs = [];
    let rss = NaN;
    let editMs = NaN;
    for (let run = 0; run < 3; run++) {
      const w = startWatcher(dir);
      const { ms, event } = await w.ready;
      runs.push(ms);
      if (run === 2) {
        await sleep(3000); // idle (its spare files made)
        rss = rssMb(w.proc.pid);
        // one hand edit: how long until the watcher reports it (no rescan of the folder)
        const t = performance.now();
        writeFileSync(join(tickets, 'T-0100.md'), readFileSync(join(tickets, 'T-0100.md'), 'utf8') + '- [ ] three\n');
        const end = Date.now() + 10_000;
        while (!w.out().includes('"id":"T-0100"') && Date.now() < end) await sleep(2);
        editMs = performance.now() - t;
        if (event.tickets !== TICKETS) throw new Error(`watcher saw ${event.tickets} tickets`);
      }
      await w.stop();
    }
    return {
      tickets: TICKETS,
      startup_ms: summarize(runs),
      rss_idle_mb: rss,
      ticket_edit_seen_ms: Math.round(editMs * 10) / 10,
    };
  } finally {
    cleanup();
  }
}

export async function run() {
  const lat = await latency();
  const b = await burst();
  const once = await arrivedAtOnce();
  const c = await catchUp();
  const big = await bigBoard();
  return {
    figures: { latency_ms: lat, burst: b, burst_arrived_at_once: once, catch_up: c, big_board: big },
    checks: [
      {
        what: `latency p99 at ${RATE} recados/s (ms)`,
        value: lat.p99,
        limit: '<= 100',
        ok: lat.p99 <= 100 && lat.delivered === LATENCY_N,
      },
      {
        what: `burst ${WRITERS} writers x ${PER_WRITER}: recados/s, all delivered`,
        value: `${b.per_second} (${b.delivered}/${b.recados})`,
        limit: '>= 1000',
        ok: b.per_second >= 1000 && b.delivered === b.recados,
      },
      {
        what: `watcher RSS idle on ${TICKETS} tickets (MB)`,
        value: big.rss_idle_mb,
        limit: '<= 150',
        ok: big.rss_idle_mb <= 150,
      },
      {
        what: `watcher start-up on ${TICKETS} tickets (ms, median)`,
        value: big.startup_ms.p50,
        limit: '<= 2000',
        ok: big.startup_ms.p50 <= 2000,
      },
    ],
  };
}
