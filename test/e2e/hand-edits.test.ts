/**
 * Hand edits mean what they say, with a real watcher: the holder closing a ticket by hand
 * ends its claim and frees its reserved paths like `board close`; the holder setting it back
 * to todo gives it back like `board release`; an edit mixing an allowed change (a note) with
 * a refused one (another agent's status change) keeps the note and puts back only the refused
 * fields, keeps the whole text in rejected/, and gives its author one recado.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatcherProcess, tempRepo, waitFor, type TempRepo, type WatcherProcess } from '../helpers.js';

describe('hand edits mean what they say', () => {
  let repo: TempRepo;
  let w: WatcherProcess;
  const procs: ChildProcess[] = [];
  const file = (id: string) => repo.path('.board', 'tickets', `${id}.md`);
  const read = (id: string) => readFileSync(file(id), 'utf8');
  const save = (id: string, text: string) => {
    writeFileSync(`${file(id)}.swp`, text);
    renameSync(`${file(id)}.swp`, file(id));
  };
  const show = (id: string) =>
    JSON.parse(repo.board(['show', id, '--json']).stdout) as {
      status: string;
      claim: { by: string } | null;
      body: string;
    };
  const settled = (id: string) =>
    waitFor(() => {
      const dir = repo.path('.board', 'run', 'receipts');
      return !existsSync(dir) || !readdirSync(dir).some((n) => n.startsWith(`${id}.`) && !n.endsWith('.seen'));
    }, 20_000);
  const newTicket = (title: string, ...args: string[]) => {
    const r = repo.board(['new', title, '--as', 'carol', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    repo = tempRepo();
    for (const a of ['alice', 'bob', 'carol']) expect(repo.board(['agent', 'add', a]).code).toBe(0);
    w = startWatcherProcess(repo.dir, { track: procs });
    await w.until((e) => e.type === 'ready');
  });

  afterAll(async () => {
    await w?.stop();
    repo?.cleanup();
  });

  it('a hand close by the holder ends the claim and frees its reserved paths', async () => {
    const id = newTicket('Locked work', '--locks', 'src/api/**');
    expect(repo.board(['claim', id, '--as', 'alice']).code).toBe(0);
    await settled(id);
    expect(repo.board(['check-paths', 'src/api/x.ts', '--as', 'bob']).code).toBe(4);
    save(id, read(id).replace('status: in_progress', 'status: done'));
    await w.until((e) => e.type === 'claim_ended' && e.id === id);
    await waitFor(() => show(id).claim === null);
    expect(show(id).status).toBe('done');
    expect(repo.board(['check-paths', 'src/api/x.ts', '--as', 'bob']).code).toBe(0);
    expect(w.events().filter((e) => e.type === 'edit_refused' && e.id === id)).toEqual([]);
  });

  it('the holder removing its claim with the close is accepted too; status todo gives it back', async () => {
    const a = newTicket('Closed with the claim removed');
    expect(repo.board(['claim', a, '--as', 'alice']).code).toBe(0);
    await settled(a);
    save(
      a,
      read(a)
        .replace('status: in_progress', 'status: cancelled')
        .replace(/claim:\n( {2}.*\n)+/, ''),
    );
    await w.until((e) => e.type === 'edit_accepted' && e.id === a);
    expect(show(a)).toMatchObject({ status: 'cancelled', claim: null });

    const b = newTicket('Given back');
    expect(repo.board(['claim', b, '--as', 'alice']).code).toBe(0);
    await settled(b);
    save(b, read(b).replace('status: in_progress', 'status: todo'));
    await w.until((e) => e.type === 'claim_ended' && e.id === b);
    await waitFor(() => show(b).claim === null);
    expect(show(b).status).toBe('todo');
    expect(w.events().filter((e) => e.type === 'edit_refused' && (e.id === a || e.id === b))).toEqual([]);
  });

  it('a mixed edit keeps the allowed part and puts back only the refused fields', async () => {
    const id = newTicket('Shared');
    expect(repo.board(['claim', id, '--as', 'alice']).code).toBe(0);
    await settled(id);
    const mixed =
      read(id).replace('status: in_progress', 'status: review').replace('updated_by: alice', 'updated_by: bob') +
      '\nNote from bob: see the logs.\n';
    save(id, mixed);
    const ev = await w.until((e) => e.type === 'edit_refused' && e.id === id);
    expect(ev.action).toBe('restored');
    await waitFor(() => show(id).status === 'in_progress' && show(id).body.includes('Note from bob'));
    expect(show(id).claim?.by).toBe('alice');
    // the whole text is kept, byte for byte
    expect(readFileSync(repo.path(String(ev.kept)), 'utf8')).toBe(mixed);
    // one recado for one save
    const told = await waitFor(() => {
      const all = JSON.parse(repo.board(['inbox', '--as', 'bob', '--json', '--all']).stdout) as Array<{
        ticket: string;
        from: string;
        body: string;
      }>;
      const mine = all.filter((r) => r.ticket === id && r.from === 'board');
      return mine.length ? mine : null;
    });
    expect(told).toHaveLength(1);
    expect(told[0].body).toContain('the rest of your edit stays');
  });
});
