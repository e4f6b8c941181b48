// A `board sync` SIGKILLed at every step (BOARD_SYNC_KILL_AT makes it kill itself there with a
// real SIGKILL): the next commit and sync finish its job, and the other clone's edits survive
// locally, on the remote and in that clone. Before the journal, a sync killed after moving the
// branch had its next commit record the old files as local changes and revert the other
// clone's work everywhere.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { board } from '../helpers.js';
import { boardFiles, cluster, ok, remoteFile } from './sync-helpers.js';

const STEPS = ['committed', 'fetched', 'merged', 'pushed', 'journal', 'moved', 'writing', 'written', 'told', 'notices'];
const EDITS = 4;

function undoneNotices(dir: string): string[] {
  const out: string[] = [];
  for (const sub of ['new', 'cur']) {
    const d = join(dir, '.board', 'inbox', 'bob', sub);
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) if (readFileSync(join(d, n), 'utf8').includes('your claim was undone')) out.push(n);
  }
  return out;
}

describe('a killed board sync', () => {
  for (const step of STEPS) {
    it(`killed at "${step}": the next commit and sync finish it; the other clone's edits survive everywhere`, () => {
      const c = cluster({ tickets: EDITS });
      const a = c.first;
      const b = c.clone('b');
      // A claims T-1 first (alice), B claims it later (bob): the merge undoes bob's claim
      ok(board(['claim', 'T-1', '--as', 'alice'], { cwd: a }));
      ok(board(['claim', 'T-1', '--as', 'bob'], { cwd: b }));
      // B's edits: a note in every ticket, then B syncs first
      for (let i = 1; i <= EDITS; i++)
        appendFileSync(join(b, '.board', 'tickets', `T-${i}.md`), `\nnote ${i} from b\n`);
      ok(board(['sync'], { cwd: b }));
      // A's own edit, in another file
      appendFileSync(join(a, '.board', 'tickets', 'T-2.md'), '\nnote from a\n');

      const killed = board(['sync'], { cwd: a, env: { BOARD_SYNC_KILL_AT: step } });
      expect(killed.code, `${killed.stdout}\n${killed.stderr}`).toBe(-1); // SIGKILL
      // what a user would do next: anything that commits (here `board commit`), then sync again
      ok(board(['commit'], { cwd: a }));
      ok(board(['sync'], { cwd: a }));
      ok(board(['sync'], { cwd: b }));

      const remoteT = (i: number) => remoteFile(c.remote, `tickets/T-${i}.md`);
      for (let i = 1; i <= EDITS; i++) {
        for (const text of [
          readFileSync(join(a, '.board', 'tickets', `T-${i}.md`), 'utf8'),
          remoteT(i),
          readFileSync(join(b, '.board', 'tickets', `T-${i}.md`), 'utf8'),
        ]) {
          expect(text).toContain(`note ${i} from b`);
        }
      }
      expect(remoteT(2)).toContain('note from a');
      expect(remoteT(1)).toMatch(/by: alice/);
      expect(boardFiles(join(b, '.board'))).toEqual(boardFiles(join(a, '.board')));
      expect(undoneNotices(a)).toHaveLength(1);
      // nothing left half-done
      expect(() => readFileSync(join(a, '.board', 'run', 'sync-journal.json'))).toThrow();
    }, 300_000);
  }
});
