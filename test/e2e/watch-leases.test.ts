/**
 * Lease expiry by a real watcher process: a short lease runs out and the ticket goes back to
 * todo, the holder and the assignee told once; also when the watcher was not running at the
 * time, when it is killed half-way, and over locks and tokens left by killed processes.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { versionKey } from '../../src/store/cas.js';
import { readBoardFileStat } from '../../src/store/read.js';
import { startWatcherProcess, sleep, tempRepo, waitFor, type TempRepo } from '../helpers.js';

type Ev = Record<string, unknown> & { type: string };

let repo: TempRepo | undefined;
const procs: ChildProcess[] = [];

afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
    }
  }
  repo?.cleanup();
  repo = undefined;
});

function startWatcher(r: TempRepo, env: Record<string, string> = {}) {
  const w = startWatcherProcess(r.dir, { env, track: procs });
  return { proc: w.proc, events: () => w.events() as Ev[], ready: () => w.until((e) => e.type === 'ready') };
}

const exited = (p: ChildProcess) =>
  new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));

function setup() {
  repo = tempRepo();
  const r = repo;
  for (const a of ['alice', 'bob']) expect(r.board(['agent', 'add', a]).code).toBe(0);
  const made = r.board(['new', 'Login API', '--assignee', 'bob', '--as', 'carol']);
  expect(made.code).toBe(0);
  const id = made.stdout.trim();
  const show = () => JSON.parse(r.board(['show', id, '--json']).stdout) as { status: string; claim: unknown };
  const expiryNotices = (agent: string) =>
    (
      JSON.parse(r.board(['inbox', '--as', agent, '--all', '--json']).stdout) as Array<{
        id: string;
        subject: string;
        from: string;
      }>
    ).filter((x) => x.id.startsWith('board-expired-'));
  /** Claim as alice; the claim as the command printed it (no second process that a short lease could outlast). */
  const claim = (lease: string) => {
    const c = r.board(['claim', id, '--as', 'alice', '--lease', lease, '--json']);
    expect(c.code, c.stderr).toBe(0);
    return JSON.parse(c.stdout) as { status: string; claim: { at: string; expires: string } };
  };
  return { r, id, show, expiryNotices, claim };
}

describe('lease expiry', () => {
  it('returns the ticket to todo when a short lease runs out, and tells the holder and the assignee once', async () => {
    const { r, id, show, expiryNotices, claim } = setup();
    const w = startWatcher(r);
    await w.ready();
    const claimed = claim('2s');
    expect(claimed.status).toBe('in_progress');
    const ev = await waitFor(() => w.events().find((e) => e.type === 'lease_expired'));
    expect(Date.parse(String(ev.time))).toBeGreaterThanOrEqual(Date.parse(claimed.claim.expires));
    expect(ev).toMatchObject({ id, holder: 'alice', status: 'todo', told: ['alice', 'bob'] });
    // a timer set for the expiry (how late it fires on a quiet machine: `npm run bench enforce`)
    expect(Number(ev.late_ms)).toBeGreaterThanOrEqual(0);
    const t = show();
    expect(t.status).toBe('todo');
    expect(t.claim).toBeNull();
    for (const a of ['alice', 'bob']) {
      const n = await waitFor(() => expiryNotices(a).length === 1 && expiryNotices(a));
      expect(n[0].from).toBe('board');
      expect(n[0].subject).toContain(`${id}: the lease of alice ran out`);
    }
    // the expiry is the board's own write, not a refused hand edit; the ticket can be claimed again
    await sleep(300);
    expect(w.events().filter((e) => e.type === 'edit_refused' || e.type === 'lease_expired')).toHaveLength(1);
    expect(r.board(['claim', id, '--as', 'bob']).code).toBe(0);
  });

  it('a renewal in time moves the timer; nothing expires', async () => {
    const { r, id, show, claim } = setup();
    const w = startWatcher(r);
    await w.ready();
    // The renewal must land before the short lease ends; on a busy machine two processes in a
    // row may take longer than that, so the lease doubles until the renewal is in time.
    let short = '';
    for (let lease = 2; ; lease *= 2) {
      short = claim(`${lease}s`).claim.expires;
      const renewed = r.board(['renew', id, '--as', 'alice', '--lease', '1h']).code === 0; // too late: the watcher may have expired it
      if (renewed && Date.now() < Date.parse(short) - 200) break;
      expect(lease, 'the machine is too busy to renew within 32 s').toBeLessThan(32);
    }
    // past that lease's end (and a margin for the watcher's timer), it did not expire
    await waitFor(() => Date.now() > Date.parse(short) + 1_500);
    expect(w.events().filter((e) => e.type === 'lease_expired' && e.expired === short)).toEqual([]);
    expect(show().status).toBe('in_progress');
  });

  it('expires a lease that ran out while no watcher was running, once, across restarts', async () => {
    const { r, id, show, expiryNotices, claim } = setup();
    claim('1s');
    await sleep(2_100);
    expect(show().status).toBe('in_progress'); // nobody to expire it yet
    const w1 = startWatcher(r);
    await waitFor(() => w1.events().find((e) => e.type === 'lease_expired'));
    expect(show().status).toBe('todo');
    w1.proc.kill('SIGKILL');
    await exited(w1.proc);
    const w2 = startWatcher(r);
    await w2.ready();
    await sleep(300);
    expect(w2.events().filter((e) => e.type === 'lease_expired')).toEqual([]);
    expect(expiryNotices('alice')).toHaveLength(1);
    expect(expiryNotices('bob')).toHaveLength(1);
    void id;
  });

  it('a watcher killed after telling, before writing, tells nobody twice', async () => {
    const { r, show, expiryNotices, claim } = setup();
    claim('1s');
    await sleep(1_200);
    const w1 = startWatcher(r, { BOARD_CRASH_AT: 'leases:told' });
    await exited(w1.proc);
    expect(w1.proc.signalCode).toBe('SIGKILL');
    expect(show().status).toBe('in_progress'); // told, not written yet
    expect(expiryNotices('alice')).toHaveLength(1);
    const w2 = startWatcher(r);
    await waitFor(() => w2.events().find((e) => e.type === 'lease_expired'), 20_000);
    expect(show().status).toBe('todo');
    expect(expiryNotices('alice')).toHaveLength(1);
    expect(expiryNotices('bob')).toHaveLength(1);
  });

  it('is not blocked by a lock and a version token left by killed processes', async () => {
    const { r, id, show, claim } = setup();
    claim('2s');
    const locks = r.path('.board', 'locks');
    // a proper-lockfile lock of the ticket left by a holder killed a minute ago
    const lock = join(locks, `ticket-${id}.lock`);
    mkdirSync(lock, { recursive: true });
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    // a version token of the ticket's current version, dated an hour ahead (the clock was set back)
    const file = r.path('.board', 'tickets', `${id}.md`);
    const { text, stat } = readBoardFileStat(file);
    const token = join(locks, `${id}.cas`, versionKey(text, stat));
    mkdirSync(join(locks, `${id}.cas`), { recursive: true });
    writeFileSync(token, '999999\n');
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync(token, ahead, ahead);

    const w = startWatcher(r);
    await w.ready();
    await waitFor(() => w.events().find((e) => e.type === 'lease_expired'), 15_000);
    expect(show().status).toBe('todo');
  });
});
