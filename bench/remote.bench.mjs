// One board across clones through a local bare remote (sync.claims: remote, sync.every):
// what a claim confirmed by the remote costs (p50/p99, next to a claim decided on the clone in
// the same run), 5 clones x 4 claimers racing for one ticket for 20 rounds (exactly one winner
// each round), and a soak of 5 clones with watchers syncing every 5 s under recado traffic
// (lost and duplicated recados, commits per minute on the audit branch).
// BENCH_REMOTE_ROUNDS and BENCH_REMOTE_SOAK_S shorten it (the soak defaults to 60 s, not 5 min).
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, board, env, sleep, summarize } from './lib.mjs';

export const name = 'remote';
export const title = 'board across clones: a claim confirmed by the remote, races between clones, live sync soak';

const ROUNDS = Number(process.env.BENCH_REMOTE_ROUNDS) || 20;
const SOAK_S = Number(process.env.BENCH_REMOTE_SOAK_S) || 60;
const CLONES = 5;
const PER = 4;

const git = (args, cwd) => execFileSync('git', args, { cwd, encoding: 'utf8', env: env() }).trim();

function boardAsync(args, cwd) {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { cwd, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.on('close', (code) => resolve({ code, out }));
  });
}

/** A bare remote and a first clone with a board: agents, `tickets` tickets, extra board.yaml. */
function setup(root, agents, tickets, yaml) {
  const remote = join(root, 'remote.git');
  git(['init', '-q', '--bare', '-b', 'main', remote], root);
  const first = join(root, 'c0');
  mkdirSync(first);
  git(['init', '-q', '-b', 'main'], first);
  git(['config', 'user.name', 'Bench'], first);
  git(['config', 'user.email', 'bench@example.com'], first);
  writeFileSync(join(first, 'code.txt'), 'x\n');
  git(['add', '.'], first);
  git(['commit', '-qm', 'code'], first);
  git(['remote', 'add', 'origin', remote], first);
  git(['push', '-q', 'origin', 'main'], first);
  board(['init', '--no-person'], first);
  const cfg = join(first, '.board', 'board.yaml');
  writeFileSync(
    cfg,
    readFileSync(cfg, 'utf8').replace('agents: {}', `agents:\n${agents.map((a) => `  ${a}: {}\n`).join('')}`) + yaml,
  );
  for (let i = 1; i <= tickets; i++) board(['new', `Work ${i}`, '--id', `T-${i}`, '--as', 'bench'], first);
  board(['sync'], first);
  const clone = (i) => {
    const d = join(root, `c${i}`);
    git(['clone', '-q', remote, d], root);
    git(['config', 'user.name', 'Bench'], d);
    git(['config', 'user.email', 'bench@example.com'], d);
    git(['config', 'board.clone', `c${i}`], d);
    board(['sync'], d);
    return d;
  };
  return { remote, first, clone };
}

function timeClaim(args, cwd) {
  const t0 = process.hrtime.bigint();
  board(args, cwd);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

export async function run() {
  const figures = {};
  const checks = [];
  const t = { dir: realpathSync(mkdtempSync(join(tmpdir(), 'recado-bench-remote-'))) };
  t.cleanup = () => rmSync(t.dir, { recursive: true, force: true });
  try {
    // 1. latency: a claim confirmed by the remote vs one decided on the clone (--offline)
    const agents = Array.from({ length: CLONES }, (_, c) => Array.from({ length: PER }, (_, k) => `c${c}a${k}`)).flat();
    const N = 15;
    const { remote, first, clone } = setup(t.dir, agents, Math.max(ROUNDS, 2 * N), 'sync:\n  claims: remote\n');
    const confirmed = [];
    const local = [];
    for (let i = 1; i <= N; i++) confirmed.push(timeClaim(['claim', `T-${i}`, '--as', 'c0a0'], first));
    for (let i = N + 1; i <= 2 * N; i++) local.push(timeClaim(['claim', `T-${i}`, '--as', 'c0a1', '--offline'], first));
    figures.claim_confirmed_ms = summarize(confirmed);
    figures.claim_offline_ms = summarize(local);
    figures.confirmed_over_offline_p50 =
      Math.round((figures.claim_confirmed_ms.p50 / figures.claim_offline_ms.p50) * 100) / 100;
    board(['sync'], first);

    // 2. 5 clones x 4 claimers, one ticket per round: reuse T-1.. by releasing? no: fresh tickets
    const clones = [first];
    for (let i = 1; i < CLONES; i++) clones.push(clone(i));
    let exactlyOne = 0;
    const roundMs = [];
    const raceIds = [];
    for (let r = 0; r < ROUNDS; r++) {
      const id = `R-${r}`;
      board(['new', `Race ${r}`, '--id', id, '--as', 'bench'], first);
      board(['sync'], first);
      await Promise.all(clones.slice(1).map((d) => boardAsync(['sync'], d)));
      raceIds.push(id);
      const t0 = Date.now();
      const res = await Promise.all(
        clones.flatMap((d, c) =>
          Array.from({ length: PER }, (_, k) => boardAsync(['claim', id, '--as', `c${c}a${k}`], d)),
        ),
      );
      roundMs.push(Date.now() - t0);
      const winners = res.filter((x) => x.code === 0).length;
      const refused = res.filter((x) => x.code === 4).length;
      if (winners === 1 && refused === res.length - 1) exactlyOne++;
    }
    // all clones agree after a sync
    for (const d of clones) board(['sync'], d);
    for (const d of clones) board(['sync'], d);
    const holder = (d, id) =>
      /claim:\s*\n\s+by: (\S+)/.exec(readFileSync(join(d, '.board', 'tickets', `${id}.md`), 'utf8'))?.[1] ?? null;
    const agree = raceIds.filter(
      (id) => new Set(clones.map((d) => holder(d, id))).size === 1 && holder(first, id),
    ).length;
    figures.race = {
      clones: CLONES,
      claimers_per_clone: PER,
      rounds: ROUNDS,
      rounds_with_exactly_one_winner: exactlyOne,
      rounds_all_clones_agree: agree,
      round_ms: summarize(roundMs),
    };
    checks.push({
      what: 'rounds with exactly one winner',
      value: exactlyOne,
      limit: ROUNDS,
      ok: exactlyOne === ROUNDS,
    });
    checks.push({
      what: 'rounds where all clones agree after sync',
      value: agree,
      limit: ROUNDS,
      ok: agree === ROUNDS,
    });

    // 3. soak: live sync every 5 s on every clone, recados between clones
    const cfg = join(first, '.board', 'board.yaml');
    writeFileSync(
      cfg,
      readFileSync(cfg, 'utf8').replace('sync:\n  claims: remote\n', 'sync:\n  claims: remote\n  every: 5s\n'),
    );
    board(['sync'], first);
    for (const d of clones.slice(1)) board(['sync'], d);
    const watchers = clones.map((d) =>
      spawn(process.execPath, [BIN, 'watch', '--json'], { cwd: d, env: env(), stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    const logs = watchers.map(() => ({ out: '' }));
    watchers.forEach((w, i) => w.stdout.on('data', (x) => (logs[i].out += x)));
    const startCount = Number(git(['rev-list', '--count', 'recado'], remote));
    const tStart = Date.now();
    const sent = [];
    let n = 0;
    while (Date.now() - tStart < SOAK_S * 1000) {
      const c = n % CLONES;
      const to = (c + 1 + (n % (CLONES - 1))) % CLONES;
      const subject = `soak-${n}`;
      const r = await boardAsync(
        ['send', `c${to}a0`, `${subject} body`, '--subject', subject, '--as', `c${c}a0`],
        clones[c],
      );
      if (r.code === 0) sent.push({ subject, to });
      n++;
      await sleep(500);
    }
    const trafficS = (Date.now() - tStart) / 1000;
    const copies = (s) => {
      const d = clones[s.to];
      let k = 0;
      for (const sub of ['new', 'cur']) {
        const dir = join(d, '.board', 'inbox', `c${s.to}a0`, sub);
        if (!existsSync(dir)) continue;
        for (const f of readdirSync(dir))
          if (readFileSync(join(dir, f), 'utf8').includes(`subject: ${s.subject}\n`)) k++;
      }
      return k;
    };
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline && sent.some((s) => copies(s) === 0)) await sleep(1000);
    const arrivedS = (Date.now() - tStart) / 1000;
    await Promise.all(
      watchers.map(
        (w) =>
          new Promise((r) => {
            w.once('close', r);
            w.kill('SIGTERM');
          }),
      ),
    );
    const commits = Number(git(['rev-list', '--count', 'recado'], remote)) - startCount;
    const lost = sent.filter((s) => copies(s) === 0).length;
    const dup = sent.filter((s) => copies(s) > 1).length;
    const failures = logs.reduce((a, l) => a + (l.out.match(/"sync_failed"/g) ?? []).length, 0);
    figures.soak = {
      clones: CLONES,
      every: '5s',
      traffic_s: Math.round(trafficS),
      recados_sent: sent.length,
      lost,
      duplicated: dup,
      all_arrived_after_s: Math.round(arrivedS),
      audit_commits: commits,
      commits_per_minute: Math.round((commits / (arrivedS / 60)) * 10) / 10,
      sync_failed_events: failures,
    };
    checks.push({ what: 'recados lost in the soak', value: lost, limit: 0, ok: lost === 0 });
    checks.push({ what: 'recados duplicated in the soak', value: dup, limit: 0, ok: dup === 0 });
  } finally {
    t.cleanup();
  }
  return { figures, checks };
}
