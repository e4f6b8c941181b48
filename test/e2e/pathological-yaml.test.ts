/**
 * Pathological front-matter against real processes: files with tens of thousands of keys
 * (valid YAML, under the 1 MiB file limit) used to take the YAML parser's duplicate-key
 * check tens of seconds, stalling `board list` and the watcher. They are now refused at
 * once, with the reason, and everything else keeps working. (Timings are in `npm run bench`.)
 */
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFrontmatter } from '../../src/store/frontmatter.js';
import { startWatcherProcess, tempRepo, type TempRepo, type WatcherProcess } from '../helpers.js';

/** A valid YAML front-matter with `n` keys (25,000 keys is ~194 KB). */
function manyKeys(n: number, head = ''): string {
  let s = `---\n${head}`;
  for (let i = 0; i < n; i++) s += `k${i}: v\n`;
  return `${s}---\nbody\n`;
}

let repo: TempRepo;
let watcher: WatcherProcess;
const track: ChildProcess[] = [];

beforeAll(async () => {
  repo = tempRepo();
  for (const a of ['alice', 'bob']) expect(repo.board(['agent', 'add', a]).code).toBe(0);
  watcher = startWatcherProcess(repo.dir, { track });
  await watcher.until((e) => e.type === 'ready', 30_000);
});

afterAll(async () => {
  await watcher?.stop();
  repo?.cleanup();
});

describe('front-matter with many keys', () => {
  it('is refused at once with the reason and the limit, not parsed for seconds', () => {
    const text = manyKeys(25_000, 'id: T-big\ntitle: Big\n');
    expect(text.length).toBeGreaterThan(190_000);
    expect(() => parseFrontmatter(text, 'tickets/T-big.md')).toThrow(
      /front-matter is 238911 characters, over the limit of 16384/,
    );
    // under 16 KiB, the count of lines and list items is what refuses
    expect(() => parseFrontmatter(manyKeys(1_000), 'x.md')).toThrow(
      /front-matter has 1000 lines and list items, over the limit of 200/,
    );
    expect(() => parseFrontmatter(`---\nk: [${'a,'.repeat(300)}a]\n---\n`, 'x.md')).toThrow(/302 lines and list items/);
    // lines of whitespace (gray-matter's split is quadratic on them), also with lone CRs
    expect(() => parseFrontmatter(`---\n${' \n'.repeat(8000)}a: 1\n---\n`, 'x.md')).toThrow(
      /8001 lines and list items/,
    );
    expect(() => parseFrontmatter(`---\n${' \r'.repeat(8000)}a: 1\n---\n`, 'x.md')).toThrow(
      /8001 lines and list items/,
    );
    // a front-matter just under the limit still reads, through the YAML parser or the fast reader
    const ok = parseFrontmatter(manyKeys(195), 'x.md');
    expect(Object.keys(ok.data)).toHaveLength(195);
  });

  it('many keys with a duplicate: the duplicate is still found, with its line', () => {
    const text = `---\n${Array.from({ length: 190 }, (_, i) => `k${i}: &a${i} v`).join('\n')}\nk7: again\n---\n`;
    expect(() => parseFrontmatter(text, 't.md')).toThrow(/invalid YAML at line 192: Map keys must be unique/);
  });

  it('board list and show on a board holding a 60,000-key ticket answer, naming the file and the reason', () => {
    const quiet = tempRepo(); // no watcher: it would take the invalid file away
    try {
      listAndShow(quiet);
    } finally {
      quiet.cleanup();
    }
  });

  it('the running watcher refuses the file at once and keeps routing', async () => {
    writeFileSync(repo.path('.board', 'tickets', 'T-wide.md'), manyKeys(60_000, 'id: T-wide\ntitle: Wide\n'));
    const refused = await watcher.until((e) => e.type === 'edit_refused' && e.id === 'T-wide', 60_000);
    expect(String(refused.reason)).toMatch(/front-matter is 588913 characters, over the limit of 16384/);
    writeFileSync(repo.path('.board', 'tickets', 'T-long.md'), manyKeys(1_000, 'id: T-long\ntitle: Long\n'));
    const refused2 = await watcher.until((e) => e.type === 'edit_refused' && e.id === 'T-long', 60_000);
    expect(String(refused2.reason)).toMatch(/front-matter has 1002 lines and list items, over the limit of 200/);
    writeFileSync(repo.path('.board', 'outbox', 'alice', 'wide.md'), manyKeys(60_000, 'to: bob\nsubject: wide\n'));
    writeFileSync(
      repo.path('.board', 'outbox', 'alice', 'after.md'),
      '---\nto: bob\nsubject: after the wide one\n---\nhello\n',
    );
    await watcher.until((e) => e.type === 'delivered' && e.subject === 'after the wide one', 60_000);
    const rejected = await watcher.until((e) => e.type === 'rejected' && String(e.source).endsWith('wide.md'), 60_000);
    expect(String(rejected.reason)).toMatch(/over the limit of 16384/);
  });
});

function listAndShow(repo: TempRepo): void {
  expect(repo.board(['new', 'A normal ticket', '--id', 'T-ok']).code).toBe(0);
  writeFileSync(repo.path('.board', 'tickets', 'T-huge.md'), manyKeys(60_000, 'id: T-huge\ntitle: Huge\n'));
  const list = repo.board(['list', '--all', '--json']);
  expect(list.code).toBe(0);
  expect(JSON.parse(list.stdout).map((t: { id: string }) => t.id)).toEqual(['T-ok']);
  const show = repo.board(['show', 'T-huge', '--json']);
  expect(show.code).toBe(2);
  expect(show.stderr).toMatch(/T-huge\.md: front-matter is 588913 characters, over the limit of 16384/);
  const doctor = repo.board(['doctor', '--json']);
  expect(doctor.stdout + doctor.stderr).toMatch(/T-huge\.md/);
}
