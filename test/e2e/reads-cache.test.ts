/**
 * `board show` takes the rest of the board from a small derived graph index: never trusted
 * over the files. Its derived fields always equal what `board list` computes from every file.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRepo, ticketText, type TempRepo } from '../helpers.js';

let repo: TempRepo;
beforeAll(() => {
  repo = tempRepo();
});
afterAll(() => repo?.cleanup());

const show = (id: string, env: Record<string, string> = {}) => {
  const r = repo.board(['show', id, '--json'], { env });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
const listed = (id: string) =>
  JSON.parse(repo.board(['list', '--all', '--json']).stdout).find((t: { id: string }) => t.id === id);
const write = (id: string, fields: Record<string, string>, age = 5) => {
  const p = repo.path('.board', 'tickets', `${id}.md`);
  writeFileSync(p, ticketText({ id, title: id, ...fields }));
  const t = Date.now() / 1000 - age; // aged past the racy window, as most files are
  utimesSync(p, t, t);
};

describe('show reads the graph from an index that is never trusted over the files', () => {
  it('follows hand edits of other tickets, kept or racy, and a lost or corrupt index', () => {
    write('T-a', { status: 'todo' });
    write('T-b', { status: 'todo', deps: '[T-a]' });
    const first = show('T-b');
    expect(first).toMatchObject({ blocked_by: ['T-a'], ready: false, wave: 2 });
    expect(first).toEqual(listed('T-b'));

    write('T-a', { status: 'done' }); // same size, new mtime: the index entry no longer matches
    const second = show('T-b');
    expect(second).toMatchObject({ blocked_by: [], ready: true });
    expect(second).toEqual(listed('T-b'));

    write('T-a', { status: 'todo' }, 0); // changed just now (racy): read from the file
    expect(show('T-b')).toMatchObject({ blocked_by: ['T-a'], ready: false });
    write('T-c', { status: 'todo' }); // a new ticket in wave 1 and a new dependency
    write('T-b', { status: 'todo', deps: '[T-a, T-c]' });
    expect(show('T-b')).toEqual(listed('T-b'));

    writeFileSync(
      repo.path('.board', 'run', 'graph.json'),
      '{"v":1,"tickets":{"T-a.md":["x","T-a","done",[]]}}garbage',
    );
    expect(show('T-b')).toEqual(listed('T-b'));
    writeFileSync(
      repo.path('.board', 'run', 'graph.json'),
      JSON.stringify({ v: 1, tickets: { 'T-a.md': ['bogus-key', 'T-a', 'done', []] } }),
    );
    expect(show('T-b')).toMatchObject({ blocked_by: ['T-a', 'T-c'] });
    expect(show('T-b', { BOARD_NO_CACHE: '1' })).toEqual(listed('T-b'));
  });
});
