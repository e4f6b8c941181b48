/**
 * Exactly-once delivery across a watcher killed with SIGKILL: four writer processes drop
 * 500 recados each (100 in `npm test`; 500 in `npm run test:stress`) (to single agents, lists and `all`), a reader keeps reading r3's inbox
 * (moving recados from new/ to cur/) throughout, and the watcher is killed twice in the
 * middle and restarted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { rounds, startWatcherProcess, ROOT, tempRepo, waitFor, type TempRepo } from '../helpers.js';

const WRITERS = ['w1', 'w2', 'w3', 'w4'];
const READERS = ['r1', 'r2', 'r3'];
const PER_WRITER = rounds(500, 100);

function recipientsFor(writer: string, i: number): string[] {
  if (i % 25 === 0) return [...WRITERS, ...READERS].filter((a) => a !== writer);
  if (i % 5 === 0) return ['r1', 'r2'];
  return [`r${(i % 3) + 1}`];
}

let repo: TempRepo | undefined;
const procs: ChildProcess[] = [];

afterEach(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  procs.length = 0;
  repo?.cleanup();
  repo = undefined;
});

function startWatcher(r: TempRepo): { proc: ChildProcess; lines: () => string[] } {
  const w = startWatcherProcess(r.dir, { track: procs });
  return { proc: w.proc, lines: w.lines };
}

const exited = (p: ChildProcess) =>
  new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));
const mdFiles = (dir: string) => {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.md'));
  } catch {
    return [];
  }
};

describe('watcher killed with SIGKILL during a burst', () => {
  it('delivers every recado exactly once to every recipient and empties the outboxes', async () => {
    repo = tempRepo();
    const r = repo;
    for (const a of [...WRITERS, ...READERS]) expect(r.board(['agent', 'add', a]).code).toBe(0);
    const boardDir = r.path('.board');

    let w = startWatcher(r);
    await waitFor(() => w.lines().some((l) => l.includes('"type":"ready"')), 20_000);

    // r3 reads as fast as it can while recados arrive (the read-before-redelivery race)
    const reader = spawn(process.execPath, [
      '-e',
      `
      const fs = require('fs'); const p = require('path');
      const n = ${JSON.stringify(join(boardDir, 'inbox', 'r3', 'new'))}, c = ${JSON.stringify(join(boardDir, 'inbox', 'r3', 'cur'))};
      const tick = () => { for (const f of fs.readdirSync(n)) { try { fs.renameSync(p.join(n, f), p.join(c, f)); } catch {} } setTimeout(tick, 2); };
      tick();`,
    ]);
    procs.push(reader);

    const writers = WRITERS.map((name) => {
      const p = spawn(process.execPath, [
        join(ROOT, 'test/fixtures/outbox-writer.mjs'),
        boardDir,
        name,
        String(PER_WRITER),
        '0',
        'mixed',
      ]);
      procs.push(p);
      return p;
    });

    // kill it once while the writers write, and once more while the restarted watcher is
    // still catching up with the backlog
    const delivered = () => w.lines().filter((l) => l.includes('"type":"delivered"')).length;
    for (const at of [PER_WRITER * 0.6, PER_WRITER * 0.8]) {
      await waitFor(() => delivered() >= at, 60_000, 5);
      w.proc.kill('SIGKILL');
      await exited(w.proc);
      if (process.env.DEBUG_CRASH)
        console.log('killed at', delivered(), 'outgoing:', readdirSync(join(boardDir, 'run', 'outgoing')));
      w = startWatcher(r);
    }
    await waitFor(() => w.lines().some((l) => l.includes('"type":"ready"')), 60_000);
    await Promise.all(writers.map(exited));

    // wait until nothing is left to route
    const pendingCount = () =>
      WRITERS.reduce((n, a) => n + mdFiles(join(boardDir, 'outbox', a)).length, 0) +
      (() => {
        try {
          return readdirSync(join(boardDir, 'run', 'outgoing')).length;
        } catch {
          return 0;
        }
      })();
    await waitFor(() => pendingCount() === 0, 60_000, 50);
    reader.kill('SIGKILL');

    // count, per recipient, every copy of every recado (unread and read)
    const expected = new Map<string, Set<string>>();
    for (const wr of WRITERS)
      for (let i = 0; i < PER_WRITER; i++)
        for (const to of recipientsFor(wr, i)) {
          if (!expected.has(to)) expected.set(to, new Set());
          expected.get(to)!.add(`${wr}-${i}`);
        }
    const idOfKey = new Map<string, string>();
    let total = 0;
    for (const agent of [...WRITERS, ...READERS]) {
      const seen = new Map<string, number>();
      const ids = new Set<string>();
      for (const box of ['new', 'cur']) {
        const dir = join(boardDir, 'inbox', agent, box);
        for (const f of mdFiles(dir)) {
          const text = readFileSync(join(dir, f), 'utf8');
          const key = /\n(w\d-\d+) written/.exec(text)![1];
          const id = /\nid: (\S+)/.exec(text)![1];
          const from = /\nfrom: (\S+)/.exec(text)![1];
          expect(f).toBe(`${id}.md`);
          expect(from).toBe(key.split('-')[0]);
          // the same recado has the same id in every inbox
          if (idOfKey.has(key)) expect(idOfKey.get(key)).toBe(id);
          idOfKey.set(key, id);
          expect(ids.has(id), `${agent} has ${id} twice`).toBe(false);
          ids.add(id);
          seen.set(key, (seen.get(key) ?? 0) + 1);
          total++;
        }
      }
      const want = expected.get(agent) ?? new Set();
      const missing = [...want].filter((k) => !seen.has(k));
      const twice = [...seen].filter(([, n]) => n > 1).map(([k]) => k);
      const extra = [...seen.keys()].filter((k) => !want.has(k));
      expect({ agent, missing: missing.slice(0, 5), twice: twice.slice(0, 5), extra: extra.slice(0, 5) }).toEqual({
        agent,
        missing: [],
        twice: [],
        extra: [],
      });
      expect(seen.size).toBe(want.size);
    }
    expect(idOfKey.size).toBe(WRITERS.length * PER_WRITER);
    expect(total).toBe([...expected.values()].reduce((n, s) => n + s.size, 0));
    expect(mdFiles(join(boardDir, 'rejected'))).toEqual([]);

    w.proc.kill('SIGTERM');
    await exited(w.proc);
    expect(w.proc.exitCode).toBe(0);
  }, 600_000);
});
