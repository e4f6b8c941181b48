/**
 * A ticket file deleted by hand is put back by the watcher and its last author told; a
 * ticket deleted through the board (`board delete`) stays deleted and the audit trail says
 * who deleted it.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, startWatcherProcess, tempRepo, waitFor, type TempRepo, type WatcherProcess } from '../helpers.js';

describe('deleting a ticket', () => {
  let repo: TempRepo;
  let w: WatcherProcess;
  const procs: ChildProcess[] = [];
  const file = (id: string) => repo.path('.board', 'tickets', `${id}.md`);
  const log = () => {
    try {
      return git(['log', '--format=%s%n%b', 'recado'], repo.dir);
    } catch {
      return '';
    }
  };

  beforeAll(async () => {
    repo = tempRepo();
    expect(repo.board(['agent', 'add', 'carol']).code).toBe(0);
    w = startWatcherProcess(repo.dir, { track: procs });
    await w.until((e) => e.type === 'ready');
  });
  afterAll(async () => {
    await w?.stop();
    repo?.cleanup();
  });

  it('by hand: put back, its last author told, never recorded as a deletion', async () => {
    const id = repo.board(['new', 'Keep me', '--as', 'carol']).stdout.trim();
    await w.until((e) => e.type === 'commit' && String(e.subject).includes(id), 30_000);
    const text = readFileSync(file(id), 'utf8');
    unlinkSync(file(id));
    await w.until((e) => e.type === 'deletion_refused' && e.id === id, 30_000);
    expect(readFileSync(file(id), 'utf8')).toBe(text);
    const inbox = JSON.parse(repo.board(['inbox', '--as', 'carol', '--json']).stdout) as Array<{ subject: string }>;
    expect(inbox.map((r) => r.subject)).toContain(`${id}: deleted by hand; it is back`);
    // the file is back before any commit: the trail holds the recado about it, never a deletion
    await waitFor(() => log().includes(`${id}: deleted by hand; it is back`), 30_000);
    expect(log()).not.toMatch(new RegExp(`^board\\(${id}\\): deleted`, 'm'));
  });

  it('with board delete: gone for good, and the trail says who', async () => {
    const id = repo.board(['new', 'Drop me', '--as', 'carol']).stdout.trim();
    await w.until((e) => e.type === 'commit' && String(e.subject).includes(id), 30_000);
    const del = repo.board(['delete', id, '--as', 'carol', '--json']);
    expect(del.code, del.stderr).toBe(0);
    expect(JSON.parse(del.stdout)).toMatchObject({ id, deleted: true, by: 'carol' });
    await w.until((e) => e.type === 'ticket_deleted' && e.id === id, 30_000);
    await waitFor(() => log().includes(`board(${id}): deleted by carol`), 30_000);
    expect(existsSync(file(id))).toBe(false);
    expect(repo.board(['show', id]).code).toBe(3);
  });
});
