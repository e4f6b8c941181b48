/**
 * Edits made while no watcher runs: when it starts, the watcher judges every ticket that
 * differs from the last version recorded on the audit branch, with the same rules (a hand
 * close with an open dependency and a hand-written claim are undone; board writes made by the
 * CLI meanwhile stand), and `board doctor` reports those rule violations before that.
 */
import type { ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, startWatcherProcess, tempRepo, waitFor, type TempRepo } from '../helpers.js';

describe('edits made while no watcher runs', () => {
  let repo: TempRepo;
  const procs: ChildProcess[] = [];
  const file = (id: string) => repo.path('.board', 'tickets', `${id}.md`);
  const save = (id: string, text: string) => {
    writeFileSync(`${file(id)}.swp`, text);
    renameSync(`${file(id)}.swp`, file(id));
  };
  const show = (id: string) =>
    JSON.parse(repo.board(['show', id, '--json']).stdout) as { status: string; claim: { by: string } | null };

  beforeAll(() => {
    repo = tempRepo();
    for (const a of ['ana', 'ben']) expect(repo.board(['agent', 'add', a]).code).toBe(0);
  });
  afterAll(() => {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    repo?.cleanup();
  });

  it('are judged when the watcher starts; doctor reports them before', { timeout: 240_000 }, async () => {
    const a = repo.board(['new', 'Schema', '--as', 'ben']).stdout.trim();
    const b = repo.board(['new', 'Queries', '--deps', a, '--as', 'ben']).stdout.trim();
    const c = repo.board(['new', 'Docs', '--as', 'ben']).stdout.trim();
    // a watcher records them, then stops
    const w1 = startWatcherProcess(repo.dir, { track: procs });
    await w1.until((e) => e.type === 'ready');
    await waitFor(() => {
      try {
        return git(['ls-tree', '-r', '--name-only', 'recado'], repo.dir).includes(`${c}.md`);
      } catch {
        return false; // no audit branch yet
      }
    }, 30_000).catch((e) => {
      console.log(w1.output());
      throw e;
    });
    await w1.stop();

    // no watcher: ana closes B by hand (A is open) and writes herself a claim on A; ben claims C properly
    save(
      b,
      readFileSync(file(b), 'utf8')
        .replace('status: todo', 'status: done')
        .replace('updated_by: ben', 'updated_by: ana'),
    );
    save(
      a,
      readFileSync(file(a), 'utf8')
        .replace('status: todo', 'status: in_progress')
        .replace('updated_by: ben', 'updated_by: ana')
        .replace(
          /\n---\n/,
          `\nclaim:\n  by: ana\n  at: ${new Date().toISOString().replace(/\.\d+Z/, 'Z')}\n  expires: ${new Date(Date.now() + 6 * 3600_000).toISOString().replace(/\.\d+Z/, 'Z')}\n---\n`,
        ),
    );
    expect(repo.board(['claim', c, '--as', 'ben']).code).toBe(0);

    const doctor = repo.board(['doctor']);
    expect(doctor.code).not.toBe(0);
    expect(doctor.stdout + doctor.stderr).toContain(`${b} is done while its dependencies ${a} are open`);
    expect(doctor.stdout + doctor.stderr).toContain(`the claim of ${a} by ana has no board receipt`);
    expect(doctor.stdout + doctor.stderr).not.toContain(`claim of ${c}`);

    const w2 = startWatcherProcess(repo.dir, { track: procs });
    await w2
      .until((e) => e.type === 'ready', 60_000)
      .catch((e) => {
        console.log(w2.output());
        throw e;
      });
    await w2
      .until((e) => e.type === 'edit_refused' && e.id === b, 30_000)
      .catch((e) => {
        console.log(w2.output());
        throw e;
      });
    await w2.until((e) => e.type === 'edit_refused' && e.id === a, 30_000);
    await w2.until((e) => e.type === 'ready');
    await waitFor(() => show(b).status === 'todo' && show(a).claim === null);
    expect(show(c)).toMatchObject({ status: 'in_progress', claim: { by: 'ben' } });
    expect(w2.events().filter((e) => e.type === 'edit_refused' && e.id === c)).toEqual([]);
    await waitFor(
      () =>
        new RegExp(`refused \\S+-${b}\\.md`).test(git(['log', '--format=%s%n%b', 'recado'], repo.dir)) &&
        new RegExp(`refused \\S+-${a}\\.md`).test(git(['log', '--format=%s%n%b', 'recado'], repo.dir)),
      30_000,
    ).catch((e) => {
      console.log(git(['log', '--format=%s%n%b', 'recado'], repo.dir));
      throw e;
    });
    await w2.stop();
    const log = git(['log', '--format=%s%n%b', 'recado'], repo.dir);
    expect(log).not.toMatch(/closed by ana|claimed by ana/);
    expect(log).toMatch(/claimed by ben/);
  });
});
