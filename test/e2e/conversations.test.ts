/**
 * Conversations: agents with git worktrees, the prompt that starts a conversation, the Claude
 * Code hook, and `board status`, through the real binary (and a real watcher for status).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hookText } from '../../src/core/hook.js';
import { wordCount } from '../../src/core/prompt.js';
import type { RecadoJson } from '../../src/core/recado.js';
import { board, boardAsync, boardSpawn, git, tempRepo, waitFor, type TempRepo } from '../helpers.js';

const repos: TempRepo[] = [];
const extraDirs: string[] = [];
const procs: ChildProcess[] = [];

afterEach(async () => {
  for (const p of procs) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const gone = new Promise((res) => p.once('exit', res));
    p.kill('SIGKILL');
    await gone;
  }
  procs.length = 0;
  for (const r of repos) r.cleanup();
  repos.length = 0;
  for (const d of extraDirs) rmSync(d, { recursive: true, force: true });
  extraDirs.length = 0;
});

function repoWithCommit(): TempRepo {
  const r = tempRepo();
  repos.push(r);
  git(['commit', '-q', '--allow-empty', '-m', 'Start'], r.dir);
  return r;
}

const md = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => n.endsWith('.md'))
        .sort()
    : [];

describe('board agent add --worktree', () => {
  it('creates a worktree on board/NAME whose commands use the main board; remove offers to remove it', () => {
    const r = tempRepo();
    repos.push(r);
    // no commit yet: nothing to start a worktree from
    const early = r.board(['agent', 'add', 'ana', '--worktree']);
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(/no commit yet/);
    expect(r.read('.board', 'board.yaml')).not.toMatch(/^ {2}ana:/m);
    git(['commit', '-q', '--allow-empty', '-m', 'Start'], r.dir);

    const wt = `${r.dir}-ana`; // the default: ../<repo folder>-NAME
    extraDirs.push(wt);
    const add = r.board(['agent', 'add', 'ana', '--role', 'backend', '--worktree', '--json']);
    expect(add.code).toBe(0);
    const info = JSON.parse(add.stdout);
    expect(info).toMatchObject({
      name: 'ana',
      added: true,
      role: 'backend',
      worktree: wt,
      worktree_path: wt,
      branch: 'board/ana',
      worktree_action: 'created',
    });
    expect(r.read('.board', 'board.yaml')).toMatch(/ {2}ana:\n {4}role: backend\n {4}worktree: .*-ana\n/);
    expect(git(['rev-parse', '--abbrev-ref', 'HEAD'], wt).trim()).toBe('board/ana');
    expect(git(['rev-parse', 'HEAD'], wt)).toBe(git(['rev-parse', 'HEAD'], r.dir));
    expect(existsSync(join(wt, '.board'))).toBe(false); // the board is not checked out there: it is shared

    // from inside the worktree (and a folder below it), commands find the main board
    const sub = join(wt, 'src', 'deep'); // a folder the main worktree does not have
    mkdirSync(sub, { recursive: true });
    const created = board(['new', 'Made in the worktree', '--as', 'ana'], { cwd: wt });
    expect(created.code).toBe(0);
    const id = created.stdout.trim();
    expect(md(r.path('.board', 'tickets'))).toEqual([`${id}.md`]);
    expect(JSON.parse(board(['show', id, '--json'], { cwd: sub }).stdout).title).toBe('Made in the worktree');
    expect(board(['send', 'ana', 'from below the worktree', '--as', 'ana'], { cwd: sub }).code).toBe(0);
    expect(md(r.path('.board', 'inbox', 'ana', 'new'))).toHaveLength(1);

    // running it again is harmless; a worktree inside the repository is recorded relative to it
    const again = r.board(['agent', 'add', 'ana', '--worktree']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already there, on board\/ana/);
    expect(r.board(['agent', 'add', 'bob', '--worktree', 'trees/bob']).code).toBe(0);
    expect(r.read('.board', 'board.yaml')).toMatch(/ {2}bob:\n {4}worktree: trees\/bob\n/);
    // a worktree folder deleted by hand: doctor says so, and adding it again makes it again
    rmSync(r.path('trees', 'bob'), { recursive: true, force: true });
    const doctor = JSON.parse(r.board(['doctor', '--json']).stdout);
    expect(doctor.problems).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        field: 'agents.bob.worktree',
        message: expect.stringMatching(/bob's worktree .*trees\/bob does not exist/),
      }),
    );
    expect(r.board(['agent', 'add', 'bob', '--worktree', 'trees/bob']).code).toBe(0);
    expect(existsSync(r.path('trees', 'bob', '.git'))).toBe(true);
    const prompt = r.board(['prompt', 'bob']).stdout;
    expect(prompt).toContain(`${r.path('trees', 'bob')}\` (your own git worktree, on branch \`board/bob\``);

    // the audit branch is never checked out in a worktree
    const branches = git(['worktree', 'list', '--porcelain'], r.dir)
      .split('\n')
      .filter((l) => l.startsWith('branch '))
      .sort();
    expect(branches).toEqual(['branch refs/heads/board/ana', 'branch refs/heads/board/bob', 'branch refs/heads/main']);

    // remove: a dirty worktree is refused (nothing removed), then removed with --force
    writeFileSync(join(wt, 'work.txt'), 'not committed');
    const dirty = r.board(['agent', 'remove', 'ana', '--worktree']);
    expect(dirty.code).toBe(4);
    expect(dirty.stderr).toMatch(/uncommitted changes/);
    expect(dirty.stderr).toContain('work.txt');
    expect(dirty.stderr).toMatch(/--force/);
    expect(r.read('.board', 'board.yaml')).toMatch(/^ {2}ana:/m);
    expect(existsSync(join(wt, 'work.txt'))).toBe(true);
    const forced = r.board(['agent', 'remove', 'ana', '--worktree', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/removed its worktree/);
    expect(existsSync(wt)).toBe(false);
    expect(git(['branch', '--list', 'board/ana'], r.dir)).toMatch(/board\/ana/); // the branch (and its commits) stay

    // without --worktree: kept, and the command to remove it is printed
    const kept = r.board(['agent', 'remove', 'bob']);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toContain(`git worktree remove ${r.path('trees', 'bob')}`);
    expect(existsSync(r.path('trees', 'bob'))).toBe(true);
    // --yes on a clean worktree
    expect(r.board(['agent', 'add', 'bob', '--worktree', 'trees/bob']).code).toBe(0);
    expect(r.board(['agent', 'remove', 'bob', '--yes']).code).toBe(0);
    expect(existsSync(r.path('trees', 'bob'))).toBe(false);
  });
});

describe('board prompt', () => {
  it('names the agent, the board, the inbox protocol and its tickets, in under 700 words, with commands the CLI has', () => {
    const r = repoWithCommit();
    expect(r.board(['agent', 'add', 'ana', '--role', 'backend']).code).toBe(0);
    expect(r.board(['agent', 'add', 'bob']).code).toBe(0);
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const t = r.board([
        'new',
        `Ticket number ${i} with a title long enough to need cutting down to size, really`,
        '--assignee',
        'ana',
        '--as',
        'bob',
        '--priority',
        String(i % 5),
      ]);
      ids.push(t.stdout.trim());
    }
    r.board(['new', 'Not hers', '--assignee', 'bob', '--as', 'bob']);
    expect(r.board(['claim', ids[0], '--as', 'ana']).code).toBe(0);

    const out = r.board(['prompt', 'ana']);
    expect(out.code).toBe(0);
    const text = out.stdout;
    const root = r.path('.board');
    expect(text).toContain('You are **ana** (backend)');
    expect(text).toContain(root);
    expect(text).toContain(`${root}/inbox/ana/new/`);
    expect(text).toContain(`${root}/inbox/ana/cur/`);
    expect(text).toContain(`${root}/outbox/ana/`);
    expect(text).toContain(`${root}/tickets/ID.md`);
    expect(text).toContain('board next --as ana');
    expect(text).toContain('board close ID --as ana');
    expect(text).toContain('updated_by: ana');
    expect(text).toMatch(new RegExp(`- ${ids[0]} \\[in_progress\\] .* claimed by you until`));
    const listed = ids.filter((id) => text.includes(`- ${id} [`));
    expect(listed).toHaveLength(8);
    expect(text).toMatch(/… and 2 more: `board list --assignee ana`/);
    expect(text).not.toContain('Not hers');
    expect(text).toMatch(/Open wave: 1 of 1 \(0 of 11 tickets done\)/);
    expect(wordCount(text)).toBeLessThan(700);
    expect(out.stderr).toBe('');
    expect(JSON.parse(r.board(['prompt', 'ana', '--json']).stdout)).toMatchObject({
      agent: 'ana',
      board: root,
      tickets: expect.any(Array),
    });

    // every `board CMD ...` the prompt names exists, with the options it shows
    const snippets = [...text.matchAll(/`(board [^`]+)`/g)].map((m) => m[1]);
    expect(snippets.length).toBeGreaterThan(10);
    const help = new Map<string, string>();
    for (const s of snippets) {
      const cmd = s.split(/\s+/)[1];
      if (!help.has(cmd)) {
        const h = r.board([cmd, '--help']);
        expect(h.code, `board ${cmd} --help`).toBe(0);
        help.set(cmd, h.stdout);
      }
      for (const opt of s.match(/--[a-z-]+/g) ?? []) expect(help.get(cmd), `${s}: ${opt}`).toContain(opt);
    }

    expect(r.board(['prompt', 'nobody']).code).toBe(3);
  });
});

describe('board hook claude', () => {
  it('prints each unread recado once, ever (also to two hooks at once), and nothing when there is none', async () => {
    const r = repoWithCommit();
    for (const a of ['ana', 'bob']) expect(r.board(['agent', 'add', a]).code).toBe(0);
    expect(r.board(['hook', 'claude', '--as', 'ana'])).toMatchObject({ code: 0, stdout: '' });

    r.board([
      'send',
      'ana',
      'The contract is in docs/api.md\nsecond line',
      '--subject',
      'API contract ready',
      '--ticket',
      'T-1',
      '--as',
      'bob',
    ]);
    const first = r.board(['hook', 'claude', '--as', 'ana']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('You (ana) have 1 new recado');
    expect(first.stdout).toMatch(
      /--- recado \S+ from bob, sent \S+Z, ticket T-1\nSubject: API contract ready\n> The contract is in docs\/api.md\n> second line\n/,
    );
    expect(first.stdout).toContain(`${r.path('.board', 'outbox', 'ana')}/`);
    expect(md(r.path('.board', 'inbox', 'ana', 'new'))).toEqual([]);
    expect(md(r.path('.board', 'inbox', 'ana', 'cur'))).toHaveLength(1);
    expect(r.board(['hook', 'claude', '--as', 'ana'])).toMatchObject({ code: 0, stdout: '' });

    // the JSON form, with the event name from the hook input on stdin
    r.board(['send', 'ana', 'hello', '--as', 'bob']);
    const json = r.board(['hook', 'claude', '--as', 'ana', '--json'], {
      input: JSON.stringify({ hook_event_name: 'SessionStart', session_id: 'x', source: 'startup' }),
    });
    expect(json.code).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(Object.keys(out)).toEqual(['hookSpecificOutput']);
    expect(out.hookSpecificOutput.hookEventName).toBe('SessionStart');
    expect(out.hookSpecificOutput.additionalContext).toMatch(/Subject: hello/);

    // many recados, two hooks at once: every recado printed by exactly one of them, within the size budget
    const sent: string[] = [];
    for (let i = 0; i < 24; i++) {
      const s = r.board([
        'send',
        'ana',
        `recado number ${i}\n${'x'.repeat(900)}`,
        '--subject',
        `number ${i}`,
        '--as',
        'bob',
      ]);
      sent.push(s.stdout.trim());
    }
    const seen: string[] = [];
    for (let round = 0; round < 10 && seen.length < sent.length; round++) {
      const [a, b] = await Promise.all([
        boardAsync(['hook', 'claude', '--as', 'ana'], { cwd: r.dir }),
        boardAsync(['hook', 'claude', '--as', 'ana'], { cwd: r.dir }),
      ]);
      for (const x of [a, b]) {
        expect(x.code).toBe(0);
        expect(x.stdout.length).toBeLessThan(10_000);
        seen.push(...[...x.stdout.matchAll(/--- recado (\S+) from/g)].map((m) => m[1]));
      }
    }
    expect(seen.sort()).toEqual([...sent].sort());
    expect(r.board(['hook', 'claude', '--as', 'ana']).stdout).toBe('');

    // a hook problem never exits 2 (Claude Code would block the prompt)
    expect(r.board(['hook', 'claude', '--as', 'Not A Name']).code).toBe(1);
  }, 180_000); // some 60 board processes: slow on a loaded machine

  it('keeps the text within the budget and says how many are left (pure)', () => {
    const rec = (i: number): RecadoJson => ({
      id: `id${i}`,
      from: 'bob',
      to: ['ana'],
      subject: `s${i}`,
      ticket: null,
      reply_to: null,
      sent: '2026-01-01T00:00:00Z',
      body: 'y'.repeat(3000),
      read: false,
      extra: {},
    });
    const out = hookText([rec(1), rec(2), rec(3), rec(4)], {
      agent: 'ana',
      inboxCur: '/b/inbox/ana/cur',
      outbox: '/b/outbox/ana',
    });
    expect(out.shown).toEqual(['id1', 'id2']);
    expect(out.left).toBe(2);
    expect(out.text.length).toBeLessThan(9000);
    expect(out.text).toMatch(/2 more unread recados will follow/);
    const huge = hookText([{ ...rec(9), body: 'z'.repeat(50_000) }], {
      agent: 'ana',
      inboxCur: '/c',
      outbox: '/o',
      pathOf: (id) => `/c/${id}.md`,
    });
    expect(huge.shown).toEqual(['id9']);
    expect(huge.text.length).toBeLessThan(9000);
    expect(huge.text).toContain('the whole recado is /c/id9.md');
  });
});

describe('board status', () => {
  it('--json: waves, agents with claims, leases, unread and last activity, and the watcher', async () => {
    const r = repoWithCommit();
    for (const [a, role] of [
      ['ana', 'backend'],
      ['bob', 'frontend'],
    ])
      expect(r.board(['agent', 'add', a, '--role', role]).code).toBe(0);
    const a1 = r.board(['new', 'First', '--as', 'bob']).stdout.trim();
    const a2 = r.board(['new', 'Second', '--as', 'bob']).stdout.trim();
    r.board(['new', 'Third', '--deps', a1, '--as', 'bob']);
    expect(r.board(['claim', a1, '--as', 'ana', '--lease', '10m']).code).toBe(0);
    expect(r.board(['claim', a2, '--as', 'zed']).code).toBe(0); // holds a claim, not in board.yaml
    r.board(['send', 'ana', 'hi', '--subject', 'Hello there', '--as', 'bob']);
    r.board(['send', 'ana', 'again', '--as', 'bob']);

    let s = JSON.parse(r.board(['status', '--json']).stdout);
    expect(Object.keys(s)).toEqual([
      'board',
      'policy',
      'open',
      'waves',
      'tickets',
      'agents',
      'watcher',
      'needs_you',
      'integration',
    ]);
    expect(s.board).toBe(r.path('.board'));
    expect(s).toMatchObject({ policy: 'strict', open: 1 });
    expect(s.waves).toEqual([
      { wave: 1, tickets: [a1, a2].sort(), done: 0, total: 2 },
      { wave: 2, tickets: [expect.any(String)], done: 0, total: 1 },
    ]);
    expect(s.tickets).toEqual({ total: 3, todo: 1, in_progress: 2, review: 0, done: 0, cancelled: 0 });
    expect(s.agents.map((a: { name: string }) => a.name)).toEqual(['ana', 'bob', 'zed']);
    const [ana, bob, zed] = s.agents;
    expect(Object.keys(ana)).toEqual([
      'name',
      'role',
      'listed',
      'worktree',
      'claims',
      'unread',
      'last_activity',
      'state',
    ]);
    expect(ana).toMatchObject({ role: 'backend', listed: true, worktree: null, unread: 2 });
    expect(ana.claims).toHaveLength(1);
    expect(Object.keys(ana.claims[0])).toEqual(['id', 'title', 'status', 'since', 'expires', 'left_ms', 'expired']);
    expect(ana.claims[0]).toMatchObject({ id: a1, title: 'First', status: 'in_progress', expired: false });
    expect(ana.claims[0].left_ms).toBeGreaterThan(9 * 60_000);
    expect(ana.claims[0].left_ms).toBeLessThanOrEqual(10 * 60_000 + 1000);
    expect(ana.last_activity).toMatchObject({ what: `claimed ${a1}` });
    expect(bob.last_activity.what).toMatch(/^recado to ana/);
    expect(bob.unread).toBe(0);
    expect(zed).toMatchObject({
      listed: false,
      role: null,
      unread: null,
      claims: [expect.objectContaining({ id: a2 })],
    });
    expect(s.watcher).toMatchObject({ running: false, pid: null });
    expect(Object.keys(s.watcher)).toEqual([
      'running',
      'pid',
      'since',
      'state',
      'last_event',
      'heartbeat',
      'delivered',
      'rejected',
      'waiting',
      'plugins',
    ]);

    // reading the inbox is activity too; a running watcher is reported
    r.board(['inbox', '--as', 'ana']);
    const w = boardSpawn(['watch', '--json'], { cwd: r.dir });
    procs.push(w);
    let out = '';
    w.stdout!.on('data', (d) => (out += d));
    await waitFor(() => out.includes('"type":"ready"'), 20_000);
    writeFileSync(r.path('.board', 'outbox', 'bob', 'x.md'), '---\nto: ana\nsubject: via outbox\n---\nhello\n');
    await waitFor(() => md(r.path('.board', 'inbox', 'ana', 'new')).length === 3);
    s = await waitFor(() => {
      const x = JSON.parse(r.board(['status', '--json']).stdout);
      return x.watcher.delivered === 1 ? x : null;
    }, 15_000);
    expect(s.watcher).toMatchObject({ running: true, pid: w.pid, state: 'running' });
    expect(Date.parse(s.watcher.since)).toBeGreaterThan(0);
    expect(s.watcher.plugins).toContain('notify');
    expect(s.agents[0].unread).toBe(3);

    const human = r.board(['status']).stdout;
    expect(human).toMatch(/^> wave 1 {2}\[\.{20}\] 0\/2/m);
    expect(human).toMatch(new RegExp(`^ana +backend +- +${a1} First +\\d+m\\d*s? left +3 `, 'm'));
    expect(human).toMatch(/zed \(not in board.yaml\)/);
    expect(human).toMatch(new RegExp(`Watcher: running \\(pid ${w.pid}`));
    w.kill('SIGTERM');
    await new Promise((res) => w.once('exit', res));
    expect(JSON.parse(r.board(['status', '--json']).stdout).watcher.running).toBe(false);
  });
});

describe('status (pure)', () => {
  it('names the last ticket change by its kind, the claim holders beside the listed agents, lease left', async () => {
    const { buildStatus } = await import('../../src/core/status.js');
    const base = { deps: [], locks: [], labels: [], priority: 2, assignee: null, extra: {}, body: '' };
    const at = '2026-01-01T10:00:00Z';
    const tickets = [
      {
        ...base,
        id: 'A',
        title: 'a',
        status: 'in_progress' as const,
        claim: { by: 'ana', at, expires: '2026-01-01T10:30:00Z' },
        created: at,
        updated: at,
        updated_by: 'ana',
      },
      {
        ...base,
        id: 'B',
        title: 'b',
        status: 'done' as const,
        claim: null,
        created: at,
        updated: '2026-01-01T10:01:00Z',
        updated_by: 'bob',
      },
      {
        ...base,
        id: 'C',
        title: 'c',
        status: 'todo' as const,
        claim: null,
        created: '2026-01-01T10:02:00Z',
        updated: '2026-01-01T10:02:00Z',
        updated_by: 'cy',
      },
      {
        ...base,
        id: 'D',
        title: 'd',
        status: 'in_progress' as const,
        claim: { by: 'zed', at, expires: '2026-01-01T10:05:00Z' },
        created: at,
        updated: '2026-01-01T10:03:00Z',
        updated_by: 'zed',
      },
    ];
    const agent = { role: null, worktree: null, tmux: null, notify: null, notify_every: null, email: null };
    const s = buildStatus({
      board: '/b',
      policy: 'strict',
      open: 1,
      waves: [],
      tickets,
      agents: { ana: agent, bob: agent, cy: agent },
      unread: new Map([['ana', 2]]),
      activity: new Map([['bob', [{ at: '2026-01-01T10:01:00Z', what: 'read its inbox' }]]]),
      watcher: {} as never,
      now: new Date('2026-01-01T10:10:00Z'),
    });
    const by = Object.fromEntries(s.agents.map((a) => [a.name, a]));
    expect(by.ana.last_activity!.what).toBe('claimed A');
    expect(by.ana.claims[0]).toMatchObject({ id: 'A', left_ms: 20 * 60_000, expired: false });
    expect(by.bob.last_activity!.what).toBe('read its inbox'); // same second as closing B: the later-listed fact wins
    expect(by.cy.last_activity!.what).toBe('created C');
    expect(by.zed).toMatchObject({
      listed: false,
      unread: null,
      claims: [{ id: 'D', left_ms: 0, expired: true }],
      last_activity: { what: 'edited D' },
    });
    expect(s.tickets).toEqual({ total: 4, todo: 1, in_progress: 2, review: 0, done: 1, cancelled: 0 });
  });
});
