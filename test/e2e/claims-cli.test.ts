/**
 * The claim commands as a user runs them: claim, renew, release, leases, refusals with their
 * exit codes and messages, check-paths, and the pre-commit hook in a linked worktree.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { board, git, tempRepo, type TempRepo } from '../helpers.js';

let repo: TempRepo;
beforeEach(() => {
  repo = tempRepo();
});
afterEach(() => repo.cleanup());

const newTicket = (title: string, ...extra: string[]) => {
  const r = repo.board(['new', title, '--as', 'planner', ...extra]);
  expect(r.stderr).toBe('');
  return r.stdout.trim();
};
const show = (id: string) => JSON.parse(repo.board(['show', id, '--json']).stdout);
const errorOf = (r: { stderr: string }) => JSON.parse(r.stderr).error;

describe('claim, renew, release', () => {
  it('claim: a lease in my name, status in_progress, the ticket shape with --json', () => {
    const id = newTicket('Login API', '--locks', 'src/auth/**');
    const before = Date.now();
    const r = repo.board(['claim', id, '--as', 'alice', '--json']);
    expect(r.code).toBe(0);
    const t = JSON.parse(r.stdout);
    expect(Object.keys(t)).toEqual(
      expect.arrayContaining([
        'id',
        'title',
        'status',
        'assignee',
        'deps',
        'locks',
        'labels',
        'priority',
        'claim',
        'created',
        'updated',
        'wave',
        'ready',
        'blocked_by',
        'body',
      ]),
    );
    expect(t).toMatchObject({
      id,
      status: 'in_progress',
      claim: { by: 'alice' },
      updated_by: 'alice',
      wave: 1,
      ready: false,
    });
    const lease = Date.parse(t.claim.expires) - before;
    expect(lease).toBeGreaterThan(29 * 60_000);
    expect(lease).toBeLessThan(31 * 60_000);
    // what a user sees in the file
    const text = repo.read('.board', 'tickets', `${id}.md`);
    expect(text).toMatch(/\nstatus: in_progress\n/);
    expect(text).toMatch(/\nclaim:\n {2}by: alice\n {2}at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n {2}expires: /);
    const human = repo.board(['claim', id, '--as', 'alice']);
    expect(human.stdout).toMatch(
      new RegExp(`^renewed ${id}: alice until .*Z \\((?:\\d+h)?(?:\\d+m)?(?:\\d+s)? left\\)\\n$`),
    );
  });

  it('a second claimer gets exit 4 naming the holder and since when', () => {
    const id = newTicket('x');
    const first = JSON.parse(repo.board(['claim', id, '--as', 'alice', '--json']).stdout);
    const r = repo.board(['claim', id, '--as', 'bob']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      `board: ${id} is claimed by alice since ${first.claim.at}\n  hint: wait until the lease ends at ${first.claim.expires}, or ask alice (board send alice ...)\n`,
    );
    const j = repo.board(['claim', id, '--as', 'bob', '--json']);
    expect(errorOf(j)).toMatchObject({
      kind: 'conflict',
      exit: 4,
      data: { holder: 'alice', since: first.claim.at, expires: first.claim.expires },
    });
  });

  it('--lease takes seconds or a duration; board.yaml lease: sets the default; a bad one is exit 2', () => {
    const a = newTicket('a');
    const b = newTicket('b');
    const c = newTicket('c');
    const t0 = Date.now();
    const short = JSON.parse(repo.board(['claim', a, '--as', 'alice', '--lease', '90', '--json']).stdout);
    expect(Date.parse(short.claim.expires) - t0).toBeGreaterThan(88_000);
    expect(Date.parse(short.claim.expires) - t0).toBeLessThan(95_000);
    const long = JSON.parse(repo.board(['claim', b, '--as', 'alice', '--lease', '2h', '--json']).stdout);
    expect(Date.parse(long.claim.expires) - t0).toBeGreaterThan(2 * 3_600_000 - 2000);
    const config = readFileSync(repo.path('.board', 'board.yaml'), 'utf8');
    expect(config).toMatch(/^lease: 30m$/m);
    writeFileSync(repo.path('.board', 'board.yaml'), config.replace(/^lease: 30m$/m, 'lease: 45m'));
    const dflt = JSON.parse(repo.board(['claim', c, '--as', 'alice', '--json']).stdout);
    expect(Math.round((Date.parse(dflt.claim.expires) - Date.now()) / 60_000)).toBe(45);
    const bad = repo.board(['claim', a, '--as', 'alice', '--lease', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --lease "soon"/);
  });

  it('renew: the holder extends the lease (same start); anyone else gets exit 4', () => {
    const id = newTicket('x');
    const first = JSON.parse(repo.board(['claim', id, '--as', 'alice', '--lease', '60s', '--json']).stdout);
    const r = JSON.parse(repo.board(['renew', id, '--as', 'alice', '--lease', '1h', '--json']).stdout);
    expect(r.claim.at).toBe(first.claim.at);
    expect(Date.parse(r.claim.expires)).toBeGreaterThan(Date.parse(first.claim.expires) + 50 * 60_000);
    const bob = repo.board(['renew', id, '--as', 'bob']);
    expect(bob.code).toBe(4);
    expect(bob.stderr).toMatch(`is claimed by alice since ${first.claim.at}`);
    const unclaimed = newTicket('y');
    const none = repo.board(['renew', unclaimed, '--as', 'alice']);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(`alice does not hold ${unclaimed}`);
  });

  it('a lapsed lease: anyone may claim it; its old holder renews it only if nobody did', async () => {
    const id = newTicket('x');
    const first = JSON.parse(repo.board(['claim', id, '--as', 'alice', '--lease', '1s', '--json']).stdout);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(first.claim.expires) - Date.now() + 100)));
    const again = JSON.parse(repo.board(['renew', id, '--as', 'alice', '--json']).stdout);
    expect(again.claim.by).toBe('alice');
    expect(again.claim.at).not.toBe(first.claim.at); // taken again from scratch
    const second = JSON.parse(repo.board(['claim', id, '--as', 'alice', '--lease', '1s', '--json']).stdout);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(second.claim.expires) - Date.now() + 100)));
    expect(repo.board(['claim', id, '--as', 'bob']).code).toBe(0);
    const late = repo.board(['renew', id, '--as', 'alice']);
    expect(late.code).toBe(4);
    expect(late.stderr).toMatch(/is claimed by bob since/);
  });

  it('release: holder only (or --force); back to todo; releasing an unclaimed ticket changes nothing', () => {
    const id = newTicket('x');
    repo.board(['claim', id, '--as', 'alice']);
    const bob = repo.board(['release', id, '--as', 'bob']);
    expect(bob.code).toBe(4);
    expect(bob.stderr).toMatch(
      new RegExp(
        `^board: ${id} is claimed by alice since \\S+Z\\n  hint: only alice can release it before \\S+Z; people can use --force`,
      ),
    );
    const r = repo.board(['release', id, '--as', 'alice']);
    expect(r.stdout).toBe(`released ${id} (was held by alice); status todo\n`);
    expect(show(id)).toMatchObject({ status: 'todo', claim: null, ready: true });
    expect(repo.read('.board', 'tickets', `${id}.md`)).not.toMatch(/claim:/);
    const again = repo.board(['release', id, '--as', 'alice']);
    expect([again.code, again.stdout]).toEqual([0, `${id} was not claimed; nothing to release\n`]);
    repo.board(['claim', id, '--as', 'alice']);
    const forced = repo.board(['release', id, '--as', 'person', '--force', '--json']);
    expect(JSON.parse(forced.stdout)).toMatchObject({ id, status: 'todo', claim: null });
  });

  it('close ends the claim', () => {
    const id = newTicket('x');
    repo.board(['claim', id, '--as', 'alice']);
    expect(repo.board(['close', id, '--as', 'alice']).code).toBe(0);
    expect(show(id)).toMatchObject({ status: 'done', claim: null });
    const r = repo.board(['claim', id, '--as', 'bob']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(`${id} is done`);
  });

  it('a ticket in a wave that is not open, or waiting on dependencies, cannot be claimed (exit 4, says why)', () => {
    const a = newTicket('first');
    const b = newTicket('second', '--deps', a);
    const r = repo.board(['claim', b, '--as', 'alice']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(`${b} waits on ${a} (not done yet)`);
    // strict waves: a ticket of wave 2 whose own dependency is cancelled still waits for wave 1
    const c = newTicket('third');
    repo.board(['close', a, '--cancel', '--as', 'planner']);
    const d = newTicket('fourth', '--deps', a);
    expect(show(d).wave).toBe(2);
    const w = repo.board(['claim', d, '--as', 'alice', '--json']);
    expect(w.code).toBe(4);
    expect(errorOf(w)).toMatchObject({
      message: `${d} is in wave 2, which is not open (open wave: 1)`,
      data: { reason: 'wave', wave: 2, open: 1 },
    });
    expect(repo.board(['claim', c, '--as', 'alice']).code).toBe(0);
  });

  it('overlapping locks: exit 4 naming the other ticket, its holder and the patterns', () => {
    const a = newTicket('auth', '--locks', 'src/auth/**');
    const b = newTicket('ts', '--locks', 'src/**/*.ts,docs/*.md');
    repo.board(['claim', a, '--as', 'alice']);
    const r = repo.board(['claim', b, '--as', 'bob', '--json']);
    expect(r.code).toBe(4);
    const e = errorOf(r);
    expect(e.message).toMatch(
      new RegExp(
        `^${b} overlaps ${a}, claimed by alice since \\S+: src/\\*\\*/\\*\\.ts / src/auth/\\*\\* \\(e\\.g\\. src/auth/x\\.ts\\)$`,
      ),
    );
    expect(e.data).toMatchObject({
      reason: 'reserved',
      ticket: a,
      holder: 'alice',
      patterns: [{ mine: 'src/**/*.ts', theirs: 'src/auth/**' }],
    });
    // the holder of the other ticket may take it (an agent does not conflict with itself)
    expect(repo.board(['claim', b, '--as', 'alice']).code).toBe(0);
  });

  it('unknown tickets and bad names are refused before anything is written', () => {
    expect(repo.board(['claim', 'T-nope', '--as', 'alice']).code).toBe(3);
    expect(repo.board(['claim', '../x', '--as', 'alice']).code).toBe(2);
    const id = newTicket('x');
    expect(repo.board(['claim', id, '--as', '../bob']).code).toBe(2);
    expect(show(id).claim).toBeNull();
  });
});

describe('board doctor', () => {
  it('warns about reservations of different agents that overlap, and about leases that ran out', async () => {
    const a = newTicket('a', '--locks', 'src/a/**');
    const b = newTicket('b', '--locks', 'src/b/**');
    repo.board(['claim', a, '--as', 'alice']);
    repo.board(['claim', b, '--as', 'bob']);
    expect(repo.board(['edit', b, '--locks', 'src/**', '--as', 'bob']).code).toBe(0); // widened after the claim
    const c = newTicket('c');
    const lapsed = JSON.parse(repo.board(['claim', c, '--as', 'carol', '--lease', '1s', '--json']).stdout).claim;
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(lapsed.expires) - Date.now() + 100)));
    const d = JSON.parse(repo.board(['doctor', '--json']).stdout);
    const messages = d.problems.map((p: { message: string }) => p.message);
    const [first, second] = [`${a} (claimed by alice)`, `${b} (claimed by bob)`].sort();
    const pair = first.startsWith(a) ? 'src/a/** / src/**' : 'src/** / src/a/**';
    expect(messages).toContain(`${first} and ${second} reserve overlapping paths: ${pair}`);
    expect(messages).toContain(`${c}: the lease of carol ran out at ${lapsed.expires}`);
  });
});

describe('board next', () => {
  it("picks my assigned ticket first, then unassigned by priority; never someone else's; exit 3 when nothing is left", () => {
    const low = newTicket('low', '--priority', '3');
    const high = newTicket('high', '--priority', '0');
    newTicket("bob's", '--priority', '0', '--assignee', 'bob');
    const mine = newTicket('mine', '--priority', '4', '--assignee', 'alice');
    const picks = [1, 2, 3].map(() => JSON.parse(repo.board(['next', '--as', 'alice', '--also', '--json']).stdout).id);
    expect(picks).toEqual([mine, high, low]);
    // holding claims, alice is refused another without --also (no hoarding), naming one she holds
    const hoarding = repo.board(['next', '--as', 'alice']);
    expect(hoarding.code).toBe(4);
    expect(hoarding.stderr).toContain('--also');
    const none = repo.board(['next', '--as', 'alice', '--also']);
    expect(none.code).toBe(3);
    expect(none.stderr).toMatch(/^board: nothing ready for alice\n/);
    const human = repo.board(['next', '--as', 'bob', '--lease', '5m']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^T-\w+\tbob's\t\(claimed: bob until \S+ \((?:\d+h)?(?:\d+m)?(?:\d+s)? left\)\)\n$/);
  });
});

describe('check-paths', () => {
  it("exit 4 for a file reserved by another agent's claim, naming ticket, holder, since and pattern", () => {
    const id = newTicket('auth', '--locks', 'src/auth/**');
    const claim = JSON.parse(repo.board(['claim', id, '--as', 'alice', '--json']).stdout).claim;
    const r = repo.board(['check-paths', 'src/auth/login.ts', 'README.md', '--as', 'bob']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      `board: src/auth/login.ts is reserved by ${id}, claimed by alice since ${claim.at} (until ${claim.expires}; pattern src/auth/**)\n`,
    );
    const j = repo.board(['check-paths', 'src/auth/login.ts', 'README.md', '--as', 'bob', '--json']);
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stdout)).toEqual({
      ok: false,
      actor: 'bob',
      checked: 2,
      outside: [],
      reserved: [
        {
          file: 'src/auth/login.ts',
          ticket: id,
          holder: 'alice',
          since: claim.at,
          expires: claim.expires,
          pattern: 'src/auth/**',
        },
      ],
    });
    const own = repo.board(['check-paths', 'src/auth/login.ts', '--as', 'alice']);
    expect([own.code, own.stdout]).toEqual([0, 'ok: 1 file checked, none reserved by another agent\n']);
    // BOARD_AGENT is who you are when --as is not given
    expect(repo.board(['check-paths', 'src/auth/x.ts'], { env: { BOARD_AGENT: 'alice' } }).code).toBe(0);
    expect(repo.board(['check-paths', 'src/auth/x.ts'], { env: { BOARD_AGENT: 'bob' } }).code).toBe(4);
  });

  it('paths are relative to the current folder, checked from the top of the worktree', () => {
    const id = newTicket('auth', '--locks', 'src/auth/**');
    repo.board(['claim', id, '--as', 'alice']);
    repo.write('src/auth/.keep', '');
    const r = repo.board(['check-paths', 'login.ts', '../../README.md', '/etc/passwd', '--as', 'bob', '--json'], {
      cwd: repo.path('src', 'auth'),
    });
    expect(r.code).toBe(4);
    const out = JSON.parse(r.stdout);
    expect(out.reserved.map((x: { file: string }) => x.file)).toEqual(['src/auth/login.ts']);
    expect(out.outside).toHaveLength(1);
  });

  it('a lapsed claim reserves nothing; a file nobody reserved passes', async () => {
    const id = newTicket('auth', '--locks', 'src/auth/**');
    const claim = JSON.parse(repo.board(['claim', id, '--as', 'alice', '--lease', '1s', '--json']).stdout).claim;
    expect(repo.board(['check-paths', 'src/other.ts', '--as', 'bob']).code).toBe(0);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(claim.expires) - Date.now() + 100)));
    expect(repo.board(['check-paths', 'src/auth/a.ts', '--as', 'bob']).code).toBe(0);
  });
});

describe('the pre-commit hook', () => {
  function commitIn(dir: string, agent: string, ...extra: string[]) {
    return spawnSync('git', ['commit', '-q', '-m', 'change', ...extra], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, BOARD_AGENT: agent, NO_COLOR: '1' },
    });
  }

  it('refuses a commit of a reserved file in a linked worktree, names the holder; --no-verify passes', () => {
    repo.write('README.md', 'hello\n');
    git(['add', '-A'], repo.dir);
    git(['commit', '-q', '-m', 'start'], repo.dir);
    const install = repo.board(['hooks', 'install']);
    expect(install.code).toBe(0);
    expect(install.stdout).toMatch(/^installed the pre-commit hook: .*\.git\/hooks\/pre-commit\n/);
    const id = newTicket('auth', '--locks', 'src/auth/**');
    const claim = JSON.parse(repo.board(['claim', id, '--as', 'alice', '--json']).stdout).claim;

    const wt = `${repo.dir}-second`;
    try {
      git(['worktree', 'add', '-q', '-b', 'bob-work', wt], repo.dir);
      writeFileSync(join(wt, 'notes.md'), 'free to change\n');
      git(['add', 'notes.md'], wt);
      expect(commitIn(wt, 'bob').status).toBe(0); // nothing reserved: passes quietly

      spawnSync('mkdir', ['-p', join(wt, 'src', 'auth')]);
      writeFileSync(join(wt, 'src', 'auth', 'login.ts'), 'export {}\n');
      git(['add', 'src/auth/login.ts'], wt);
      const refused = commitIn(wt, 'bob');
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain(`src/auth/login.ts is reserved by ${id}, claimed by alice since ${claim.at}`);
      expect(refused.stderr).toContain('git commit --no-verify');
      expect(git(['log', '--oneline'], wt).split('\n').filter(Boolean)).toHaveLength(2);

      // the holder may commit it; anyone may with --no-verify
      expect(commitIn(wt, 'alice', '--dry-run').status).toBe(0);
      const bypass = commitIn(wt, 'bob', '--no-verify');
      expect(bypass.status).toBe(0);
      expect(git(['log', '--oneline'], wt).split('\n').filter(Boolean)).toHaveLength(3);
    } finally {
      spawnSync('git', ['worktree', 'remove', '--force', wt], { cwd: repo.dir });
      spawnSync('rm', ['-rf', wt]);
    }
  });

  it('never clobbers an existing hook: refuses, or chains it with --chain; uninstall puts it back', () => {
    const hook = repo.path('.git', 'hooks', 'pre-commit');
    writeFileSync(hook, '#!/bin/sh\necho previous hook ran >&2\nexit 0\n');
    chmodSync(hook, 0o755);
    const refused = repo.board(['hooks', 'install']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(
      /a pre-commit hook already exists at .*pre-commit; it was left untouched\n {2}hint: run `board hooks install --chain`/,
    );
    expect(readFileSync(hook, 'utf8')).toMatch(/previous hook ran/);

    const chained = repo.board(['hooks', 'install', '--chain']);
    expect(chained.code).toBe(0);
    expect(chained.stdout).toMatch(/chained the pre-commit hook/);
    expect(readFileSync(hook, 'utf8')).toMatch(/board-pre-commit/);
    expect(existsSync(repo.path('.git', 'hooks', 'pre-commit.before-board'))).toBe(true);
    repo.write('a.txt', 'x\n');
    git(['add', 'a.txt'], repo.dir);
    const c = commitIn(repo.dir, 'bob');
    expect(c.status).toBe(0);
    expect(c.stderr).toContain('previous hook ran');

    expect(repo.board(['hooks', 'install']).stdout).toMatch(/^updated the pre-commit hook/); // idempotent
    const un = repo.board(['hooks', 'uninstall']);
    expect(un.stdout).toMatch(/removed .*pre-commit \(the previous hook is back\)/);
    expect(readFileSync(hook, 'utf8')).toMatch(/previous hook ran/);
  });

  it('respects core.hooksPath', () => {
    git(['config', 'core.hooksPath', join(repo.dir, 'my-hooks')], repo.dir);
    const r = board(['hooks', 'install', '--json'], { cwd: repo.dir });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.path).toBe(join(repo.dir, 'my-hooks', 'pre-commit'));
    expect(existsSync(out.path)).toBe(true);
  });
});
