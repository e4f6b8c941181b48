/**
 * Exactly one winner, with real concurrent processes: plain races, races over an expired
 * lease, over a stale lock left by a process killed with SIGKILL (real, and planted), over a
 * version token abandoned by a killed writer, between claimers of different tickets whose
 * locks overlap, and concurrent `board next`. `npm test` makes one round of each race;
 * `npm run test:stress` makes them all.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { versionKey } from '../../src/store/cas.js';
import { readBoardFileStat } from '../../src/store/read.js';
import { ROOT, rounds, tempRepo, waitFor, type RunResult, type TempRepo } from '../helpers.js';

let repo: TempRepo;
const children: ChildProcess[] = [];

beforeEach(() => {
  repo = tempRepo();
});
afterEach(() => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
  repo.cleanup();
});

function newTicket(title: string, extra: string[] = []): string {
  const r = repo.board(['new', title, '--as', 'planner', ...extra]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

function claimOf(id: string): { by: string } | null {
  const r = repo.board(['show', id, '--json']);
  return JSON.parse(r.stdout).claim;
}

/** Start `n` claimers of `id` at once; resolve with every result. */
function race(id: string, n: number, extra: string[] = []): Promise<Array<RunResult & { who: string }>> {
  return Promise.all(
    Array.from({ length: n }, (_, i) => {
      const who = `agent${i}`;
      return repo.boardAsync(['claim', id, '--as', who, '--json', ...extra]).then((r) => ({ ...r, who }));
    }),
  );
}

function expectOneWinner(id: string, results: Array<RunResult & { who: string }>) {
  const winners = results.filter((r) => r.code === 0);
  const losers = results.filter((r) => r.code !== 0);
  expect(winners.map((w) => w.who)).toHaveLength(1);
  expect(losers.map((l) => l.code)).toEqual(losers.map(() => 4));
  const winner = winners[0].who;
  expect(JSON.parse(winners[0].stdout).claim.by).toBe(winner);
  expect(claimOf(id)?.by).toBe(winner);
  // every loser was told who holds it (the winner, or whoever held it when it looked)
  for (const l of losers) {
    const err = JSON.parse(l.stderr).error;
    expect(err.exit).toBe(4);
    expect(err.message).toMatch(/is claimed by [a-z0-9]+ since \d{4}-/);
    expect(err.data.holder).toBe(winner);
  }
  return winner;
}

/** Plant a lock folder as a killed holder would leave it: present, untouched for a minute. */
function plantStaleLock(key: string) {
  const dir = join(repo.dir, '.board', 'locks', `${key}.lock`);
  mkdirSync(dir, { recursive: true });
  const old = new Date(Date.now() - 60_000);
  utimesSync(dir, old, old);
}

/** A real process takes the lock, and is killed with SIGKILL while holding it. */
async function killedHolder(key: string): Promise<string> {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'test', 'fixtures', 'hold-lock.mjs'), join(repo.dir, '.board'), key],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await waitFor(() => out.includes('locked'), 20_000);
  const exited = new Promise((r) => child.once('exit', r));
  process.kill(child.pid!, 'SIGKILL');
  await exited;
  const lock = join(repo.dir, '.board', 'locks', `${key}.lock`);
  expect(existsSync(lock)).toBe(true); // SIGKILL: nothing could clean it up
  return lock;
}

describe('exactly one winner among concurrent claimers', () => {
  it('20 concurrent claimers: 1 winner, 19 x exit 4 naming the holder, round after round', async () => {
    for (let round = 0; round < rounds(3); round++) {
      const id = newTicket(`race ${round}`);
      expectOneWinner(id, await race(id, 20));
    }
  });

  it('20 claimers racing over an expired lease: one takes it over', async () => {
    for (let round = 0; round < rounds(4); round++) {
      const id = newTicket(`lapsed ${round}`);
      const first = repo.board(['claim', id, '--as', 'sleeper', '--lease', '1s', '--json']);
      expect(first.code).toBe(0);
      const expires = Date.parse(JSON.parse(first.stdout).claim.expires);
      await waitFor(() => Date.now() > expires + 50, 5000);
      const winner = expectOneWinner(id, await race(id, 20));
      expect(winner).not.toBe('sleeper');
    }
  });

  it('20 claimers racing over a planted stale lock (old mtime): one winner each round', async () => {
    for (let round = 0; round < rounds(5); round++) {
      const id = newTicket(`stale ${round}`);
      plantStaleLock(`ticket-${id}`);
      expectOneWinner(id, await race(id, 20));
    }
  });

  it('20 claimers racing over the lock of a holder killed with SIGKILL', async () => {
    // round 0 waits for the lock to go stale on its own (10 s); the others age it at once
    for (let round = 0; round < rounds(3, 2); round++) {
      const id = newTicket(`killed ${round}`);
      const lock = await killedHolder(`ticket-${id}`);
      if (round > 0) {
        const old = new Date(Date.now() - 60_000);
        utimesSync(lock, old, old);
      }
      const t0 = Date.now();
      expectOneWinner(id, await race(id, 20));
      if (round === 0) expect(Date.now() - t0).toBeGreaterThan(5_000); // it did wait for staleness
    }
  });

  it('a version token abandoned by a writer killed mid-write does not block the ticket', async () => {
    const id = newTicket('abandoned token');
    const file = join(repo.dir, '.board', 'tickets', `${id}.md`);
    const { text, stat } = readBoardFileStat(file);
    const token = join(repo.dir, '.board', 'locks', `${id}.cas`, versionKey(text, stat));
    mkdirSync(join(token, '..'), { recursive: true });
    writeFileSync(token, '99999\n');
    const old = new Date(Date.now() - 60_000);
    utimesSync(token, old, old);
    expectOneWinner(id, await race(id, 10));
  });

  it('claim, release and claim again in the same second (the same content coming back) all go through', async () => {
    const id = newTicket('again');
    for (let i = 0; i < 3; i++) {
      expect(repo.board(['claim', id, '--as', 'alice']).code).toBe(0);
      expect(repo.board(['release', id, '--as', 'alice']).code).toBe(0);
    }
    expect(repo.board(['claim', id, '--as', 'alice']).code).toBe(0);
  });
});

describe('reservations: claimers of different tickets whose locks overlap', () => {
  it('6 tickets with overlapping locks claimed at once by 6 agents: exactly one winner', async () => {
    const n = rounds(3);
    for (let round = 0; round < n; round++) {
      const globs = ['src/**', 'src/a/*.ts', 'src/a/x.ts', '**/*.ts', 'src/{a,b}/**', 'src/a/[xy].ts'];
      const ids = globs.map((g, i) => newTicket(`overlap ${round}.${i}`, ['--locks', g]));
      if (round === n - 1) plantStaleLock('_reservations'); // the turn's own lock left stale
      const results = await Promise.all(
        ids.map((id, i) => repo.boardAsync(['claim', id, '--as', `dev${i}`, '--json'])),
      );
      const winners = results.filter((r) => r.code === 0);
      expect(winners).toHaveLength(1);
      for (const r of results.filter((x) => x.code !== 0)) {
        expect(r.code).toBe(4);
        expect(JSON.parse(r.stderr).error.message).toMatch(/overlaps T-\w+, claimed by dev\d since/);
      }
      // release this round's winner so the next round starts from a clear board
      const w = JSON.parse(winners[0].stdout);
      expect(repo.board(['release', w.id, '--as', w.claim.by]).code).toBe(0);
    }
  });

  it('tickets whose locks do not overlap are claimed side by side', async () => {
    const ids = ['src/a/**', 'src/b/**', 'docs/*.md', 'test/**/*.test.ts'].map((g, i) =>
      newTicket(`apart ${i}`, ['--locks', g]),
    );
    const results = await Promise.all(ids.map((id, i) => repo.boardAsync(['claim', id, '--as', `dev${i}`])));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0]);
  });
});

describe('board next', () => {
  it('8 concurrent `next` over 3 ready tickets: 3 distinct winners, 5 x exit 3', async () => {
    const ids = [newTicket('one'), newTicket('two'), newTicket('three')];
    newTicket('later', ['--deps', ids[0]]); // not ready: waits on one
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => repo.boardAsync(['next', '--as', `worker${i}`, '--json'])),
    );
    const winners = results.filter((r) => r.code === 0).map((r) => JSON.parse(r.stdout));
    expect(winners.map((w) => w.id).sort()).toEqual([...ids].sort());
    for (const w of winners) expect(w.status).toBe('in_progress');
    expect(new Set(winners.map((w) => w.claim.by)).size).toBe(3);
    const rest = results.filter((r) => r.code !== 0);
    expect(rest.map((r) => r.code)).toEqual([3, 3, 3, 3, 3]);
    for (const r of rest) expect(JSON.parse(r.stderr).error.message).toMatch(/nothing ready for worker\d/);
  });
});
