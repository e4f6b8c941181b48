/**
 * A board write changes only the fields it sets: a CRLF ticket keeps CRLF line endings, and
 * a ticket with bytes that are not UTF-8 is refused (exit 2) rather than rewritten with
 * U+FFFD. Real binary.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRepo, type TempRepo } from '../helpers.js';

let repo: TempRepo;
beforeAll(() => {
  repo = tempRepo();
  expect(repo.board(['agent', 'add', 'ana']).code).toBe(0);
});
afterAll(() => repo.cleanup());

describe('ticket encodings survive board writes', () => {
  it('a CRLF ticket keeps CRLF after `board edit` and `board claim` (changed, added and last lines alike)', () => {
    const file = repo.path('.board', 'tickets', 'T-crlf.md');
    writeFileSync(
      file,
      '---\r\nid: T-crlf\r\ntitle: Windows file\r\nstatus: todo\r\nlabels: [a, b]\r\n---\r\nBody line 1\r\nBody line 2\r\n',
    );
    const e = repo.board(['edit', 'T-crlf', '--labels', 'x,y', '--priority', '1', '--as', 'ana']);
    expect(e.code, e.stderr).toBe(0);
    expect(repo.board(['claim', 'T-crlf', '--as', 'ana']).code).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text.replace(/\r\n/g, '')).not.toContain('\n'); // every line ends in CRLF
    expect(text).toContain('labels: [x, y]\r\npriority: 1\r\n');
    expect(text.endsWith('---\r\nBody line 1\r\nBody line 2\r\n')).toBe(true);
    expect(JSON.parse(repo.board(['show', 'T-crlf', '--json']).stdout).status).toBe('in_progress');
  });

  it('a ticket with invalid UTF-8 bytes is refused (exit 2), its bytes untouched; it still shows', () => {
    const file = repo.path('.board', 'tickets', 'T-latin.md');
    const bytes = Buffer.concat([
      Buffer.from('---\nid: T-latin\ntitle: Latin-1 body\nstatus: todo\n---\nCaf'),
      Buffer.from([0xe9, 0x20, 0xff, 0xfe]),
      Buffer.from(' au lait\n'),
    ]);
    writeFileSync(file, bytes);
    for (const args of [
      ['edit', 'T-latin', '--priority', '1', '--as', 'ana'],
      ['claim', 'T-latin', '--as', 'ana'],
    ]) {
      const r = repo.board(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/holds bytes that are not UTF-8; the board does not rewrite it/);
    }
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(repo.board(['show', 'T-latin']).code).toBe(0);
  });
});
