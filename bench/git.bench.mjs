// Git audit trail: a burst of 1,000 recados recorded through AuditLog (as the watcher does)
// with the configured debounce: how many commits it becomes, what each flush costs, the
// added cost per change, how long the event loop stalls while committing (what routing
// would feel), and what a full reconcile (commitAll, on watcher start) costs afterwards.
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { board, summarize, tempBoard } from './lib.mjs';

export const name = 'git';
export const title = 'git audit trail: commits for a burst of 1,000 recados, cost per flush and per change';
export const notes = `
A burst of recados from five agents, each dropped in an outbox and delivered to an inbox,
recorded through the audit log the watcher uses, with the default debounce. Commits are made
after the debounce, off the routing path: routing a recado pays only \`record()\` (an array
push), and the commit's git processes (mostly \`git hash-object -w\` writing the new blobs) run
while the watcher keeps serving events; the event-loop stall figure is what routing could
feel.
`;

const AGENTS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const N = 1000;

export async function run() {
  const { AuditLog, locateBoard, loadConfig } = await import('recado/api');
  const t = tempBoard();
  try {
    const dir = t.dir;
    const git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
    board(['commit'], dir); // the board's own files: the audit branch exists before the burst
    const b = locateBoard({ cwd: dir });
    const debounceMs = loadConfig(b).git.debounceMs;
    for (const a of AGENTS) {
      mkdirSync(b.outbox(a), { recursive: true });
      mkdirSync(b.inboxNew(a), { recursive: true });
    }
    const before = Number(git('rev-list', '--count', 'recado'));

    const flushes = [];
    const audit = await AuditLog.open(b, { onEvent: (e) => e.type === 'committed' && flushes.push(e) });
    const loop = monitorEventLoopDelay({ resolution: 5 });

    // the burst: each recado dropped in an outbox, then delivered (written aside, renamed in)
    const t0 = Date.now();
    for (let i = 0; i < N; i++) {
      const from = AGENTS[i % AGENTS.length];
      const to = AGENTS[(i + 1) % AGENTS.length];
      const out = join(b.outbox(from), `r${i}.md`);
      const text = `---\nid: r${i}\nfrom: ${from}\nto: ${to}\nsubject: burst ${i}\nsent: 2026-11-21T10:00:00Z\n---\nmessage ${i}\n`;
      writeFileSync(out, text);
      audit.record({ path: out, author: from });
      renameSync(out, join(b.inboxNew(to), `r${i}.md`));
      audit.record({ path: out, author: from, what: `recado ${from} -> ${to}` });
      audit.record({ path: join(b.inboxNew(to), `r${i}.md`), author: from, what: `recado ${from} -> ${to}` });
      if (i % 50 === 49) await new Promise((r) => setImmediate(r)); // let timers run, as a watcher would
    }
    const burstMs = Date.now() - t0;
    loop.enable(); // from here on the event loop only waits for the audit's commit
    const closed = await audit.close();
    loop.disable();
    const totalMs = Date.now() - t0;
    const commits = Number(git('rev-list', '--count', 'recado')) - before;
    const inTree = git('ls-tree', '-r', '--name-only', 'recado', '--', '.board/inbox')
      .split('\n')
      .filter(Boolean).length;
    const flushMs = flushes.map((f) => f.ms);
    const flushTotal = flushMs.reduce((a, x) => a + x, 0);

    // one change alone: the commit a quiet board makes
    const single = [];
    for (let i = 0; i < 10; i++) {
      const a = await AuditLog.open(b, { onEvent: () => undefined });
      const p = join(b.inboxNew('alice'), `single${i}.md`);
      writeFileSync(p, `---\nid: s${i}\nfrom: bob\nto: alice\n---\nx\n`);
      a.record({ path: p, author: 'bob', what: 'recado bob -> alice' });
      const r = await a.close();
      single.push(r.ms);
    }

    // reconcile on watcher start: nothing changed, every file hashed and compared
    const rec = [];
    for (let i = 0; i < 5; i++) {
      const a = await AuditLog.open(b, { onEvent: () => undefined });
      const t1 = Date.now();
      const r = await a.commitAll();
      rec.push(Date.now() - t1);
      if (r.commits.length) throw new Error('commitAll found changes on an unchanged board');
    }

    const figures = {
      recados: N,
      recorded_changes: N * 3,
      debounce_ms: debounceMs,
      burst_ms: burstMs,
      burst_to_last_commit_ms: totalMs,
      flushes: flushes.length,
      commits,
      commits_per_flush_max: Math.max(...flushes.map((f) => f.commits.length)),
      files_in_audit_tree: inTree,
      flush_ms: summarize(flushMs),
      flush_total_ms: flushTotal,
      cost_per_change_ms: Math.round((flushTotal / N) * 1000) / 1000,
      event_loop_stall_max_ms: Math.round(loop.max / 1e6),
      event_loop_stall_p99_ms: Math.round(loop.percentile(99) / 1e6),
      single_change_commit_ms: summarize(single),
      reconcile_unchanged_board_ms: summarize(rec),
      board_files: Number(git('ls-tree', '-r', '--name-only', 'recado').split('\n').length),
    };
    const checks = [
      {
        what: 'commits for a burst of 1,000 recados from 5 agents',
        value: commits,
        limit: '<= 10 (one per author per batch)',
        ok: commits <= 10,
      },
      { what: 'every delivered recado is in the audit tree', value: inTree, limit: `>= ${N}`, ok: inTree >= N },
      { what: 'nothing left queued', value: closed.kept, limit: 0, ok: closed.ok && closed.kept === 0 },
      {
        what: 'added cost per change (ms of flush time)',
        value: figures.cost_per_change_ms,
        limit: '< 2',
        ok: figures.cost_per_change_ms < 2,
      },
      {
        what: 'longest event-loop stall while committing (ms)',
        value: figures.event_loop_stall_max_ms,
        limit: '< 50',
        ok: figures.event_loop_stall_max_ms < 50,
      },
    ];
    return { figures, checks };
  } finally {
    t.cleanup();
  }
}
