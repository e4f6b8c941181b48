// Live sync (sync.every): three clones of one board, each with its own watcher, never typing
// `board sync`. Tickets, claims and recados move between them; a recado to an agent whose
// inbox lives on another clone reaches it there exactly once (and read there, shows read
// everywhere); a clone cut off from the remote catches up when it is back.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { board, git, startWatcherProcess, waitFor, type WatcherProcess } from '../helpers.js';
import { cluster, ok } from './sync-helpers.js';

let watchers: WatcherProcess[] = [];

/** Copies of recado `subject` in an agent's inbox: [unread, read]. */
function copies(dir: string, agent: string, subject: string): [number, number] {
  const count = (sub: string) => {
    const d = join(dir, '.board', 'inbox', agent, sub);
    if (!existsSync(d)) return 0;
    return readdirSync(d).filter((n) => readFileSync(join(d, n), 'utf8').includes(subject)).length;
  };
  return [count('new'), count('cur')];
}

const ticket = (dir: string, id: string) => {
  try {
    return readFileSync(join(dir, '.board', 'tickets', `${id}.md`), 'utf8');
  } catch {
    return '';
  }
};

const LONG = 240_000;

describe('live sync', () => {
  it('three clones with watchers: tickets, claims and recados move by themselves, each recado once; a partitioned clone catches up', async () => {
    const c = cluster({ agents: ['alice', 'bob', 'carol'], tickets: 2, yaml: 'sync:\n  every: 2s\n' });
    const [a, b, cc] = [c.first, c.clone('b'), c.clone('c')];
    for (const d of [a, b, cc]) watchers.push(startWatcherProcess(d));
    await Promise.all(watchers.map((w) => w.until((e) => e.type === 'live_sync', 60_000)));

    // a recado from alice (on a) to bob (whose inbox he reads on b)
    ok(board(['send', 'bob', 'the schema is ready', '--as', 'alice'], { cwd: a }));
    await waitFor(() => copies(b, 'bob', 'the schema is ready')[0] === 1, LONG, 200);
    // a ticket made on c, a claim made on a
    ok(board(['new', 'Made on c', '--id', 'T-9', '--as', 'carol'], { cwd: cc }));
    ok(board(['claim', 'T-1', '--as', 'alice'], { cwd: a }));
    await waitFor(() => ticket(a, 'T-9').includes('Made on c') && ticket(b, 'T-9').includes('Made on c'), LONG, 200);
    await waitFor(() => [b, cc].every((d) => /by: alice/.test(ticket(d, 'T-1'))), LONG, 200);

    // bob reads it on b: read everywhere, never a second copy
    const id = readdirSync(join(b, '.board', 'inbox', 'bob', 'new'))[0].replace(/\.md$/, '');
    ok(board(['read', id, '--as', 'bob'], { cwd: b }));
    await waitFor(() => [a, b, cc].every((d) => copies(d, 'bob', 'the schema is ready').join() === '0,1'), LONG, 200);

    // c is cut off: its changes wait; back online, everything arrives once
    git(['remote', 'set-url', 'origin', join(c.root, 'gone.git')], cc);
    ok(board(['send', 'alice', 'sent while apart', '--as', 'carol'], { cwd: cc }));
    ok(board(['new', 'Made while apart', '--id', 'T-10', '--as', 'carol'], { cwd: cc }));
    await watchers[2].until((e) => e.type === 'sync_failed', LONG);
    git(['remote', 'set-url', 'origin', c.remote], cc);
    await waitFor(
      () => copies(a, 'alice', 'sent while apart')[0] === 1 && ticket(b, 'T-10').includes('Made while apart'),
      LONG,
      200,
    );

    // all clones agree, and nobody got anything twice
    await Promise.all(watchers.map((w) => w.stop()));
    watchers = [];
    for (const d of [a, b, cc]) ok(board(['sync'], { cwd: d }));
    for (const d of [a, b, cc]) {
      expect(copies(d, 'bob', 'the schema is ready')).toEqual([0, 1]);
      expect(copies(d, 'alice', 'sent while apart')).toEqual([1, 0]);
      expect(ticket(d, 'T-10')).toContain('Made while apart');
    }
    expect(git(['rev-parse', 'recado'], a)).toBe(git(['rev-parse', 'recado'], b));
  }, 600_000);
});
