import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempRepo, ticketText, type TempRepo } from '../helpers.js';

let repos: TempRepo[] = [];
const repo = () => {
  const r = tempRepo();
  repos.push(r);
  return r;
};
afterEach(() => {
  for (const r of repos) r.cleanup();
  repos = [];
});

describe('front-matter is YAML only', () => {
  it('never evaluates JavaScript front-matter, whatever the spelling', () => {
    const r = repo();
    const pwned = r.path('pwned');
    for (const [i, lang] of ['js', 'javascript', 'JS', ' js ', 'JavaScript'].entries()) {
      const payload = `{ id: require('fs').writeFileSync(${JSON.stringify(pwned)}, 'x') || 'X-${i}', title: 'evil' }`;
      r.write(`.board/tickets/X-${i}.md`, `---${lang}\n${payload}\n---\nbody\n`);
    }
    const list = r.board(['list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expect(list.stderr).toMatch(/X-0\.md: front-matter language "js" is not allowed/);
    const show = r.board(['show', 'X-1']);
    expect(show.code).toBe(2);
    expect(show.stderr).toContain('YAML only');
    expect(r.board(['doctor']).code).toBe(2);
    expect(r.board(['edit', 'X-2', '--title', 'y', '--as', 'a']).code).toBe(2);
    expect(existsSync(pwned)).toBe(false);
  });

  it('bounds YAML aliases (a billion-laughs ticket is refused, quickly)', () => {
    const r = repo();
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 9; i++) {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      lines.push(
        `${next}: &${next} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`,
      );
    }
    r.write('.board/tickets/BOMB.md', `---\nid: BOMB\ntitle: boom\n${lines.join('\n')}\n---\n`);
    const t0 = Date.now();
    const show = r.board(['show', 'BOMB']);
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/alias/i);
    expect(Date.now() - t0).toBeLessThan(20_000); // aliases are bounded: no exponential blow-up
  });
});

describe('edits by the board keep the file', () => {
  it('keeps comments, key order, quoting, unknown keys and the body exactly', () => {
    const r = repo();
    const original = [
      '---',
      '# planning note: keep this comment',
      'title: "Quoted title"',
      'id: HAND-1',
      'custom_field: {nested: [1, 2]}   # trailing comment',
      'status: todo',
      "labels: ['a', b]",
      'estimate: 3d',
      'priority: 2',
      '---',
      '# Body heading',
      '',
      '- [ ] first',
      '- [x] second',
      '',
      'Trailing text without newline',
    ].join('\n');
    r.write('.board/tickets/HAND-1.md', original);
    expect(r.board(['edit', 'HAND-1', '--priority', '1', '--as', 'alice']).code).toBe(0);
    const after = r.read('.board/tickets/HAND-1.md');
    const expected = original.replace('priority: 2\n', 'priority: 1\nupdated: UPDATED\nupdated_by: alice\n');
    expect(after.replace(/^updated: .*$/m, 'updated: UPDATED')).toBe(expected);
    const json = JSON.parse(r.board(['show', 'HAND-1', '--json']).stdout);
    expect(json.extra).toEqual({ custom_field: { nested: [1, 2] }, estimate: '3d' });
  });

  it('loses no update when 10 edits of different fields run at once', async () => {
    const r = repo();
    const id = r.board(['new', 'Target', '--as', 'a']).stdout.trim();
    for (let i = 0; i < 6; i++) r.board(['new', `dep ${i}`, '--id', `D-${i}`, '--as', 'a']);
    const edits = [
      ['--title', 'New title'],
      ['--priority', '0'],
      ['--labels', 'x,y'],
      ['--assignee', 'bob'],
      ['--locks', 'src/**'],
      ['--body', 'New body'],
      ['--add-dep', 'D-0'],
      ['--add-dep', 'D-1'],
      ['--add-dep', 'D-2'],
      ['--add-dep', 'D-3'],
    ];
    const runs = await Promise.all(edits.map((e, i) => r.boardAsync(['edit', id, ...e, '--as', `agent${i}`])));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const t = JSON.parse(r.board(['show', id, '--json']).stdout);
    expect(t).toMatchObject({
      title: 'New title',
      priority: 0,
      labels: ['x', 'y'],
      assignee: 'bob',
      locks: ['src/**'],
      body: 'New body\n',
    });
    expect([...t.deps].sort()).toEqual(['D-0', 'D-1', 'D-2', 'D-3']);
  });
});

describe('bad input: clear message, documented exit code, nothing changed', () => {
  const cases: { name: string; file: string; text: string | Buffer; msg: RegExp; field?: string; line?: number }[] = [
    {
      name: 'unparsable YAML',
      file: 'BAD-1',
      text: '---\nid: BAD-1\ntitle: [unclosed\n---\n',
      msg: /BAD-1\.md: invalid YAML at line \d/,
    },
    {
      name: 'unknown status',
      file: 'BAD-2',
      text: ticketText({ id: 'BAD-2', title: 't', status: 'sleeping' }),
      msg: /unknown status "sleeping"/,
      field: 'status',
      line: 4,
    },
    {
      name: 'id not matching the file name',
      file: 'BAD-3',
      text: ticketText({ id: 'OTHER', title: 't' }),
      msg: /id "OTHER" does not match the file name "BAD-3\.md"/,
      field: 'id',
      line: 2,
    },
    {
      name: 'derived field stored',
      file: 'BAD-4',
      text: ticketText({ id: 'BAD-4', title: 't', wave: '3' }),
      msg: /"wave" is derived/,
      field: 'wave',
    },
    {
      name: 'binary file',
      file: 'BAD-5',
      text: Buffer.from([45, 45, 45, 10, 0, 1, 2, 10, 45, 45, 45, 10]),
      msg: /binary/,
    },
    {
      name: 'oversized file',
      file: 'BAD-6',
      text: `---\nid: BAD-6\ntitle: big\n---\n${'x'.repeat(1024 * 1024 + 10)}`,
      msg: /over the limit of 1048576 bytes/,
    },
    { name: 'no front-matter', file: 'BAD-7', text: 'just text\n', msg: /no front-matter/ },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const r = repo();
      const good = r.board(['new', 'Good one', '--as', 'a']).stdout.trim();
      writeFileSync(r.path('.board/tickets', `${c.file}.md`), c.text);
      const before = readFileSync(r.path('.board/tickets', `${c.file}.md`));

      const show = r.board(['show', c.file, '--json']);
      expect(show.code).toBe(2);
      const err = JSON.parse(show.stderr).error;
      expect(err.message).toMatch(c.msg);
      expect(err.file).toBe(`.board/tickets/${c.file}.md`);
      if (c.field) expect(err.field).toBe(c.field);
      if (c.line) expect(err.line).toBe(c.line);

      const list = r.board(['list', '--json']);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout).map((t: { id: string }) => t.id)).toEqual([good]);
      expect(list.stderr).toContain(`${c.file}.md`);

      const doc = r.board(['doctor', '--json']);
      expect(doc.code).toBe(2);
      const problems = JSON.parse(doc.stdout).problems;
      expect(
        problems.some(
          (p: { file: string; message: string }) => p.file === `.board/tickets/${c.file}.md` && c.msg.test(p.message),
        ),
      ).toBe(true);

      expect(r.board(['edit', c.file, '--title', 'x', '--as', 'a']).code).toBe(2);
      expect(readFileSync(r.path('.board/tickets', `${c.file}.md`)).equals(before)).toBe(true);
    });
  }

  it('unknown dependency and cycles are refused with exit 2, naming the tickets', () => {
    const r = repo();
    const a = r.board(['new', 'A', '--as', 'p']).stdout.trim();
    const b = r.board(['new', 'B', '--deps', a, '--as', 'p']).stdout.trim();
    const c = r.board(['new', 'C', '--deps', b, '--as', 'p']).stdout.trim();
    const unknown = r.board(['new', 'D', '--deps', 'T-zzzz', '--as', 'p']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown dependency T-zzzz');
    const before = r.read('.board/tickets', `${a}.md`);
    const cyc = r.board(['edit', a, '--add-dep', c, '--as', 'p', '--json']);
    expect(cyc.code).toBe(2);
    const err = JSON.parse(cyc.stderr).error;
    expect(err.message).toContain('dependency cycle');
    expect([...err.data.cycle].sort()).toEqual([a, b, c].sort());
    expect(r.read('.board/tickets', `${a}.md`)).toBe(before);

    // a cycle written by hand is reported by doctor and listed without waves
    r.write(`.board/tickets/${a}.md`, before.replace('deps: []', `deps: [${c}]`));
    const doc = r.board(['doctor']);
    expect(doc.code).toBe(2);
    expect(doc.stdout).toMatch(new RegExp(`dependency cycle through .*${a}`));
    const list = JSON.parse(r.board(['list', '--json']).stdout);
    expect(list.every((t: { wave: number | null }) => t.wave === null)).toBe(true);
  });

  it('does not follow a symlink leading out of .board', () => {
    const r = repo();
    r.write('secret.md', ticketText({ id: 'LINK', title: 'outside' }));
    symlinkSync(r.path('secret.md'), r.path('.board/tickets/LINK.md'));
    const show = r.board(['show', 'LINK']);
    expect(show.code).toBe(2);
    expect(show.stderr).toContain('symbolic link');
    const list = r.board(['list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
    expect(list.stderr).toContain('LINK.md');
    expect(r.board(['edit', 'LINK', '--title', 'x', '--as', 'a']).code).toBe(2);
    expect(r.read('secret.md')).toContain('outside');
    const doc = r.board(['doctor']);
    expect(doc.code).toBe(2);
    expect(doc.stdout).toContain('symbolic link');
  });

  it('lists the others when one ticket is broken, and doctor reports every problem with file and line', () => {
    const r = repo();
    r.board(['new', 'fine', '--as', 'a']);
    r.write('.board/tickets/B-1.md', ticketText({ id: 'B-1', title: 't', status: 'nope' }));
    r.write('.board/tickets/B-2.md', ticketText({ id: 'B-2', title: 't', priority: '9' }));
    r.write('.board/tickets/B-3.md', ticketText({ id: 'B-3', title: 't', deps: '[GHOST]' }));
    const doc = r.board(['doctor']);
    expect(doc.code).toBe(2);
    expect(doc.stdout).toMatch(/\.board\/tickets\/B-1\.md:4: unknown status "nope"/);
    expect(doc.stdout).toMatch(/\.board\/tickets\/B-2\.md:4: invalid priority 9/);
    expect(doc.stdout).toMatch(/B-3\.md: unknown dependency GHOST/);
    expect(doc.stdout).toContain('3 problems found');
  });
});

describe('derived cache', () => {
  it('is never trusted over the files', async () => {
    const r = repo();
    const id = r.board(['new', 'Cached', '--as', 'a']).stdout.trim();
    const file = r.path('.board/tickets', `${id}.md`);
    // let the file age past the racy window so it gets cached, then change it in place
    await new Promise((res) => setTimeout(res, 1100));
    expect(JSON.parse(r.board(['list', '--json']).stdout)[0].title).toBe('Cached');
    expect(existsSync(r.path('.board/run/cache.json'))).toBe(true);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('title: Cached', 'title: Cachex')); // same size
    expect(JSON.parse(r.board(['list', '--json']).stdout)[0].title).toBe('Cachex');
    writeFileSync(r.path('.board/run/cache.json'), '{not json');
    expect(JSON.parse(r.board(['list', '--json']).stdout)[0].title).toBe('Cachex');
    expect(JSON.parse(r.board(['list', '--json'], { env: { BOARD_NO_CACHE: '1' } }).stdout)[0].title).toBe('Cachex');
    void join;
  });
});
