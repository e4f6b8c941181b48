/**
 * Integration end to end: real repositories, agents' worktrees on board/NAME, the real
 * `board` binary and a real watcher.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  BIN,
  board,
  cleanEnv,
  git,
  startWatcherProcess,
  tempDir,
  tempRepo,
  track,
  waitFor,
  type TempRepo,
} from '../helpers.js';

// every test runs dozens of real processes (board, git) on a shared machine
vi.setConfig({ testTimeout: 240_000 });

const procs: ChildProcess[] = [];

interface Setup {
  r: TempRepo;
  wt: Record<string, string>;
  /** Run board in an agent's worktree as that agent. */
  as(agent: string, args: string[]): ReturnType<typeof board>;
  commit(agent: string, file: string, content: string, message?: string): string;
  ticket(id: string): string;
  tip(ref?: string): string | null;
  inbox(agent: string): Array<{ id: string; subject: string; body: string; from: string }>;
}

/** A repository with a first commit, a board, and agents with their worktrees. */
function setup(agents: string[], yaml = ''): Setup {
  const r = tempRepo();
  const wtDir = tempDir('recado-wt-');
  r.write('README.md', '# project\n');
  git(['add', 'README.md'], r.dir);
  git(['commit', '-qm', 'first commit'], r.dir);
  const wt: Record<string, string> = {};
  for (const a of agents) {
    wt[a] = join(wtDir, a);
    const res = r.board(['agent', 'add', a, ...(a === 'pat' ? [] : ['--worktree', wt[a]])]);
    expect(res.code, res.stderr).toBe(0);
  }
  if (yaml) appendFileSync(r.path('.board', 'board.yaml'), `\n${yaml}\n`);
  return {
    r,
    wt,
    as: (agent, args) => board([...args, '--as', agent], { cwd: wt[agent] ?? r.dir }),
    commit: (agent, file, content, message = `${agent}: ${file}`) => {
      writeFileSync(join(wt[agent], file), content);
      git(['add', file], wt[agent]);
      git(['commit', '-qm', message], wt[agent]);
      return git(['rev-parse', 'HEAD'], wt[agent]).trim();
    },
    ticket: (id) => r.read('.board', 'tickets', `${id}.md`),
    tip: (ref = 'integration') => {
      try {
        return git(['rev-parse', '--verify', '-q', `refs/heads/${ref}`], r.dir).trim();
      } catch {
        return null;
      }
    },
    inbox: (agent) => {
      const res = r.board(['inbox', '--all', '--as', agent, '--json']);
      expect(res.code, res.stderr).toBe(0);
      const v = JSON.parse(res.stdout) as { recados?: unknown[] } | unknown[];
      return (Array.isArray(v) ? v : (v.recados ?? [])) as Array<{
        id: string;
        subject: string;
        body: string;
        from: string;
      }>;
    },
  };
}

function newTicket(s: Setup, title: string, extra: string[] = []): string {
  const res = s.r.board(['new', title, ...extra, '--as', 'pat']);
  expect(res.code, res.stderr).toBe(0);
  return res.stdout.trim();
}

/** Claim, commit a file, close: the usual life of a ticket. */
function work(s: Setup, agent: string, id: string, file: string, content: string): string {
  expect(s.as(agent, ['claim', id]).code).toBe(0);
  const sha = s.commit(agent, file, content);
  const res = s.as(agent, ['close', id]);
  expect(res.code, res.stderr).toBe(0);
  return sha;
}

const integrateJson = (s: Setup, args: string[] = []) => {
  const res = s.r.board(['integrate', ...args, '--json']);
  return { code: res.code, stderr: res.stderr, report: res.stdout ? JSON.parse(res.stdout) : null };
};

describe('a ticket knows its work', () => {
  it("close records the branch and the commits since the holder's previous ticket; no commits says so", () => {
    const s = setup(['alice', 'pat']);
    const t1 = newTicket(s, 'One');
    const t2 = newTicket(s, 'Two');
    const t3 = newTicket(s, 'Three');
    const a = work(s, 'alice', t1, 'a.txt', 'a\n');
    expect(s.ticket(t1)).toMatch(
      new RegExp(`work:\\n  by: alice\\n  branch: board/alice\\n  base: [0-9a-f]{40}\\n  head: ${a}\\n  commits: 1`),
    );
    expect(s.as('alice', ['claim', t2]).code).toBe(0);
    s.commit('alice', 'b.txt', 'b\n');
    const b = s.commit('alice', 'c.txt', 'c\n');
    const closed = s.as('alice', ['close', t2]);
    expect(closed.stdout).toContain('work: 2 commits on board/alice');
    expect(s.ticket(t2)).toContain(`base: ${a}\n  head: ${b}\n  commits: 2`);

    expect(s.as('alice', ['claim', t3]).code).toBe(0);
    const none = s.as('alice', ['close', t3]);
    expect(none.stdout).toContain('no commits found on board/alice: nothing to integrate');
    const run = integrateJson(s);
    expect(run.code).toBe(0);
    const empty = run.report.tickets.find((t: { id: string }) => t.id === t3);
    expect(empty).toMatchObject({ result: 'empty' });
    expect(empty.message).toContain('closed with no commits');
    expect(s.ticket(t3)).toContain('integrate:\n  state: empty');
  });

  it('close --commits A..B records that range; a range that does not resolve is exit 2', () => {
    const s = setup(['alice', 'pat']);
    const t1 = newTicket(s, 'Range');
    const base = git(['rev-parse', 'HEAD'], s.wt.alice).trim();
    s.commit('alice', 'x.txt', 'x\n');
    const head = s.commit('alice', 'y.txt', 'y\n');
    expect(s.as('alice', ['close', t1, '--commits', 'nope..HEAD']).code).toBe(2);
    expect(s.ticket(t1)).toContain('status: todo');
    const res = s.as('alice', ['close', t1, '--commits', `${base}..${head}`]);
    expect(res.code, res.stderr).toBe(0);
    expect(s.ticket(t1)).toContain(`base: ${base}\n  head: ${head}\n  commits: 2`);
  });
});

describe('board integrate', () => {
  it("merges in wave order in a private worktree, the author as author; never touches the person's checkout", () => {
    const s = setup(['alice', 'bob', 'pat']);
    const t1 = newTicket(s, 'Base layer', ['--assignee', 'alice']);
    const t2 = newTicket(s, 'On top', ['--assignee', 'bob', '--deps', t1]);
    // a hostile title written by hand (the CLI refuses a line break in a title)
    const t2file = s.r.path('.board', 'tickets', `${t2}.md`);
    writeFileSync(t2file, readFileSync(t2file, 'utf8').replace(/^title: .*$/m, 'title: "On top\\n`rm -rf /` $(evil)"'));
    work(s, 'alice', t1, 'one.txt', '1\n');
    git(['merge', '-q', 'board/alice'], s.wt.bob); // bob builds on alice's work
    work(s, 'bob', t2, 'two.txt', '2\n');
    s.r.write('mine.txt', "the person's uncommitted work\n");
    const headBefore = git(['rev-parse', 'HEAD'], s.r.dir).trim();

    const run = integrateJson(s);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.tickets.map((t: { id: string; result: string }) => [t.id, t.result])).toEqual([
      [t1, 'integrated'],
      [t2, 'integrated'],
    ]);
    const log = git(['log', '--format=%an|%s', 'integration'], s.r.dir).split('\n');
    expect(log[0]).toMatch(new RegExp(`^bob\\|integrate\\(${t2}\\): On top`));
    expect(log[0]).not.toContain('\n');
    expect(log).toContain(`alice|integrate(${t1}): Base layer`);
    expect(git(['show', 'integration:two.txt'], s.r.dir)).toBe('2\n');
    // the person's checkout and branch are untouched
    expect(git(['rev-parse', 'HEAD'], s.r.dir).trim()).toBe(headBefore);
    expect(git(['symbolic-ref', 'HEAD'], s.r.dir).trim()).toBe('refs/heads/main');
    expect(s.r.read('mine.txt')).toContain('uncommitted');
    expect(existsSync(s.r.path('one.txt'))).toBe(false);
    expect(s.ticket(t1)).toMatch(
      /integrate:\n {2}state: integrated\n {2}at: .*\n {2}branch: integration\n {2}commit: [0-9a-f]{40}/,
    );

    const status = JSON.parse(s.r.board(['status', '--json']).stdout);
    expect(status.integration.counts).toMatchObject({ integrated: 2, waiting: 0 });
    const tlog = s.r.board(['log', t1]);
    expect(tlog.code).toBe(0);

    // run again: nothing to do
    const again = integrateJson(s);
    expect(again.report.tickets).toEqual([]);
  });

  it('a conflict aborts cleanly, marks the ticket with the files, tells its author; resolved after the author merges', () => {
    const s = setup(['alice', 'bob', 'pat']);
    const t1 = newTicket(s, 'Alice edits shared');
    const t2 = newTicket(s, 'Bob edits shared');
    work(s, 'alice', t1, 'shared.txt', 'alice\n');
    work(s, 'bob', t2, 'shared.txt', 'bob\n');
    const run = integrateJson(s);
    expect(run.code).toBe(4);
    const r2 = run.report.tickets.find((t: { id: string }) => t.id === t2);
    expect(r2).toMatchObject({ result: 'conflict', files: ['shared.txt'] });
    expect(s.ticket(t2)).toMatch(/integrate:\n {2}state: conflict\n[\s\S]*files:\n {4}- shared.txt/);
    expect(git(['show', 'integration:shared.txt'], s.r.dir)).toBe('alice\n');
    // nothing half-merged anywhere
    const tree = join(
      git(['rev-parse', '--git-common-dir'], s.r.dir)
        .trim()
        .replace(/^\.git$/, s.r.path('.git')),
      'board-integrate',
      'tree',
    );
    expect(existsSync(join(s.r.path('.git'), 'board-integrate', 'tree', '.git'))).toBe(true);
    expect(git(['status', '--porcelain'], join(s.r.path('.git'), 'board-integrate', 'tree'))).toBe('');
    void tree;
    const told = s.inbox('bob').find((m) => m.subject.includes('conflict'));
    expect(told?.body).toContain('shared.txt');
    expect(s.r.board(['status']).stdout).toMatch(/conflict .*Bob edits shared \(shared\.txt\)/);

    // bob merges the integration branch into his, resolves, commits
    expect(() => git(['merge', 'integration'], s.wt.bob)).toThrow();
    writeFileSync(join(s.wt.bob, 'shared.txt'), 'alice\nbob\n');
    git(['add', 'shared.txt'], s.wt.bob);
    git(['commit', '-qm', 'merge integration, resolve'], s.wt.bob);
    const retry = integrateJson(s);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.report.tickets).toMatchObject([{ id: t2, result: 'integrated' }]);
    expect(git(['show', 'integration:shared.txt'], s.r.dir)).toBe('alice\nbob\n');
    expect(s.ticket(t2)).toContain('state: integrated');
  });

  it('a failing check leaves the branch unchanged and tells the author and the person with its last lines', () => {
    const s = setup(
      ['alice', 'pat'],
      'person: pat\nintegrate:\n  check: "if [ -e bad.txt ]; then printf \'line %s\\\\n\' 1 2 3; echo \\"BAD FILE FOUND\\"; exit 3; fi"',
    );
    const t1 = newTicket(s, 'Adds a bad file');
    work(s, 'alice', t1, 'bad.txt', 'bad\n');
    const main = git(['rev-parse', 'main'], s.r.dir).trim();
    const run = integrateJson(s);
    expect(run.code, run.stderr).toBe(4);
    expect(run.report.tickets[0]).toMatchObject({ id: t1, result: 'check_failed' });
    expect(run.report.tickets[0].check.tail).toContain('BAD FILE FOUND');
    expect(s.tip()).toBe(main);
    for (const who of ['alice', 'pat']) {
      const m = s.inbox(who).find((x) => x.subject.includes('check failed'));
      expect(m?.body, who).toContain('BAD FILE FOUND');
    }
    expect(s.ticket(t1)).toContain('state: check_failed');
    // the author fixes it on the branch: the next run takes the new tip
    git(['rm', '-q', 'bad.txt'], s.wt.alice);
    git(['commit', '-qm', 'remove bad file'], s.wt.alice);
    const retry = integrateJson(s);
    expect(retry.code, retry.stderr).toBe(0);
    expect(retry.report.tickets[0]).toMatchObject({ id: t1, result: 'integrated' });
    expect(s.ticket(t1)).toContain('commits: 2');
  });

  it('a check that hangs is stopped at integrate.check_timeout', () => {
    const s = setup(['alice', 'pat'], 'integrate:\n  check: "echo started; sleep 30"\n  check_timeout: 1s');
    const t1 = newTicket(s, 'Slow');
    work(s, 'alice', t1, 'a.txt', 'a\n');
    const t0 = Date.now();
    const run = integrateJson(s);
    expect(run.code).toBe(4);
    expect(run.report.tickets[0]).toMatchObject({ result: 'check_failed', check: { timed_out: true } });
    expect(run.report.tickets[0].message).toContain('timed out');
    expect(Date.now() - t0).toBeLessThan(25_000);
  });

  it('a branch deleted after the close still integrates; commits that are gone are reported missing', () => {
    const s = setup(['alice', 'bob', 'pat']);
    const t1 = newTicket(s, 'Kept commits');
    const t2 = newTicket(s, 'Lost commits');
    work(s, 'alice', t1, 'a.txt', 'a\n');
    // bob's work is recorded from a commit nobody keeps
    const tree = git(['write-tree'], s.r.dir).trim();
    const orphan = git(['commit-tree', tree, '-p', 'HEAD', '-m', 'dangling'], s.r.dir).trim();
    expect(s.as('bob', ['close', t2, '--commits', orphan]).code).toBe(0);
    git(['worktree', 'remove', '--force', s.wt.alice], s.r.dir);
    git(['branch', '-D', 'board/alice'], s.r.dir);
    git(['reflog', 'expire', '--expire=now', '--all'], s.r.dir);
    git(['gc', '-q', '--prune=now'], s.r.dir);
    const run = integrateJson(s);
    expect(run.code).toBe(4);
    const byId = Object.fromEntries(run.report.tickets.map((t: { id: string }) => [t.id, t]));
    expect(byId[t2]).toMatchObject({ result: 'missing' });
    expect(byId[t2].message).toContain('is gone');
    // alice's commits survive in the object store only while reachable: here the gc took
    // them too, unless the branch kept them; either way the outcome is said, not thrown
    expect(['integrated', 'missing']).toContain(byId[t1].result);
  });

  it('two integrations at once: one runs, the other says so (exit 4)', async () => {
    const dir = tempDir('recado-mark-');
    const s = setup(
      ['alice', 'pat'],
      `integrate:\n  check: "touch '${dir}/started'; while [ ! -e '${dir}/go' ]; do sleep 0.05; done"`,
    );
    const t1 = newTicket(s, 'Held');
    work(s, 'alice', t1, 'a.txt', 'a\n');
    const first = s.r.boardAsync(['integrate', '--json']);
    await waitFor(() => existsSync(join(dir, 'started')), 30_000);
    const second = s.r.board(['integrate']);
    expect(second.code).toBe(4);
    expect(second.stderr).toContain('another `board integrate` is running');
    writeFileSync(join(dir, 'go'), '');
    const done = await first;
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout).tickets[0]).toMatchObject({ id: t1, result: 'integrated' });
  });

  it('SIGKILL in the middle of a merge: the next run rolls the half-made merge back and integrates again', async () => {
    const dir = tempDir('recado-mark-');
    const hold = join(dir, 'hold');
    writeFileSync(hold, '');
    const s = setup(
      ['alice', 'pat'],
      `integrate:\n  check: "touch '${dir}/started'; while [ -e '${hold}' ]; do sleep 0.05; done"`,
    );
    const t1 = newTicket(s, 'Interrupted');
    work(s, 'alice', t1, 'a.txt', 'a\n');
    const main = git(['rev-parse', 'main'], s.r.dir).trim();
    const child = track(
      spawn(process.execPath, [BIN, 'integrate'], { cwd: s.r.dir, env: cleanEnv(), stdio: 'ignore', detached: true }),
    );
    await waitFor(() => existsSync(join(dir, 'started')), 30_000);
    const tree = join(s.r.path('.git'), 'board-integrate', 'tree');
    expect(existsSync(join(tree, 'a.txt'))).toBe(true); // merged in the private tree, not published
    const gone = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGKILL');
    await gone;
    rmSync(hold); // let the orphaned check end
    expect(s.tip()).toBe(main);

    // the check passes now; the killed run's lock frees itself within seconds
    const yaml = readFileSync(s.r.path('.board', 'board.yaml'), 'utf8').replace(/check: .*/, 'check: "true"');
    writeFileSync(s.r.path('.board', 'board.yaml'), yaml);
    const run = await waitFor(
      () => {
        const r = integrateJson(s);
        return r.code === 4 && /another/.test(r.stderr) ? null : r;
      },
      60_000,
      500,
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.recovered).toEqual({ ticket: t1, action: 'rolled_back' });
    expect(run.report.tickets).toMatchObject([{ id: t1, result: 'integrated' }]);
    expect(git(['log', '--format=%s', `main..integration`, '--first-parent'], s.r.dir).trim()).toBe(
      `integrate(${t1}): Interrupted`,
    );
    expect(git(['status', '--porcelain'], tree)).toBe('');
    expect(existsSync(join(s.r.path('.git'), 'board-integrate', 'journal.json'))).toBe(false);
  });

  it('killed between moving the branch and writing the ticket: the next run finishes the record', () => {
    const s = setup(['alice', 'pat']);
    const t1 = newTicket(s, 'Published');
    work(s, 'alice', t1, 'a.txt', 'a\n');
    expect(integrateJson(s).code).toBe(0);
    const tip = s.tip()!;
    // what such a kill leaves: the branch moved, the journal says so, the ticket not marked
    const file = s.r.path('.board', 'tickets', `${t1}.md`);
    const text = s.ticket(t1);
    writeFileSync(file, text.replace(/integrate:\n( {2}.*\n| {4}.*\n)*/, ''));
    expect(s.ticket(t1)).not.toContain('integrate:');
    const record = { state: 'integrated', at: '2026-01-01T00:00:00Z', branch: 'integration', commit: tip };
    writeFileSync(
      join(s.r.path('.git'), 'board-integrate', 'journal.json'),
      JSON.stringify({ ticket: t1, old: git(['rev-parse', 'main'], s.r.dir).trim(), new: tip, record }),
    );
    const run = integrateJson(s);
    expect(run.code, run.stderr).toBe(0);
    expect(run.report.recovered).toEqual({ ticket: t1, action: 'finished' });
    expect(run.report.tickets).toEqual([]);
    expect(s.tip()).toBe(tip);
    expect(s.ticket(t1)).toContain(
      `state: integrated\n  at: 2026-01-01T00:00:00Z\n  branch: integration\n  commit: ${tip}`,
    );
  });

  it('refuses to move the integration branch while a checkout has it (exit 4)', () => {
    const s = setup(['alice', 'pat']);
    const t1 = newTicket(s, 'Blocked');
    work(s, 'alice', t1, 'a.txt', 'a\n');
    git(['branch', 'integration', 'main'], s.r.dir);
    git(['checkout', '-q', 'integration'], s.r.dir);
    const res = s.r.board(['integrate']);
    expect(res.code).toBe(4);
    expect(res.stderr).toContain('is checked out in');
    git(['checkout', '-q', 'main'], s.r.dir);
    expect(s.r.board(['integrate']).code).toBe(0);
  });

  it('squash makes one commit on the branch', () => {
    const s = setup(['alice', 'pat'], 'integrate:\n  strategy: squash');
    const t1 = newTicket(s, 'Squashed');
    expect(s.as('alice', ['claim', t1]).code).toBe(0);
    s.commit('alice', 'a.txt', 'a\n');
    s.commit('alice', 'b.txt', 'b\n');
    expect(s.as('alice', ['close', t1]).code).toBe(0);
    const run = integrateJson(s);
    expect(run.code, run.stderr).toBe(0);
    expect(git(['rev-list', '--count', 'main..integration'], s.r.dir).trim()).toBe('1');
    expect(git(['log', '-1', '--format=%an %P', 'integration'], s.r.dir).trim().split(' ')).toHaveLength(2); // author + one parent
  });
});

describe('board update', () => {
  it('merges the integration branch into a clean worktree (never rewriting its commits); a dirty one is left alone (exit 4)', () => {
    const s = setup(['alice', 'bob', 'pat']);
    const t1 = newTicket(s, 'Alice');
    work(s, 'alice', t1, 'a.txt', 'a\n');
    expect(integrateJson(s, ['--no-update']).code).toBe(0);
    const bobOwn = s.commit('bob', 'b.txt', 'b\n');
    writeFileSync(join(s.wt.bob, 'b.txt'), 'uncommitted\n');
    const dirty = s.as('bob', ['update']);
    expect(dirty.code).toBe(4);
    expect(dirty.stdout).toContain('uncommitted');
    expect(existsSync(join(s.wt.bob, 'a.txt'))).toBe(false);
    git(['checkout', '-q', '--', 'b.txt'], s.wt.bob);
    const ok = s.as('bob', ['update', '--json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)[0]).toMatchObject({ result: 'updated' });
    expect(readFileSync(join(s.wt.bob, 'a.txt'), 'utf8')).toBe('a\n');
    expect(git(['merge-base', '--is-ancestor', bobOwn, 'HEAD'], s.wt.bob)).toBe('');
    expect(git(['symbolic-ref', 'HEAD'], s.wt.bob).trim()).toBe('refs/heads/board/bob');
  });
});

describe('the watcher (integrate.auto)', () => {
  it("a 3-wave plan: each wave's agent finds the earlier waves' files in its worktree when its wave opens", async () => {
    const s = setup(['alice', 'bob', 'carol', 'pat'], 'integrate:\n  auto: true');
    const t1 = newTicket(s, 'Wave one', ['--assignee', 'alice']);
    const t2 = newTicket(s, 'Wave two', ['--assignee', 'bob', '--deps', t1]);
    const t3 = newTicket(s, 'Wave three', ['--assignee', 'carol', '--deps', t2]);
    const w = startWatcherProcess(s.r.dir, { track: procs });
    await w.until((e) => e.type === 'waves', 30_000);

    work(s, 'alice', t1, 'one.txt', '1\n');
    await w.until((e) => e.type === 'integrate' && e.id === t1, 60_000);
    const upBob = await w.until((e) => e.type === 'worktree_update' && e.agent === 'bob', 60_000);
    expect(upBob.result).toBe('updated');
    expect(readFileSync(join(s.wt.bob, 'one.txt'), 'utf8')).toBe('1\n');
    expect(existsSync(join(s.wt.carol, 'one.txt'))).toBe(false); // wave 3 is not open yet

    work(s, 'bob', t2, 'two.txt', '2\n');
    const i2 = await w.until((e) => e.type === 'integrate' && e.id === t2, 60_000);
    expect(i2.result).toBe('integrated');
    await w.until((e) => e.type === 'worktree_update' && e.agent === 'carol', 60_000);
    expect(readFileSync(join(s.wt.carol, 'one.txt'), 'utf8')).toBe('1\n');
    expect(readFileSync(join(s.wt.carol, 'two.txt'), 'utf8')).toBe('2\n');
    await waitFor(() => s.ticket(t2).includes('state: integrated'), 30_000);
    expect(s.ticket(t3)).not.toContain('integrate:');
    expect(await w.stop()).toBe(0);
  });

  it('a dirty worktree is not touched when its wave opens: its agent is told to commit and run board update', async () => {
    const s = setup(['alice', 'bob', 'pat'], 'integrate:\n  auto: true');
    const t1 = newTicket(s, 'First', ['--assignee', 'alice']);
    newTicket(s, 'Second', ['--assignee', 'bob', '--deps', t1]);
    writeFileSync(join(s.wt.bob, 'draft.txt'), 'work in progress\n');
    const w = startWatcherProcess(s.r.dir, { track: procs });
    await w.until((e) => e.type === 'waves', 30_000);
    work(s, 'alice', t1, 'one.txt', '1\n');
    const up = await w.until((e) => e.type === 'worktree_update' && e.agent === 'bob', 60_000);
    expect(up.result).toBe('dirty');
    expect(existsSync(join(s.wt.bob, 'one.txt'))).toBe(false);
    expect(readFileSync(join(s.wt.bob, 'draft.txt'), 'utf8')).toBe('work in progress\n');
    const m = await waitFor(() => s.inbox('bob').find((x) => x.subject.includes('board update')), 30_000);
    expect(m.body).toContain('Commit your changes');
    expect(await w.stop()).toBe(0);
  });
});

describe('hand edits', () => {
  it('a ticket closed by hand is integrated by the watcher with its work found; a hand edit of the record is refused', async () => {
    const s = setup(['alice', 'pat'], 'integrate:\n  auto: true');
    const t1 = newTicket(s, 'Closed by hand');
    const w = startWatcherProcess(s.r.dir, { track: procs });
    await w.until((e) => e.type === 'waves', 30_000);
    expect(s.as('alice', ['claim', t1]).code).toBe(0);
    const sha = s.commit('alice', 'hand.txt', 'h\n');
    const file = s.r.path('.board', 'tickets', `${t1}.md`);
    writeFileSync(
      file,
      s
        .ticket(t1)
        .replace('status: in_progress', 'status: done')
        .replace(/updated_by: .*/, 'updated_by: alice'),
    );
    const ev = await w.until((e) => e.type === 'integrate' && e.id === t1, 60_000);
    expect(ev.result).toBe('integrated');
    await waitFor(() => s.ticket(t1).includes('state: integrated'), 30_000);
    expect(s.ticket(t1)).toContain(`head: ${sha}`);

    // an agent "fixing" the record by hand is undone
    writeFileSync(
      file,
      s
        .ticket(t1)
        .replace('state: integrated', 'state: conflict')
        .replace(/updated_by: .*/, 'updated_by: alice'),
    );
    const refused = await w.until((e) => e.type === 'edit_refused' && e.id === t1, 60_000);
    expect(refused.rules).toContain('work_by_hand');
    await waitFor(() => s.ticket(t1).includes('state: integrated'), 30_000);
    expect(await w.stop()).toBe(0);
  });

  it('the recorded work and integration state are refused when written by hand', async () => {
    const { checkHandEdit } = await import('../../src/core/edits.js');
    const { ticketFromData } = await import('../../src/core/ticket.js');
    const base = { id: 'T-1', title: 'x', status: 'done', updated_by: 'alice' };
    const before = ticketFromData({ ...base, integrate: { state: 'conflict' } }, '', 'T-1').ticket;
    const after = ticketFromData({ ...base, integrate: { state: 'integrated' } }, '', 'T-1');
    const v = checkHandEdit(before, after, 'alice', new Date(), { lookup: () => undefined });
    expect(v.map((x) => x.rule)).toEqual(['work_by_hand']);
    const same = checkHandEdit(
      before,
      ticketFromData({ ...base, integrate: { state: 'conflict' }, title: 'y' }, '', 'T-1'),
      'alice',
      new Date(),
      { lookup: () => undefined },
    );
    expect(same).toEqual([]);
  });
});
