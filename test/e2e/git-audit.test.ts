// The git audit trail against real git: board commits go to the audit branch through a
// private index, never touching the user's branch, index or files; authors per agent;
// batching; hooks; compare-and-swap between concurrent committers; `board log`.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog, type AuditEvent } from '../../src/git/audit.js';
import { locateBoard } from '../../src/store/locate.js';
import { git, tempRepo, tempRepoWithUserWork, waitFor, type TempRepo } from '../helpers.js';

let repos: TempRepo[] = [];
let audits: AuditLog[] = [];
afterEach(async () => {
  for (const a of audits) await a.close().catch(() => undefined);
  for (const r of repos) r.cleanup();
  repos = [];
  audits = [];
});

async function openAudit(r: TempRepo, opts: Parameters<typeof AuditLog.open>[1]): Promise<AuditLog> {
  const a = (await AuditLog.open(locateBoard({ cwd: r.dir }), opts))!;
  audits.push(a);
  return a;
}

function repoWithUserWork(): TempRepo {
  const r = tempRepoWithUserWork();
  repos.push(r);
  return r;
}

function snapshot(r: TempRepo) {
  // read the index bytes first: nothing below writes it (ls-files and diff --cached only read)
  return {
    index: readFileSync(r.path('.git', 'index')).toString('base64'),
    lsFiles: git(['ls-files', '-s'], r.dir),
    cached: git(['diff', '--cached'], r.dir),
    head: git(['rev-parse', 'HEAD'], r.dir),
    branch: git(['symbolic-ref', 'HEAD'], r.dir),
    userLog: git(['log', '--format=%H %s', 'main'], r.dir),
    files: ['code.txt', 'other.txt', 'untracked.txt'].map((f) => r.read(f)),
  };
}

function setAgents(r: TempRepo, yaml: string) {
  const file = r.path('.board', 'board.yaml');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/^agents:.*(\n[ \t]+.*)*/m, yaml.replace(/\n$/, '')));
}

const auditCommits = (r: TempRepo, branch = 'recado') => git(['rev-list', branch], r.dir).split('\n').filter(Boolean);

describe("board commits and the user's work", () => {
  it("never touch the user's index, HEAD or files, and hold only .board/ paths", async () => {
    const r = repoWithUserWork();
    const init = r.board(['init']);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/added \/\.board\/ to .*info\/exclude/);
    const before = snapshot(r);
    setAgents(r, 'agents:\n  alice: {}\n  bob: {}\n  carol:\n    email: carol@example.org\n');

    // board activity from the CLI, by hand, and through the audit log the watcher uses
    const id = r.board(['new', 'Login API', '--as', 'alice']).stdout.trim();
    expect(r.board(['edit', id, '--priority', '1', '--as', 'bob']).code).toBe(0);
    r.write('.board/outbox/carol/hello.md', '---\nto: bob\nsubject: hi\n---\nhello\n');
    r.write('.board/inbox/bob/new/m1.md', '---\nid: m1\nfrom: carol\nto: bob\nsubject: hi\n---\nhello\n');
    r.write('.board/tmp/staging.tmp', 'never recorded');
    r.write('.board/run/watch.pid', '123');
    const c1 = r.board(['commit']);
    expect(c1.code, c1.stderr).toBe(0);

    const audit = await openAudit(r, { debounceMs: 50 });
    r.write('.board/tickets/' + id + '.md', r.read('.board/tickets/' + id + '.md') + '\nNote from carol.\n');
    audit.record({ path: `tickets/${id}.md`, author: 'carol', what: 'notes added' });
    mkdirSync(r.path('.board/inbox/bob/cur'), { recursive: true });
    renameSync(r.path('.board/inbox/bob/new/m1.md'), r.path('.board/inbox/bob/cur/m1.md'));
    audit.record({ path: r.path('.board/inbox/bob/new/m1.md'), author: 'bob' });
    audit.record({ path: r.path('.board/inbox/bob/cur/m1.md'), author: 'bob' });
    const flushed = await audit.close();
    expect(flushed.ok).toBe(true);
    expect(flushed.commits.map((c) => `${c.author}: ${c.subject}`)).toEqual([
      `carol: board(${id}): notes added`,
      'bob: board: bob read a recado (x2)',
    ]);

    // the user's side is byte-identical
    expect(snapshot(r)).toEqual(before);

    // every board commit holds only .board/ paths, never tmp/ locks/ run/
    const commits = auditCommits(r);
    expect(commits.length).toBeGreaterThanOrEqual(3);
    for (const c of commits) {
      const paths = git(['diff-tree', '--no-commit-id', '--name-only', '-r', '--root', c], r.dir)
        .split('\n')
        .filter(Boolean);
      expect(paths.length).toBeGreaterThan(0);
      for (const p of paths) expect(p).toMatch(/^\.board\/(?!tmp\/|locks\/|run\/)/);
    }
    const tree = git(['ls-tree', '-r', '--name-only', 'recado'], r.dir).split('\n').filter(Boolean);
    expect(tree).toContain(`.board/tickets/${id}.md`);
    expect(tree).toContain('.board/outbox/carol/hello.md');
    expect(tree.every((p) => p.startsWith('.board/') && !/^\.board\/(tmp|locks|run)\//.test(p))).toBe(true);
    // the audit branch is not a child of the user's branch
    expect(spawnSync('git', ['merge-base', '--is-ancestor', 'main', 'recado'], { cwd: r.dir }).status).toBe(1);

    // authors per agent (board.yaml email for carol), the board as committer
    const who = git(['log', '--format=%an <%ae>|%cn <%ce>|%s', 'recado'], r.dir);
    expect(who).toMatch(/^bob <bob@board>\|recado <board@localhost>\|board\(T-[a-z0-9]+\): created$/m); // updated_by bob
    expect(who).toMatch(/^carol <carol@example\.org>\|recado <board@localhost>\|board: 2 changes$/m); // her outbox drop and m1
    const carolBodies = git(['log', '--format=%B', '--author=carol', 'recado'], r.dir);
    expect(carolBodies).toContain('\n- recado from carol in outbox\n');
    expect(carolBodies).toContain('\n- recado carol -> bob\n');
    expect(who).toMatch(/^bob <bob@board>\|recado <board@localhost>\|board: bob read a recado \(x2\)$/m);
    expect(who).toMatch(
      new RegExp(`^carol <carol@example\\.org>\\|recado <board@localhost>\\|board\\(${id}\\): notes added$`, 'm'),
    );
    for (const line of who.split('\n').filter(Boolean)) expect(line).toContain('|recado <board@localhost>|');

    // git status shows the user's work and nothing of the board
    const status = git(['status', '--porcelain'], r.dir);
    expect(status.split('\n').filter(Boolean).sort()).toEqual(
      ['?? untracked.txt', 'M  code.txt', ' M other.txt'].sort(),
    );
  });

  it('a burst is a handful of commits: one per author per batch', async () => {
    const r = tempRepo();
    repos.push(r);
    const events: AuditEvent[] = [];
    const audit = await openAudit(r, { debounceMs: 150, onEvent: (e) => events.push(e) });
    const senders = ['alice', 'bob', 'carol'];
    for (let i = 0; i < 300; i++) {
      const from = senders[i % 3];
      const rel = `inbox/dave/new/m${i}.md`;
      r.write(`.board/${rel}`, `---\nid: m${i}\nfrom: ${from}\nto: dave\n---\nmessage ${i}\n`);
      audit.record({ path: rel, author: from, what: `recado ${from} -> dave` });
    }
    await waitFor(() => events.some((e) => e.type === 'committed'), 10_000);
    const committed = events.filter((e) => e.type === 'committed');
    expect(committed.length).toBe(1);
    const commits = auditCommits(r);
    // one commit per author (the init files are not part of this batch)
    expect(commits.length).toBe(3);
    const log = git(['log', '--format=%an|%s', 'recado'], r.dir).split('\n').filter(Boolean).sort();
    expect(log).toEqual([
      'alice|board: recado alice -> dave (x100)',
      'bob|board: recado bob -> dave (x100)',
      'carol|board: recado carol -> dave (x100)',
    ]);
    expect(
      git(['ls-tree', '-r', '--name-only', 'recado', '--', '.board/inbox/dave/new'], r.dir).split('\n').filter(Boolean)
        .length,
    ).toBe(300);

    // a single change says what happened in the subject
    r.write('.board/tickets/T-1.md', '---\nid: T-1\ntitle: One\nstatus: todo\n---\n');
    audit.record({ path: 'tickets/T-1.md', author: 'alice', what: 'claimed by alice' });
    const f = await audit.close();
    expect(f.commits.map((c) => c.subject)).toEqual(['board(T-1): claimed by alice']);
  });

  it('concurrent committers never lose a commit (compare-and-swap on the branch)', async () => {
    const r = tempRepo();
    repos.push(r);
    expect(r.board(['commit']).code).toBe(0);
    const agents = ['a1', 'a2', 'a3', 'a4'];
    for (const a of agents) r.write(`.board/outbox/${a}/x.md`, `---\nto: bob\n---\nfrom ${a}\n`);
    const results = await Promise.all(
      agents.map((a) => r.boardAsync(['commit', `outbox/${a}/x.md`, '--as', a, '--what', `drop by ${a}`])),
    );
    for (const res of results) expect(res.code, res.stderr).toBe(0);
    const subjects = git(['log', '--format=%an %s', 'recado'], r.dir);
    for (const a of agents) expect(subjects).toContain(`${a} board: drop by ${a}`);
    const tree = git(['ls-tree', '-r', '--name-only', 'recado'], r.dir);
    for (const a of agents) expect(tree).toContain(`.board/outbox/${a}/x.md`);
  });
});

describe('hooks and failures', () => {
  it('a commit-msg hook that refuses: said clearly, change kept and committed once the hook accepts; verify false skips it', async () => {
    const r = tempRepo();
    repos.push(r);
    expect(r.board(['commit']).code).toBe(0);
    const hook = r.path('.git', 'hooks', 'commit-msg');
    mkdirSync(join(hook, '..'), { recursive: true });
    writeFileSync(hook, '#!/bin/sh\necho "messages must mention a JIRA key" >&2\nexit 1\n');
    chmodSync(hook, 0o755);

    r.write('.board/tickets/T-1.md', '---\nid: T-1\ntitle: One\nstatus: todo\n---\n');
    const refused = r.board(['commit']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toMatch(/commit-msg hook .* refused the board commit/);
    expect(refused.stderr).toContain('messages must mention a JIRA key');
    expect(refused.stderr).toContain('git.verify: false');

    const events: AuditEvent[] = [];
    const audit = await openAudit(r, { debounceMs: 10_000, onEvent: (e) => events.push(e) });
    audit.record({ path: 'tickets/T-1.md', author: 'alice', what: 'created' });
    const failed = await audit.flush();
    expect(failed.ok).toBe(false);
    expect(failed.error).toContain('messages must mention a JIRA key');
    expect(failed.kept).toBe(1);
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ type: 'failed', kept: 1 });
    expect(git(['ls-tree', '-r', '--name-only', 'recado'], r.dir)).not.toContain('T-1.md');

    // the hook now accepts and amends the message (as Gerrit's Change-Id hook does)
    writeFileSync(hook, '#!/bin/sh\nprintf "\\nReviewed-by: hook\\n" >> "$1"\n');
    const ok = await audit.close();
    expect(ok.ok).toBe(true);
    expect(ok.commits.map((c) => c.subject)).toEqual(['board(T-1): created']);
    expect(git(['log', '-1', '--format=%an|%B', 'recado'], r.dir)).toMatch(
      /^alice\|board\(T-1\): created\n\nReviewed-by: hook/,
    );

    // git.verify: false: the refusing hook is not run
    writeFileSync(hook, '#!/bin/sh\nexit 1\n');
    const file = r.path('.board', 'board.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('verify: true', 'verify: false'));
    r.write('.board/tickets/T-2.md', '---\nid: T-2\ntitle: Two\nstatus: todo\nupdated_by: bob\n---\n');
    const skipped = r.board(['commit', '--json']);
    expect(skipped.code, skipped.stderr).toBe(0);
    // board.yaml by the board, T-2 by its updated_by
    expect(
      JSON.parse(skipped.stdout)
        .commits.map((c: { author: string }) => c.author)
        .sort(),
    ).toEqual(['bob', 'recado']);
  });

  it('refuses to commit while the audit branch is checked out somewhere', () => {
    const r = tempRepo();
    repos.push(r);
    r.write('README', 'x\n');
    git(['add', 'README'], r.dir);
    git(['commit', '-qm', 'x'], r.dir);
    expect(r.board(['commit']).code).toBe(0);
    const wt = `${r.dir}-wt`;
    git(['worktree', 'add', '-q', wt, 'recado'], r.dir);
    try {
      r.write('.board/tickets/T-9.md', '---\nid: T-9\ntitle: Nine\n---\n');
      const res = r.board(['commit']);
      expect(res.code).toBe(4);
      expect(res.stderr).toMatch(/audit branch recado is checked out in .*-wt/);
    } finally {
      git(['worktree', 'remove', '--force', wt], r.dir);
    }
    expect(existsSync(wt)).toBe(false);
  });
});

describe('board log', () => {
  it("shows who changed what in a ticket, newest first, and the board's commits", () => {
    const r = tempRepo();
    repos.push(r);
    const id = r.board(['new', 'Login API', '--as', 'alice']).stdout.trim();
    expect(r.board(['commit']).code).toBe(0);
    const file = `.board/tickets/${id}.md`;
    // claim by hand, as an agent with file tools (or `board claim`) would
    r.write(
      file,
      r
        .read(file)
        .replace(
          'status: todo',
          'status: in_progress\nclaim:\n  by: alice\n  at: 2026-11-21T10:00:00Z\n  expires: 2099-01-01T00:00:00Z',
        )
        .replace(/updated_by: .*/, 'updated_by: alice'),
    );
    expect(r.board(['commit', file.slice('.board/'.length), '--as', 'alice']).code).toBe(0);
    expect(
      r.board(['edit', id, '--status', 'review', '--add-dep', id === 'T-1' ? 'T-2' : 'T-1', '--as', 'alice']).code,
    ).toBe(2); // unknown dep refused
    expect(r.board(['edit', id, '--status', 'review', '--labels', 'api', '--as', 'alice']).code).toBe(0);
    expect(r.board(['commit']).code).toBe(0);
    expect(r.board(['edit', id, '--assignee', 'bob', '--as', 'carol', '--force']).code).toBe(0);
    expect(r.board(['commit']).code).toBe(0);

    const res = r.board(['log', id, '--json']);
    expect(res.code, res.stderr).toBe(0);
    const entries = JSON.parse(res.stdout);
    expect(entries.map((e: { author: string; what: string }) => `${e.author}: ${e.what}`)).toEqual([
      'carol: assigned to bob',
      'alice: status in_progress -> review, labels +api',
      'alice: claimed by alice',
      'alice: created',
    ]);
    expect(entries[2].changes).toEqual(
      expect.arrayContaining([
        {
          field: 'claim',
          from: null,
          to: { by: 'alice', at: '2026-11-21T10:00:00Z', expires: '2099-01-01T00:00:00Z' },
        },
      ]),
    );
    for (const e of entries) {
      expect(Object.keys(e).sort()).toEqual(['author', 'changes', 'commit', 'date', 'email', 'subject', 'what']);
      expect(e.date).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }

    const human = r.board(['log', id]);
    expect(human.stdout).toMatch(/alice\s+claimed by alice/);
    expect(r.board(['log', id, '--limit', '1', '--json']).stdout).toContain('assigned to bob');
    expect(JSON.parse(r.board(['log', id, '--limit', '1', '--json']).stdout)).toHaveLength(1);

    const all = JSON.parse(r.board(['log', '--json']).stdout);
    expect(all[0]).toMatchObject({
      author: 'carol',
      subject: `board(${id}): assigned to bob`,
      files: [{ status: 'M', path: `tickets/${id}.md` }],
    });
    expect(all.at(-1).files.length).toBeGreaterThan(3); // the first commit holds the whole board

    const missing = r.board(['log', 'T-nope']);
    expect(missing.code).toBe(3);
  });
});
