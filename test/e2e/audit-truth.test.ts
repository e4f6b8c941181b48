/**
 * The audit trail tells the truth: a refused hand edit is committed as a refusal
 * ("refused hand claim by ana; restored"), never as the event it tried to make, and causes no
 * announcement; a commit's message describes exactly the files it holds.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/git/audit.js';
import { locateBoard } from '../../src/store/locate.js';
import { git, startWatcherProcess, tempRepo, waitFor, type TempRepo, type WatcherProcess } from '../helpers.js';

describe('a refused hand claim in the audit trail', () => {
  let repo: TempRepo;
  let w: WatcherProcess;
  const procs: ChildProcess[] = [];

  beforeAll(async () => {
    repo = tempRepo();
    for (const a of ['ana', 'ben']) expect(repo.board(['agent', 'add', a]).code).toBe(0);
    w = startWatcherProcess(repo.dir, { track: procs });
    await w.until((e) => e.type === 'ready');
  });

  afterAll(async () => {
    await w?.stop();
    repo?.cleanup();
  });

  it('is committed as a refusal, and announces nothing', async () => {
    const id = repo.board(['new', 'Ready all along', '--as', 'ben']).stdout.trim();
    await w.until((e) => e.type === 'commit' && String(e.subject).includes(id));
    const file = repo.path('.board', 'tickets', `${id}.md`);
    const text = readFileSync(file, 'utf8');
    const n = w.events().length;
    const claimed = text
      .replace('status: todo', 'status: in_progress')
      .replace('updated_by: ben', 'updated_by: ana')
      .replace(/\n---\n/, '\nclaim:\n  by: ana\n  at: 2026-01-01T00:00:00Z\n  expires: 2099-01-01T00:00:00Z\n---\n');
    writeFileSync(`${file}.swp`, claimed);
    renameSync(`${file}.swp`, file);
    await w.until((e) => e.type === 'edit_refused' && e.id === id);
    const commit = await w
      .until((e) => e.type === 'commit' && /refused hand claim by ana; restored/.test(String(e.subject)), 30_000)
      .catch((e) => {
        console.log(
          w
            .events()
            .slice(n)
            .map((x) => JSON.stringify(x))
            .join('\n'),
        );
        throw e;
      });
    expect(commit.subject).toBe(`board(${id}): refused hand claim by ana; restored`);
    // let everything the refusal caused be committed, then read the whole trail
    await waitFor(() => readFileSync(file, 'utf8') === text);
    const log = git(['log', '--format=%s%n%b', 'recado'], repo.dir);
    expect(log).not.toMatch(/claimed by ana/);
    // no announcement: the only recado about it is the refusal to its author
    const about = w
      .events()
      .slice(n)
      .filter((e) => e.type === 'delivered' && String(e.subject).includes(id));
    expect(about.map((e) => e.to)).toEqual([['ana']]);
    expect(String(about[0].id)).toMatch(/^board-refused-/);
  });
});

describe('a commit message', () => {
  it('describes exactly the files the commit holds', async () => {
    const r = tempRepo();
    try {
      const a = r.board(['new', 'A', '--as', 'ana']).stdout.trim();
      const b = r.board(['new', 'B', '--as', 'ben']).stdout.trim();
      expect(r.board(['commit']).code).toBe(0);
      const audit = (await AuditLog.open(locateBoard({ cwd: r.dir }), { debounceMs: 50 }))!;
      // ana's change is already on the branch (nothing to commit); ben's is new
      audit.record({ path: `tickets/${a}.md`, author: 'ana', what: 'closed by ana', ticket: a });
      const fb = r.path('.board', 'tickets', `${b}.md`);
      writeFileSync(fb, readFileSync(fb, 'utf8') + '\nben was here\n');
      audit.record({ path: `tickets/${b}.md`, author: 'ben', what: 'body edited', ticket: b });
      const done = await audit.close();
      expect(done.ok).toBe(true);
      expect(done.commits.map((c) => `${c.author}: ${c.subject}`)).toEqual([`ben: board(${b}): body edited`]);
      expect(git(['log', '-1', '--format=%B', 'recado'], r.dir)).not.toContain(a);
    } finally {
      r.cleanup();
    }
  });
});
