// Faults while syncing: the remote vanishes between the fetch and the push (its receive side
// answers no more: a script that fails as a lost host does); said clearly, nothing lost, the
// next sync finishes once it is back.
import { appendFileSync, chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { board, git } from '../helpers.js';
import { cluster, ok, remoteFile } from './sync-helpers.js';

describe('sync faults', () => {
  it('a remote that vanishes mid-sync: a clear error, local changes kept, the next sync finishes', () => {
    const c = cluster({ tickets: 2 });
    const a = c.first;
    const b = c.clone('b');
    appendFileSync(join(b, '.board', 'tickets', 'T-1.md'), '\nnote from b\n');
    ok(board(['sync'], { cwd: b }));
    appendFileSync(join(a, '.board', 'tickets', 'T-2.md'), '\nnote from a\n');
    // between a's fetch and its push, the remote goes away (its receive side answers no more)
    const gone = join(c.root, 'gone.sh');
    writeFileSync(
      gone,
      '#!/bin/sh\necho "ssh: connect to host git.example.com port 22: Connection refused" >&2\nexit 128\n',
    );
    chmodSync(gone, 0o755);
    git(['config', 'remote.origin.receivepack', gone], a);
    const r = board(['sync'], { cwd: a });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the remote "origin" cannot be reached/);
    expect(r.stderr).toMatch(/nothing was lost/);
    // a's edit is committed locally, b's is not written over it; the journal is gone
    expect(git(['show', 'recado:.board/tickets/T-2.md'], a)).toContain('note from a');
    expect(() => readFileSync(join(a, '.board', 'run', 'sync-journal.json'))).toThrow();
    // back: the next sync finishes
    git(['config', '--unset', 'remote.origin.receivepack'], a);
    ok(board(['sync'], { cwd: a }));
    ok(board(['sync'], { cwd: b }));
    for (const text of [
      remoteFile(c.remote, 'tickets/T-2.md'),
      readFileSync(join(b, '.board', 'tickets', 'T-2.md'), 'utf8'),
    ])
      expect(text).toContain('note from a');
    for (const text of [
      remoteFile(c.remote, 'tickets/T-1.md'),
      readFileSync(join(a, '.board', 'tickets', 'T-1.md'), 'utf8'),
    ])
      expect(text).toContain('note from b');
  }, 300_000);
});
