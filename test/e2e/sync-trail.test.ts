// The audit branch stays readable: a sync where both clones changed different files puts the
// local commits on top of the remote's (no merge commit); a sync with nothing new makes no
// commit at all; a merge commit only when a file changed on both sides.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { board, git } from '../helpers.js';
import { cluster, ok } from './sync-helpers.js';

describe('the audit branch after syncs', () => {
  it('no merge commit when there was nothing to merge; one when a file changed on both sides', () => {
    const c = cluster({ tickets: 2 });
    const a = c.first;
    const b = c.clone('b');
    ok(board(['new', 'From a', '--id', 'T-5', '--as', 'alice'], { cwd: a }));
    ok(board(['new', 'From b', '--id', 'T-6', '--as', 'bob'], { cwd: b }));
    ok(board(['sync'], { cwd: a }));
    const r = JSON.parse(ok(board(['sync', '--json'], { cwd: b })).stdout);
    expect(r.action).toBe('replayed');
    expect(git(['rev-list', '--merges', 'recado'], b)).toBe('');
    // b's commit is there, with its author and message, on top of a's
    expect(git(['log', '-1', '--format=%an %s', 'recado'], b).trim()).toBe('bob board(T-6): created');
    expect(git(['log', '-1', '--format=%an %s', 'recado~1'], b).trim()).toBe('alice board(T-5): created');
    ok(board(['sync'], { cwd: a }));
    expect(git(['rev-parse', 'recado'], a)).toBe(git(['rev-parse', 'recado'], b));
    // nothing new: no commit
    const tip = git(['rev-parse', 'recado'], b);
    expect(JSON.parse(ok(board(['sync', '--json'], { cwd: b })).stdout).action).toBe('up-to-date');
    expect(git(['rev-parse', 'recado'], b)).toBe(tip);

    // the same ticket changed on both sides: a merge commit, both notes kept
    appendFileSync(join(a, '.board', 'tickets', 'T-1.md'), '\nnote from a\n');
    appendFileSync(join(b, '.board', 'tickets', 'T-1.md'), '\nnote from b\n');
    ok(board(['sync'], { cwd: a }));
    expect(JSON.parse(ok(board(['sync', '--json'], { cwd: b })).stdout).action).toBe('merged');
    expect(git(['rev-list', '--merges', 'recado'], b).trim().split('\n')).toHaveLength(1);
    const t1 = git(['show', 'recado:.board/tickets/T-1.md'], b);
    expect(t1).toContain('note from a');
    expect(t1).toContain('note from b');
  }, 300_000);
});
