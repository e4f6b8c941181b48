// The watcher's waves and git plugins, with a real `board watch`:
// - close → announcement delivered: a chain of tickets (each its own wave) closed one by one,
//   by hand (an agent saving `status: done`) and with `board close`; the time until the next
//   wave's recado is in its assignee's inbox;
// - a burst of 1,000 recados routed with git.autocommit on: how many commits it becomes;
// - routing latency at 200 recados/s with autocommit on vs off (routing.bench.mjs's helper).
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, board, env, sleep, summarize, tempBoard } from './lib.mjs';
import { latency, setAutocommit, startWatcher } from './routing.bench.mjs';

export const name = 'plugins';
export const title =
  'watcher plugins: close → wave announcement, commits of a 1,000-recado burst, routing latency with autocommit on/off';
export const notes = `
A real \`board watch\` with its plugins (waves, git audit trail). A close by hand is announced
by the watcher alone: the ticket event, an in-memory graph update and the delivery. \`board
close\` pays a process start and a board load before it announces, so the watcher, which sees
the file change at once, usually delivers first; either way each recipient gets one copy.
On a large board \`ready\` does not wait for the waves graph: it is built in slices while the
watcher already routes, and the git catch-up on start runs in the background too.
`;

const CHAIN = 40; // closes per way (by hand, with board close)
const BURST = 1000;
const BURST_AGENTS = ['w1', 'w2', 'w3', 'w4', 'w5'];

const tid = (i) => `T-${String(i).padStart(4, '0')}`;
const assignee = (i) => (i % 2 ? 'bob' : 'alice');

/** Set front-matter lines of a ticket file, as an agent with file tools does. */
function handEdit(file, fields) {
  const text = readFileSync(file, 'utf8');
  const end = text.indexOf('\n---', 3);
  let head = text.slice(0, end);
  for (const [k, v] of Object.entries(fields)) {
    const re = new RegExp(`^${k}:.*$`, 'm');
    head = re.test(head) ? head.replace(re, `${k}: ${v}`) : `${head}\n${k}: ${v}`;
  }
  writeFileSync(file, head + text.slice(end));
}

function runBoard(args, cwd) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd, env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`board ${args.join(' ')} exited ${code}: ${err}`)),
    );
  });
}

async function closeToAnnouncement() {
  const { dir, cleanup } = tempBoard();
  try {
    for (const [a, role] of [
      ['alice', 'dev'],
      ['bob', 'dev'],
      ['boss', 'orchestrator'],
    ])
      board(['agent', 'add', a, '--role', role], dir);
    // a chain: ticket i depends on ticket i-1, so each is a wave of its own (strict)
    const stamp = '2026-11-21T09:00:00Z';
    const n = 2 * CHAIN + 1;
    for (let i = 0; i < n; i++) {
      writeFileSync(
        join(dir, '.board', 'tickets', `${tid(i)}.md`),
        `---\nid: ${tid(i)}\ntitle: Step ${i}\nstatus: todo\nassignee: ${assignee(i)}\ndeps: [${i ? tid(i - 1) : ''}]\ncreated: ${stamp}\nupdated: ${stamp}\n---\nStep ${i}.\n`,
      );
    }
    const w = startWatcher(dir); // autocommit on: the announcements are committed too
    await w.ready;
    const t0 = Date.now();
    while (!w.out().includes('"type":"waves"') && Date.now() - t0 < 30_000) await sleep(10);
    await sleep(1500);

    const arrived = new Map();
    const watchers = ['alice', 'bob'].map((a) =>
      watch(join(dir, '.board', 'inbox', a, 'new'), (_e, f) => {
        if (f && f.startsWith('board-wave-') && !arrived.has(`${a}/${f}`)) arrived.set(`${a}/${f}`, performance.now());
      }),
    );
    const waitArrival = async (wave, who, since, limitMs = 10_000) => {
      const prefix = `${who}/board-wave-${wave}-`;
      const end = Date.now() + limitMs;
      for (;;) {
        for (const [k, t] of arrived) if (k.startsWith(prefix)) return t - since;
        if (Date.now() > end) throw new Error(`wave ${wave} never reached ${who}`);
        await sleep(1);
      }
    };

    const byHand = [];
    for (let i = 0; i < CHAIN; i++) {
      const t = performance.now();
      handEdit(join(dir, '.board', 'tickets', `${tid(i)}.md`), { status: 'done', updated_by: assignee(i) });
      byHand.push(await waitArrival(i + 2, assignee(i + 1), t));
      await sleep(50);
    }
    const byCli = [];
    const cliProcess = [];
    for (let i = CHAIN; i < 2 * CHAIN; i++) {
      const t = performance.now();
      const done = runBoard(['close', tid(i), '--as', assignee(i)], dir).then(() => performance.now() - t);
      byCli.push(await waitArrival(i + 2, assignee(i + 1), t));
      cliProcess.push(await done);
      await sleep(50);
    }
    for (const x of watchers) x.close();
    await sleep(300);
    await w.stop();
    // who delivered the CLI's closes: the watcher (first to see the file) or the command
    const events = w
      .out()
      .split('\n')
      .filter((l) => l.includes('"type":"wave_open"'))
      .map((l) => JSON.parse(l));
    const cliWaves = events.filter((e) => e.wave >= CHAIN + 2);
    const watcherFirst = cliWaves.filter((e) => e.delivered.length > 0).length;
    const copies = ['alice', 'bob', 'boss'].reduce(
      (s, a) =>
        s + readdirSync(join(dir, '.board', 'inbox', a, 'new')).filter((f) => f.startsWith('board-wave-')).length,
      0,
    );
    return {
      hand_edit_ms: summarize(byHand),
      board_close_ms: summarize(byCli),
      board_close_process_ms: summarize(cliProcess),
      cli_closes_delivered_by_watcher: `${watcherFirst}/${cliWaves.length}`,
      wave_recados: copies,
      wave_recados_expected: 2 * CHAIN * 2, // each wave to its assignee and to boss
    };
  } finally {
    cleanup();
  }
}

function writer(boardDir, agent, count, to) {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      [join(ROOT, 'test/fixtures/outbox-writer.mjs'), boardDir, agent, String(count), '0', to],
      { stdio: 'ignore' },
    );
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer exited ${code}`))));
  });
}

async function burstCommits() {
  const { dir, cleanup } = tempBoard();
  try {
    for (const a of [...BURST_AGENTS, 'reader']) board(['agent', 'add', a], dir);
    setAutocommit(dir, true);
    const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
    const w = startWatcher(dir);
    await w.ready;
    const t1 = Date.now();
    while (!w.out().includes('"type":"commit"') && Date.now() - t1 < 30_000) await sleep(20); // the board's own files
    await sleep(2500);
    const before = Number(git('rev-list', '--count', 'recado'));
    const commitLines = () =>
      w
        .out()
        .split('\n')
        .filter((l) => l.includes('"type":"commit"')).length;
    const linesBefore = commitLines();

    const inbox = join(dir, '.board', 'inbox', 'reader', 'new');
    const t0 = performance.now();
    await Promise.all(BURST_AGENTS.map((a) => writer(join(dir, '.board'), a, BURST / BURST_AGENTS.length, 'reader')));
    const end = Date.now() + 120_000;
    while (readdirSync(inbox).length < BURST && Date.now() < end) await sleep(10);
    const deliveredMs = performance.now() - t0;
    const inTree = () => {
      try {
        return git('ls-tree', '-r', '--name-only', 'recado', '--', '.board/inbox/reader/new')
          .split('\n')
          .filter(Boolean).length;
      } catch {
        return 0;
      }
    };
    while (inTree() < BURST && Date.now() < end) await sleep(50);
    const committedMs = performance.now() - t0;
    await sleep(2500); // anything still queued
    const commits = Number(git('rev-list', '--count', 'recado')) - before;
    const failed = w
      .out()
      .split('\n')
      .filter((l) => l.includes('"type":"commit_failed"')).length;
    await w.stop();
    return {
      recados: BURST,
      delivered: readdirSync(inbox).length,
      in_audit_tree: inTree(),
      commits,
      commit_events: commitLines() - linesBefore,
      commit_failed: failed,
      delivered_ms: Math.round(deliveredMs),
      all_committed_ms: Math.round(committedMs),
    };
  } finally {
    cleanup();
  }
}

export async function run() {
  const announce = await closeToAnnouncement();
  const burst = await burstCommits();
  const off = await latency({ autocommit: false });
  const on = await latency({ autocommit: true });
  return {
    figures: {
      close_to_announcement: announce,
      burst_1000_autocommit: burst,
      latency_autocommit_off: off,
      latency_autocommit_on: on,
    },
    checks: [
      {
        what: 'each wave announced once to each recipient',
        value: `${announce.wave_recados}/${announce.wave_recados_expected}`,
        limit: 'equal',
        ok: announce.wave_recados === announce.wave_recados_expected,
      },
      {
        what: `commits for a burst of ${BURST} recados (all committed)`,
        value: `${burst.commits} (${burst.in_audit_tree}/${BURST})`,
        limit: '<= 20',
        ok: burst.commits <= 20 && burst.in_audit_tree === BURST,
      },
      {
        what: 'routing latency p99 at 200/s, autocommit off (ms)',
        value: off.p99,
        limit: '<= 100',
        ok: off.p99 <= 100 && off.delivered === off.sent,
      },
      {
        what: 'routing latency p99 at 200/s, autocommit on (ms)',
        value: on.p99,
        limit: '<= 100',
        ok: on.p99 <= 100 && on.delivered === on.sent,
      },
    ],
  };
}
