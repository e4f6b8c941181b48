// Claims confirmed by the git remote (sync.claims: remote): clones racing for one ticket get
// exactly one winner (the push is the compare-and-swap), the losers are refused naming the
// holder and its clone, all clones agree after sync; an unreachable remote is said clearly
// and --offline claims locally, unconfirmed, reconciled at the next sync; a push refused by a
// hook leaves nothing claimed; the same over a real network transport (git daemon on 127.0.0.1).
import { spawn } from 'node:child_process';
import { chmodSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { board, boardAsync, git, sleep, track } from '../helpers.js';
import { cluster, ok, remoteFile } from './sync-helpers.js';

const REMOTE_CLAIMS = 'sync:\n  claims: remote\n';

function holderIn(dir: string, id: string): string | null {
  const m = /claim:\s*\n\s+by: (\S+)/.exec(readFileSync(join(dir, '.board', 'tickets', `${id}.md`), 'utf8'));
  return m ? m[1] : null;
}

async function race(clones: string[], agentsPer: number, id: string) {
  const runs = clones.flatMap((dir, ci) =>
    Array.from({ length: agentsPer }, (_, k) => ({ dir, agent: `a${ci}x${k}` })),
  );
  const results = await Promise.all(
    runs.map((r) => boardAsync(['claim', id, '--as', r.agent], { cwd: r.dir }).then((res) => ({ ...r, res }))),
  );
  return results;
}

function agentsFor(clones: number, per: number) {
  return Array.from({ length: clones }, (_, c) => Array.from({ length: per }, (_, k) => `a${c}x${k}`)).flat();
}

describe('claims confirmed by the remote', () => {
  it('3 clones x 2 claimers race for one ticket: one winner every round, losers told who and where, all clones agree', async () => {
    const c = cluster({ agents: agentsFor(3, 2), tickets: 2, yaml: REMOTE_CLAIMS });
    const clones = [c.first, c.clone('b'), c.clone('c')];
    git(['config', 'board.clone', 'clone-c'], clones[2]);
    git(['config', 'board.clone', 'clone-b'], clones[1]);
    git(['config', 'board.clone', 'clone-a'], clones[0]);
    for (const id of ['T-1', 'T-2']) {
      const results = await race(clones, 2, id);
      const winners = results.filter((r) => r.res.code === 0);
      expect(
        winners,
        results.map((r) => `${r.agent}: ${r.res.code} ${r.res.stdout}${r.res.stderr}`).join('\n'),
      ).toHaveLength(1);
      const w = winners[0];
      expect(w.res.stdout).toMatch(/confirmed by origin/);
      const cloneOf = `clone-${'abc'[clones.indexOf(w.dir)]}`;
      for (const l of results.filter((r) => r !== w)) {
        expect(l.res.code, l.res.stderr).toBe(4);
        expect(l.res.stderr).toContain(`claimed by ${w.agent}`);
        // the holder's clone is named (a loser on the winner's own clone may be refused by the local lock first)
        if (l.dir !== w.dir) expect(l.res.stderr).toContain(cloneOf);
      }
      expect(remoteFile(c.remote, `tickets/${id}.md`)).toContain(`by: ${w.agent}`);
      for (const d of clones) ok(board(['sync'], { cwd: d }));
      for (const d of clones) expect(holderIn(d, id)).toBe(w.agent);
    }
  }, 300_000);

  it('an unreachable remote is said clearly; --offline claims unconfirmed and the next sync reconciles it; a push refused by a hook leaves nothing claimed', () => {
    const c = cluster({ tickets: 2, yaml: REMOTE_CLAIMS });
    const a = c.first;
    const gone = `${c.remote}.away`;
    renameSync(c.remote, gone);
    const r = board(['claim', 'T-1', '--as', 'alice'], { cwd: a });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot confirm with the remote: the remote "origin" cannot be reached/);
    expect(r.stderr).toMatch(/--offline/);
    expect(holderIn(a, 'T-1')).toBe(null);
    const off = ok(board(['claim', 'T-1', '--as', 'alice', '--offline'], { cwd: a }));
    expect(off.stdout).toMatch(/unconfirmed/);
    expect(holderIn(a, 'T-1')).toBe('alice');
    renameSync(gone, c.remote);
    ok(board(['sync'], { cwd: a }));
    expect(remoteFile(c.remote, 'tickets/T-1.md')).toContain('by: alice');

    // a pre-receive hook that refuses: not a race, said as such; T-2 stays unclaimed everywhere
    const hook = join(c.remote, 'hooks', 'pre-receive');
    writeFileSync(hook, '#!/bin/sh\necho "no pushes today" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const before = git(['rev-parse', 'recado'], a);
    const h = board(['claim', 'T-2', '--as', 'bob'], { cwd: a });
    expect(h.code).toBe(1);
    expect(h.stderr).toMatch(/T-2 unchanged \(not confirmed\): the remote "origin" refused the push/);
    expect(h.stderr).toMatch(/pre-receive hook declined/);
    expect(holderIn(a, 'T-2')).toBe(null);
    expect(git(['rev-parse', 'recado'], a)).toBe(before);
    expect(remoteFile(c.remote, 'tickets/T-2.md')).not.toContain('by: bob');
  }, 300_000);

  it('over a real network transport: git daemon on 127.0.0.1, two clones race, one winner', async () => {
    const c = cluster({ agents: agentsFor(2, 2), tickets: 1, yaml: REMOTE_CLAIMS });
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    track(
      spawn(
        'git',
        [
          'daemon',
          '--reuseaddr',
          '--export-all',
          '--enable=receive-pack',
          `--base-path=${c.root}`,
          '--listen=127.0.0.1',
          `--port=${port}`,
          c.root,
        ],
        { stdio: 'ignore' },
      ),
    );
    const listening = () =>
      new Promise<boolean>((resolve) => {
        const sock = connect(port, '127.0.0.1', () => {
          sock.end();
          resolve(true);
        });
        sock.on('error', () => resolve(false));
      });
    for (let i = 0; !(await listening()); i++) {
      if (i > 200) throw new Error('git daemon did not start listening');
      await sleep(100);
    }
    const url = `git://127.0.0.1:${port}/remote.git`;
    const b = c.clone('b');
    for (const d of [c.first, b]) git(['remote', 'set-url', 'origin', url], d);
    ok(board(['sync'], { cwd: b }));
    const results = await race([c.first, b], 2, 'T-1');
    const winners = results.filter((r) => r.res.code === 0);
    expect(winners, results.map((r) => `${r.agent}: ${r.res.code} ${r.res.stderr}`).join('\n')).toHaveLength(1);
    for (const l of results.filter((r) => r !== winners[0])) expect(l.res.code).toBe(4);
    expect(remoteFile(c.remote, 'tickets/T-1.md')).toContain(`by: ${winners[0].agent}`);
    for (const d of [c.first, b]) ok(board(['sync'], { cwd: d }));
    for (const d of [c.first, b]) expect(holderIn(d, 'T-1')).toBe(winners[0].agent);
  }, 300_000);
});

describe('an agent that only has git', () => {
  it('clones, syncs, claims (confirmed by the remote), works on its branch, closes and syncs: no watcher anywhere', () => {
    const c = cluster({ agents: ['alice', 'carol'], tickets: 1, yaml: REMOTE_CLAIMS });
    // the sandbox: a plain clone, then the loop of docs/sync.md
    const box = join(c.root, 'sandbox');
    git(['clone', '-q', c.remote, box], c.root);
    git(['config', 'user.name', 'carol'], box);
    git(['config', 'user.email', 'carol@example.com'], box);
    ok(board(['sync'], { cwd: box }));
    const next = ok(board(['next', '--as', 'carol'], { cwd: box }));
    expect(next.stdout).toMatch(/^T-1\t.*confirmed by origin/m);
    // the claim is on the remote: another clone is refused at once
    const late = board(['claim', 'T-1', '--as', 'alice'], { cwd: c.first });
    expect(late.code).toBe(4);
    expect(late.stderr).toContain('claimed by carol');
    git(['switch', '-q', '-c', 'carol/T-1'], box);
    writeFileSync(join(box, 'code.txt'), 'code v2\n');
    git(['commit', '-qam', 'T-1: the work'], box);
    git(['push', '-q', 'origin', 'carol/T-1'], box);
    expect(ok(board(['close', 'T-1', '--as', 'carol'], { cwd: box })).stdout).toMatch(
      /closed T-1 \(done\) \(confirmed by origin\)/,
    );
    ok(board(['sync'], { cwd: box }));
    ok(board(['sync'], { cwd: c.first }));
    expect(readFileSync(join(c.first, '.board', 'tickets', 'T-1.md'), 'utf8')).toMatch(/status: done/);
    expect(git(['show', 'carol/T-1:code.txt'], c.remote)).toBe('code v2\n');
  }, 300_000);
});
