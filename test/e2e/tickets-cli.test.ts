import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, statSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { git, tempRepo, ticketText, type TempRepo } from '../helpers.js';

let repos: TempRepo[] = [];
const repo = (opts?: Parameters<typeof tempRepo>[0]) => {
  const r = tempRepo(opts);
  repos.push(r);
  return r;
};
afterEach(() => {
  for (const r of repos) r.cleanup();
  repos = [];
});

const snapshot = (r: TempRepo) => {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (['tmp', 'locks', 'run'].includes(n) && d === r.path('.board')) continue;
      const st = statSync(p, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) walk(p);
      else out[p.slice(r.dir.length + 1)] = readFileSync(p, 'utf8');
    }
  };
  walk(r.path('.board'));
  return out;
};

describe('board init, new, list, show, edit, close, reopen', () => {
  it('runs a ticket through its life with the real binary', () => {
    const r = repo();
    expect(existsSync(r.path('.board/board.yaml'))).toBe(true);
    expect(existsSync(r.path('.board/templates/bug.md'))).toBe(true);
    expect(r.read('.board/.gitignore')).toMatch(/tmp\//);

    const a = r.board(['new', 'Design the schema', '--as', 'alice', '--labels', 'db', '--priority', '1']);
    expect(a.code).toBe(0);
    const idA = a.stdout.trim();
    expect(idA).toMatch(/^T-[0-9a-z]{4}$/);
    expect(a.stdout).toBe(`${idA}\n`);

    const b = r.board([
      'new',
      'Login API',
      '--as',
      'alice',
      '--deps',
      idA,
      '--locks',
      'src/auth/**',
      '--assignee',
      'bob',
      '--json',
    ]);
    expect(b.code).toBe(0);
    const tb = JSON.parse(b.stdout);
    expect(tb).toMatchObject({
      title: 'Login API',
      status: 'todo',
      assignee: 'bob',
      deps: [idA],
      locks: ['src/auth/**'],
      wave: 2,
      ready: false,
      blocked_by: [idA],
    });
    for (const k of [
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
    ]) {
      expect(tb).toHaveProperty(k);
    }

    const list = JSON.parse(r.board(['list', '--json']).stdout);
    expect(list.map((t: { id: string }) => t.id)).toEqual([idA, tb.id]);
    expect(JSON.parse(r.board(['list', '--ready', '--json']).stdout).map((t: { id: string }) => t.id)).toEqual([idA]);
    expect(JSON.parse(r.board(['list', '--wave', '2', '--json']).stdout).map((t: { id: string }) => t.id)).toEqual([
      tb.id,
    ]);
    expect(JSON.parse(r.board(['list', '--label', 'db', '--json']).stdout)).toHaveLength(1);
    expect(JSON.parse(r.board(['list', '--assignee', 'bob', '--json']).stdout)).toHaveLength(1);

    const human = r.board(['list']);
    expect(human.stdout).toContain('Design the schema');
    expect(human.stdout).not.toMatch(/\u001b\[/); // no colour when not a terminal

    expect(r.board(['close', idA, '--as', 'alice']).code).toBe(0);
    const shown = JSON.parse(r.board(['show', tb.id, '--json']).stdout);
    expect(shown).toMatchObject({ wave: 2, ready: true, blocked_by: [] });
    expect(JSON.parse(r.board(['list', '--json']).stdout).map((t: { id: string }) => t.id)).toEqual([tb.id]);
    expect(JSON.parse(r.board(['list', '--all', '--json']).stdout)).toHaveLength(2);

    expect(r.board(['edit', tb.id, '--title', 'Login API v2', '--add-dep', idA, '--as', 'bob']).code).toBe(0);
    expect(JSON.parse(r.board(['show', tb.id, '--json']).stdout).title).toBe('Login API v2');

    const reopened = r.board(['reopen', idA, '--as', 'alice']);
    expect(reopened.code).toBe(0);
    expect(JSON.parse(r.board(['show', tb.id, '--json']).stdout)).toMatchObject({ ready: false, blocked_by: [idA] });
    expect(r.board(['reopen', idA, '--as', 'alice']).code).toBe(4);
  });

  it('refuses to close a ticket while a dependency is open, and changes nothing', () => {
    const r = repo();
    const a = r.board(['new', 'A', '--as', 'p']).stdout.trim();
    const b = r.board(['new', 'B', '--deps', a, '--as', 'p']).stdout.trim();
    const before = r.read('.board/tickets', `${b}.md`);
    const res = r.board(['close', b, '--as', 'p']);
    expect(res.code).toBe(4);
    expect(res.stderr).toContain(`dependency ${a} is open`);
    expect(r.read('.board/tickets', `${b}.md`)).toBe(before);
    expect(r.board(['close', a, '--cancel', '--as', 'p']).code).toBe(0);
    expect(r.board(['close', b, '--as', 'p']).code).toBe(0); // a cancelled dependency resolves
  });

  it('prints help on every command and maps usage errors to exit 2', () => {
    const r = repo();
    for (const c of ['init', 'new', 'list', 'show', 'edit', 'close', 'reopen', 'doctor']) {
      const h = r.board([c, '--help']);
      expect(h.code, c).toBe(0);
      expect(h.stdout, c).toContain(`Usage: board ${c}`);
    }
    expect(r.board(['--help']).code).toBe(0);
    expect(r.board(['nonsense']).code).toBe(2);
    expect(r.board(['new']).code).toBe(2); // missing title
    expect(r.board(['list', '--status', 'sleeping']).code).toBe(2);
    expect(r.board(['new', 'x', '--priority', 'high', '--as', 'a']).code).toBe(2);
    expect(r.board(['show', 'T-nope']).code).toBe(3);
    const nf = r.board(['show', 'T-nope', '--json']);
    expect(JSON.parse(nf.stderr).error).toMatchObject({ kind: 'not_found', exit: 3 });
  });
});

describe('identity and names', () => {
  it('refuses hostile names before touching anything', () => {
    const r = repo();
    const before = snapshot(r);
    for (const args of [
      ['new', 'x', '--as', '../x'],
      ['new', 'x', '--as', 'Bob'],
      ['new', 'x', '--as', 'a/b'],
      ['new', 'x', '--id', '../evil', '--as', 'a'],
      ['new', 'x', '--assignee', '../../etc', '--as', 'a'],
      ['show', '../x'],
      ['edit', '../../x', '--title', 'y', '--as', 'a'],
      ['new', 'x', '--deps', '../up', '--as', 'a'],
    ]) {
      const res = r.board(args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr, args.join(' ')).toMatch(/invalid/);
    }
    const env = r.board(['new', 'x'], { env: { BOARD_AGENT: '../x' } });
    expect(env.code).toBe(2);
    expect(snapshot(r)).toEqual(before);
    expect(existsSync(join(r.dir, 'x'))).toBe(false);
    expect(existsSync(join(r.dir, '..', 'evil.md'))).toBe(false);
  });

  it('takes identity from --as, then BOARD_AGENT, then git user.name', () => {
    const r = repo();
    const id1 = r.board(['new', 'one', '--json'], { env: { BOARD_AGENT: 'carol' } });
    expect(JSON.parse(id1.stdout).updated_by).toBe('carol');
    const id2 = r.board(['new', 'two', '--json']);
    expect(JSON.parse(id2.stdout).updated_by).toBe('test-person'); // "Test Person" from git config
  });
});

describe('board lookup', () => {
  it('walks up from a subfolder, honours --board and BOARD_DIR, and says how to start', () => {
    const r = repo();
    r.write('src/deep/x.txt', 'x');
    const id = r.board(['new', 'T', '--as', 'a']).stdout.trim();
    const sub = r.board(['show', id, '--json'], { cwd: r.path('src/deep') });
    expect(sub.code).toBe(0);

    const other = repo({ init: false });
    expect(other.board(['show', id, '--board', r.path('.board'), '--json']).code).toBe(0);
    expect(other.board(['show', id, '--board', r.dir, '--json']).code).toBe(0);
    expect(other.board(['show', id], { env: { BOARD_DIR: r.path('.board') } }).code).toBe(0);

    const none = other.board(['list']);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain('board init');
    expect(other.board(['list', '--board', other.path('nowhere')]).code).toBe(3);
  });

  it('finds the main worktree board from a linked git worktree, not the worktree copy', () => {
    const r = repo();
    r.write('README', 'x');
    git(['add', '-f', 'README', '.board'], r.dir); // a repository that tracks .board on its code branch
    git(['commit', '-qm', 'init'], r.dir);
    const wt = `${r.dir}-wt`;
    git(['worktree', 'add', '-q', wt, '-b', 'board/alice'], r.dir);
    try {
      // the worktree has its own checked-out copy of .board/; it must not be used
      expect(existsSync(join(wt, '.board/board.yaml'))).toBe(true);
      mkdirSync(join(wt, 'sub'), { recursive: true });
      const made = r.board(['new', 'From worktree', '--as', 'alice'], { cwd: join(wt, 'sub') });
      expect(made.code).toBe(0);
      const id = made.stdout.trim();
      expect(existsSync(r.path('.board/tickets', `${id}.md`))).toBe(true);
      expect(existsSync(join(wt, '.board/tickets', `${id}.md`))).toBe(false);
    } finally {
      git(['worktree', 'remove', '--force', wt], r.dir);
    }
  });
});

describe('ids', () => {
  it('accepts hand-made ids and refuses a second ticket with the same id', () => {
    const r = repo();
    expect(r.board(['new', 'Auth', '--id', 'AUTH-12', '--as', 'a']).stdout.trim()).toBe('AUTH-12');
    const dup = r.board(['new', 'Auth again', '--id', 'AUTH-12', '--as', 'a']);
    expect(dup.code).toBe(4);
    expect(dup.stderr).toContain('already exists');
    r.write('.board/tickets/ops.7.md', ticketText({ id: 'ops.7', title: 'Hand made' }));
    expect(JSON.parse(r.board(['show', 'ops.7', '--json']).stdout).title).toBe('Hand made');
  });

  it('gives distinct ids to many tickets created at the same instant', async () => {
    const r = repo();
    const runs = await Promise.all(Array.from({ length: 16 }, (_, i) => r.boardAsync(['new', `T${i}`, '--as', 'a'])));
    expect(runs.every((x) => x.code === 0)).toBe(true);
    const ids = runs.map((x) => x.stdout.trim());
    expect(new Set(ids).size).toBe(16);
    expect(readdirSync(r.path('.board/tickets')).sort()).toEqual(ids.map((i) => `${i}.md`).sort());
  });
});

describe('every command', () => {
  it('has --help with its usage, and is listed by board --help', async () => {
    const { COMMANDS } = await import('../../src/cli/commands.js');
    const r = tempRepo({ init: false, git: false });
    try {
      const top = r.board(['--help']).stdout;
      const runs = await Promise.all(COMMANDS.map((c) => r.boardAsync([c.name, '--help'])));
      const groups: [string, string][] = [];
      COMMANDS.forEach((c, i) => {
        expect(top, c.name).toContain(c.name);
        expect(runs[i].code, c.name).toBe(0);
        expect(runs[i].stdout, c.name).toContain(`Usage: board ${c.name}`);
        const subs = /\nCommands:\n([\s\S]*?)(\n\n|$)/.exec(runs[i].stdout);
        if (!subs) expect(runs[i].stdout, c.name).toContain('--json');
        else
          for (const line of subs[1].split('\n')) {
            const sub = /^ {2}([a-z][a-z-]*)/.exec(line)?.[1]; // continuation lines are indented further
            if (sub && sub !== 'help') groups.push([c.name, sub]);
          }
      });
      const subRuns = await Promise.all(groups.map(([c, sub]) => r.boardAsync([c, sub, '--help'])));
      groups.forEach(([c, sub], i) => {
        expect(subRuns[i].code, `${c} ${sub}`).toBe(0);
        expect(subRuns[i].stdout, `${c} ${sub}`).toContain(`Usage: board ${c} ${sub}`);
        expect(subRuns[i].stdout, `${c} ${sub}`).toContain('--json');
      });
      expect(groups.length).toBeGreaterThan(3);
    } finally {
      r.cleanup();
    }
  });
});
