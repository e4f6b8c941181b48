// `board sync` between two clones through a bare remote: a fresh clone gets the board; two
// clones that claimed the same ticket while apart end with the earliest claim, the loser
// told by recado, every recado and new ticket from both sides kept, and byte-identical
// boards; the users' code branches, index and files are never touched.
import { spawnSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/git/audit.js';
import { locateBoard } from '../../src/store/locate.js';
import { mutateTicket } from '../../src/store/tickets.js';
import { board, git, type RunResult } from '../helpers.js';

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function tempDir(): string {
  const d = realpathSync(mkdtempSync(join(tmpdir(), 'recado-sync-')));
  dirs.push(d);
  return d;
}

function identity(dir: string, name: string) {
  git(['config', 'user.name', name], dir);
  git(['config', 'user.email', `${name}@example.com`], dir);
  git(['config', 'commit.gpgsign', 'false'], dir);
}

/** Every board file (not tmp/ locks/ run/) with its bytes. */
function boardFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = relative(root, p);
      if (['tmp', 'locks', 'run'].includes(rel)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else out[rel] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

/** Claim a ticket as `board claim` would: through the locked ticket store, at a given time. */
async function claim(dir: string, id: string, agent: string, at: string) {
  const now = new Date(at);
  await mutateTicket(locateBoard({ cwd: dir }), id, { actor: agent, now }, (_t, e) => {
    e.set('status', 'in_progress');
    e.set('claim', {
      by: agent,
      at,
      expires: new Date(now.getTime() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
  });
}

function ok(r: RunResult): RunResult {
  expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

function userState(dir: string) {
  return {
    head: git(['rev-parse', 'HEAD'], dir),
    index: readFileSync(join(dir, '.git', 'index')).toString('base64'),
    code: readFileSync(join(dir, 'code.txt'), 'utf8'),
  };
}

/** A bare remote; clone A with a board and ticket T-1 pushed; clone B fresh from the remote. */
function setup() {
  const root = tempDir();
  const remote = join(root, 'remote.git');
  git(['init', '-q', '--bare', '-b', 'main', remote], root);
  const a = join(root, 'a');
  mkdirSync(a);
  git(['init', '-q', '-b', 'main'], a);
  identity(a, 'Ana');
  writeFileSync(join(a, 'code.txt'), 'code v1\n');
  git(['add', 'code.txt'], a);
  git(['commit', '-qm', 'code'], a);
  git(['remote', 'add', 'origin', remote], a);
  git(['push', '-q', 'origin', 'main'], a);
  ok(board(['init'], { cwd: a }));
  const cfg = join(a, '.board', 'board.yaml');
  writeFileSync(cfg, readFileSync(cfg, 'utf8').replace(/^agents:.*(\n[ \t]+.*)*/m, 'agents:\n  alice: {}\n  bob: {}'));
  ok(board(['new', 'Shared work', '--id', 'T-1', '--as', 'ana'], { cwd: a }));
  ok(board(['sync'], { cwd: a }));

  const b = join(root, 'b');
  git(['clone', '-q', remote, b], root);
  identity(b, 'Bruno');
  return { root, remote, a, b };
}

describe('board sync', () => {
  it('a fresh clone gets the board; the code branch, index and files stay as they were', async () => {
    const { a, b } = setup();
    const before = userState(b);
    // a remote that does not exist: said clearly, nothing written
    const bad = board(['sync', '--remote', 'nowhere'], { cwd: b });
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('no git remote named "nowhere"');
    expect(spawnSync('git', ['rev-parse', '--verify', '-q', 'recado'], { cwd: b }).status).not.toBe(0);

    const r = ok(board(['sync'], { cwd: b }));
    expect(r.stdout).toMatch(/updated from origin\/recado: \d+ file\(s\) written/);
    expect(boardFiles(join(b, '.board'))).toEqual(boardFiles(join(a, '.board')));
    // the folders git does not carry are there for the agents in board.yaml
    expect(statSync(join(b, '.board', 'inbox', 'bob', 'new')).isDirectory()).toBe(true);
    expect(statSync(join(b, '.board', 'outbox', 'alice')).isDirectory()).toBe(true);
    expect(userState(b)).toEqual(before);
    expect(git(['status', '--porcelain'], b)).toBe('');
    expect(git(['rev-parse', 'recado'], b)).toBe(git(['rev-parse', 'recado'], a));
    // and it reads its history
    expect(JSON.parse(ok(board(['log', 'T-1', '--json'], { cwd: b })).stdout)[0]).toMatchObject({
      what: 'created',
      author: 'ana',
    });

    // a board wiped from the disk (git clean -x, a pull that untracked it) is never recorded as
    // deleted; sync writes it back
    const tip = git(['rev-parse', 'recado'], b);
    const running = (await AuditLog.open(locateBoard({ cwd: b }), { onEvent: () => undefined }))!; // as a watcher holds it
    rmSync(join(b, '.board'), { recursive: true, force: true });
    const refused = await running.commitAll();
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/board\.yaml is missing: the board will not record the removal of the whole board/);
    expect(git(['rev-parse', 'recado'], b)).toBe(tip);
    await running.close();
    ok(board(['sync'], { cwd: b }));
    expect(boardFiles(join(b, '.board'))).toEqual(boardFiles(join(a, '.board')));
    expect(git(['rev-parse', 'recado'], b)).toBe(tip);
  });

  for (const order of [
    ['a', 'b'],
    ['b', 'a'],
  ] as const) {
    it(`two clones that claimed one ticket offline converge (${order[0].toUpperCase()} syncs first)`, async () => {
      const env = setup();
      const c = { a: env.a, b: env.b };
      ok(board(['sync'], { cwd: c.b }));
      const userBefore = { a: userState(c.a), b: userState(c.b) };

      // apart: alice (on A) claims first, bob (on B) five seconds later; both add tickets and recados
      await claim(c.a, 'T-1', 'alice', '2026-11-21T10:00:00Z');
      await claim(c.b, 'T-1', 'bob', '2026-11-21T10:00:05Z');
      const t1 = join(c.a, '.board', 'tickets', 'T-1.md');
      writeFileSync(t1, readFileSync(t1, 'utf8') + '\nNote from alice.\n');
      ok(board(['new', 'Only on A', '--id', 'T-A', '--as', 'alice'], { cwd: c.a }));
      ok(board(['new', 'Only on B', '--id', 'T-B', '--as', 'bob'], { cwd: c.b }));
      writeFileSync(
        join(c.a, '.board', 'inbox', 'bob', 'new', 'from-alice.md'),
        '---\nid: from-alice\nfrom: alice\nto: bob\nsubject: hi\n---\nfrom A\n',
      );
      writeFileSync(
        join(c.b, '.board', 'inbox', 'alice', 'new', 'from-bob.md'),
        '---\nid: from-bob\nfrom: bob\nto: alice\nsubject: hi\n---\nfrom B\n',
      );

      const [first, second] = order;
      ok(board(['sync'], { cwd: c[first] }));
      const merged = ok(board(['sync', '--json'], { cwd: c[second] }));
      const report = JSON.parse(merged.stdout);
      expect(report.action).toBe('merged');
      expect(report.reconciled).toEqual([
        {
          ticket: 'T-1',
          winner: { by: 'alice', at: '2026-11-21T10:00:00Z' },
          losers: [{ by: 'bob', at: '2026-11-21T10:00:05Z' }],
        },
      ]);
      expect(report.notified).toEqual(['bob']);
      ok(board(['sync'], { cwd: c[first] }));
      ok(board(['sync'], { cwd: c[second] }));
      const again = JSON.parse(ok(board(['sync', '--json'], { cwd: c[first] })).stdout);
      expect(again.action).toBe('up-to-date');

      // both boards are byte-identical, and so are the audit branches
      const fa = boardFiles(join(c.a, '.board'));
      expect(boardFiles(join(c.b, '.board'))).toEqual(fa);
      expect(git(['rev-parse', 'recado'], c.b)).toBe(git(['rev-parse', 'recado'], c.a));
      expect(git(['rev-parse', 'origin/recado'], c.a)).toBe(git(['rev-parse', 'recado'], c.a));

      // one claim survives: the earliest
      const ticket = fa['tickets/T-1.md'];
      expect(ticket).toMatch(/claim:\n {2}by: alice\n {2}at: 2026-11-21T10:00:00Z/);
      expect(ticket).not.toContain('by: bob');
      expect(ticket).toContain('status: in_progress');
      expect(ticket).toContain('Note from alice.');
      const show = JSON.parse(ok(board(['show', 'T-1', '--json'], { cwd: c.b })).stdout);
      expect(show.claim.by).toBe('alice');

      // both sides' tickets and recados are kept
      expect(Object.keys(fa)).toEqual(
        expect.arrayContaining([
          'tickets/T-A.md',
          'tickets/T-B.md',
          'inbox/bob/new/from-alice.md',
          'inbox/alice/new/from-bob.md',
        ]),
      );

      // the loser was told, once
      const notices = Object.entries(fa).filter(
        ([p, text]) => p.startsWith('inbox/bob/new/') && text.includes('from: board'),
      );
      expect(notices).toHaveLength(1);
      expect(notices[0][1]).toMatch(/ticket: T-1/);
      expect(notices[0][1]).toMatch(/alice claimed it first/);
      expect(
        Object.keys(fa).filter((p) => p.startsWith('inbox/alice/new/') && fa[p].includes('from: board')),
      ).toHaveLength(0);

      // the history tells the story
      const log = JSON.parse(ok(board(['log', 'T-1', '--json'], { cwd: c.b })).stdout).map(
        (e: { what: string }) => e.what,
      );
      expect(log.some((w: string) => w.startsWith('claimed by alice'))).toBe(true);
      expect(log.some((w: string) => w.startsWith('claimed by bob'))).toBe(true);
      expect(log).toContain(
        'sync: claimed on both sides; alice claimed first (2026-11-21T10:00:00Z); undone: bob (2026-11-21T10:00:05Z)',
      );
      expect(log.at(-1)).toBe('created');

      // the users' code branches, indexes and files were not touched
      expect({ a: userState(c.a), b: userState(c.b) }).toEqual(userBefore);
      for (const d of [c.a, c.b]) {
        expect(git(['status', '--porcelain'], d)).toBe('');
        const paths = git(['ls-tree', '-r', '--name-only', 'recado'], d).split('\n').filter(Boolean);
        expect(paths.every((p) => p.startsWith('.board/'))).toBe(true);
      }
    });
  }
});
