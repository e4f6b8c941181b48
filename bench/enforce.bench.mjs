// Enforcement and lease expiry by a running watcher:
//  - hand edit -> undone: 100 refused hand edits of a ticket claimed by someone else (a
//    stolen claim, or a status change), each written the way an editor saves (aside, then
//    renamed); the time from the rename to the last valid version being back on disk;
//  - broken YAML -> undone (a few: the watcher first waits in case the file is half-written);
//  - lease expiry -> back to todo: from the claim's `expires` to the ticket file showing
//    `status: todo`, one lease at a time, and 20 leases running out in the same second;
//  - the cost of a receipt on the CLI's path (one board write leaves one).
import { spawn } from 'node:child_process';
import { readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, board, env, sleep, summarize, tempBoard } from './lib.mjs';

export const name = 'enforce';
export const title = 'hand edit -> undone, lease expiry -> todo, with a running watcher';
export const notes = `
Each hand edit is saved the way an editor does (written aside, renamed into place); times
run from that rename to the moment the last valid version is back on disk. Nearly all of it
is the watcher's own work after it read the edit (\`undone_ms\` in its log): the journal, the
hard link into \`rejected/\`, the ticket's lock and the atomic restore. Broken YAML waits two
seconds first, in case the file is half-written. A lease is expired 25 ms after \`expires\` on
purpose (a claim is active until that instant). The receipt figure is the cost a board write
pays on the CLI's path, beside the cost of staging the write itself.
`;

const EDITS = 100;

function startWatcher(cwd) {
  const proc = spawn(process.execPath, [BIN, 'watch', '--json'], {
    cwd,
    env: env(),
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
  return {
    proc,
    events,
    stop: () =>
      new Promise((r) => {
        proc.once('exit', r);
        proc.kill('SIGTERM');
      }),
  };
}

async function until(fn, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await sleep(5);
  }
}

/** Resolve with the time (hrtime ms) at which `file` first satisfies `test`, watching its folder. */
function whenFile(file, test, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const check = () => {
      let text = null;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        /* being replaced */
      }
      if (text !== null && test(text)) {
        done(Number(process.hrtime.bigint()) / 1e6);
        return true;
      }
      return false;
    };
    const w = watch(join(file, '..'), () => check());
    const poll = setInterval(check, 2);
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`timed out waiting for ${file}`));
    }, timeoutMs);
    const finish = () => {
      w.close();
      clearInterval(poll);
      clearTimeout(timer);
    };
    const done = (t) => {
      finish();
      resolve(t);
    };
    check();
  });
}

const save = (file, text) => {
  const tmp = join(file, '..', '.bench.swp');
  writeFileSync(tmp, text);
  renameSync(tmp, file);
};

export async function run() {
  const b = tempBoard();
  const figures = {};
  let w;
  let refusedOk = 0;
  try {
    for (const a of ['alice', 'bob']) board(['agent', 'add', a], b.dir);
    const id = board(['new', 'Contended', '--as', 'alice', '--assignee', 'alice'], b.dir).stdout.trim();
    board(['claim', id, '--as', 'alice', '--lease', '2h'], b.dir);
    const file = join(b.dir, '.board', 'tickets', `${id}.md`);
    const valid = readFileSync(file, 'utf8');
    w = startWatcher(b.dir);
    await until(() => w.events().some((e) => e.type === 'ready'));

    // hand edit -> undone
    const stolen = valid.replace('  by: alice\n', '  by: bob\n').replace('updated_by: alice', 'updated_by: bob');
    const moved = valid
      .replace('status: in_progress', 'status: review')
      .replace('updated_by: alice', 'updated_by: bob');
    const times = [];
    for (let i = 0; i < EDITS; i++) {
      const before = w.events().filter((e) => e.type === 'edit_refused').length;
      const bad = (i % 2 ? moved : stolen) + `\nattempt ${i}\n`;
      const t0 = Number(process.hrtime.bigint()) / 1e6;
      save(file, bad);
      const t1 = await whenFile(file, (t) => t === valid);
      times.push(t1 - t0);
      await until(() => w.events().filter((e) => e.type === 'edit_refused').length > before);
      const ev = w.events().filter((e) => e.type === 'edit_refused')[before];
      if (ev.action === 'restored' && readFileSync(join(b.dir, ev.kept), 'utf8') === bad) refusedOk++;
    }
    figures.hand_edit_undone_ms = summarize(times);
    figures.watcher_read_to_undone_ms = summarize(
      w
        .events()
        .filter((e) => e.type === 'edit_refused')
        .map((e) => e.undone_ms),
    );
    figures.refused_kept_verbatim = `${refusedOk}/${EDITS}`;

    // broken YAML -> undone (includes the wait for a half-written file)
    const yamlTimes = [];
    for (let i = 0; i < 3; i++) {
      const t0 = Number(process.hrtime.bigint()) / 1e6;
      save(file, valid.replace('title: Contended', `title: [Contended ${i}`));
      yamlTimes.push((await whenFile(file, (t) => t === valid)) - t0);
      await until(() => w.events().filter((e) => e.type === 'edit_refused').length === EDITS + i + 1);
    }
    figures.broken_yaml_undone_ms = summarize(yamlTimes);

    // lease expiry -> todo, one at a time
    const single = [];
    for (let i = 0; i < 8; i++) {
      const t = board(['new', `lease ${i}`, '--as', 'alice', '--assignee', 'bob'], b.dir).stdout.trim();
      const tf = join(b.dir, '.board', 'tickets', `${t}.md`);
      board(['claim', t, '--as', 'alice', '--lease', '1s'], b.dir);
      const expires = Date.parse(/expires: (\S+)/.exec(readFileSync(tf, 'utf8'))[1]);
      const at = await whenFile(tf, (x) => x.includes('status: todo') && !x.includes('claim:'));
      single.push(at - (expires - Date.now() + Number(process.hrtime.bigint()) / 1e6));
    }
    figures.lease_expiry_to_todo_ms = summarize(single);

    // 20 leases running out in the same second
    const batchIds = [];
    for (let i = 0; i < 20; i++) batchIds.push(board(['new', `batch ${i}`, '--as', 'alice'], b.dir).stdout.trim());
    await Promise.all(
      batchIds.map(
        (t) =>
          new Promise((resolve, reject) => {
            const c = spawn(process.execPath, [BIN, 'claim', t, '--as', 'alice', '--lease', '3s'], {
              cwd: b.dir,
              env: env(),
              stdio: 'ignore',
            });
            c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`claim exited ${code}`))));
          }),
      ),
    );
    const waits = batchIds.map((t) => {
      const tf = join(b.dir, '.board', 'tickets', `${t}.md`);
      const expires = Date.parse(/expires: (\S+)/.exec(readFileSync(tf, 'utf8'))[1]);
      return whenFile(tf, (x) => x.includes('status: todo') && !x.includes('claim:')).then(
        (at) => at - (expires - Date.now() + Number(process.hrtime.bigint()) / 1e6),
      );
    });
    figures.lease_expiry_20_at_once_ms = summarize(await Promise.all(waits));
    const told = w.events().filter((e) => e.type === 'lease_expired').length;
    figures.leases_expired = told;
  } finally {
    await w?.stop();
    b.cleanup();
  }

  // the receipt on the CLI's path: one hash and one small file per board write
  // (for scale: staging the new content, flushed, which every board write already does)
  const { leaveReceipt, stage, Board } = await import('recado/api');
  const r = tempBoard({ git: false });
  try {
    const bd = new Board(join(r.dir, '.board'));
    const text = readFileSync(join(ROOT, 'templates', 'task.md'), 'utf8').repeat(3);
    const us = [];
    const staged = [];
    for (let i = 0; i < 300; i++) {
      let t0 = process.hrtime.bigint();
      leaveReceipt(bd, 'T-bench', text, text);
      us.push(Number(process.hrtime.bigint() - t0) / 1e3);
      t0 = process.hrtime.bigint();
      stage(bd.tmpDir, text);
      staged.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
    figures.receipt_per_write_us = summarize(us);
    figures.staging_per_write_us = summarize(staged);
  } finally {
    r.cleanup();
  }

  const h = figures.hand_edit_undone_ms;
  const l = figures.lease_expiry_to_todo_ms;
  return {
    figures,
    checks: [
      {
        what: 'refused hand edits undone with the text kept verbatim',
        value: figures.refused_kept_verbatim,
        limit: `${EDITS}/${EDITS}`,
        ok: refusedOk === EDITS,
      },
      { what: 'hand edit -> undone, p99 (ms)', value: h.p99, limit: '<= 250', ok: h.p99 <= 250 },
      { what: 'lease expiry -> todo, p99 (ms after expires)', value: l.p99, limit: '<= 1000', ok: l.p99 <= 1000 },
      {
        what: '20 leases at once -> todo, max (ms after expires)',
        value: figures.lease_expiry_20_at_once_ms.max,
        limit: '<= 3000',
        ok: figures.lease_expiry_20_at_once_ms.max <= 3000,
      },
      {
        what:
          'receipt per board write, p50 (µs; staging the write itself, for scale: ' +
          figures.staging_per_write_us.p50 +
          ')',
        value: figures.receipt_per_write_us.p50,
        limit: '<= 2000 and below the staging',
        ok:
          figures.receipt_per_write_us.p50 <= 2000 &&
          figures.receipt_per_write_us.p50 < figures.staging_per_write_us.p50,
      },
    ],
  };
}
