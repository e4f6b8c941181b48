/**
 * No write through a symbolic link inside `.board/`: each folder the board writes into is
 * replaced by a link to a folder outside, and every command that would write there refuses
 * (exit 2, naming the link) and leaves the outside folder untouched. Real binary and watcher.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startWatcherProcess, tempRepo, type TempRepo } from '../helpers.js';

const cleanups: Array<() => void> = [];
const procs: ChildProcess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
  }
  for (const c of cleanups.splice(0)) c();
});

/** A board with agents ana and ben, and `rel` (under .board/) replaced by a link to an empty folder outside. */
function linked(rel: string): { repo: TempRepo; outside: string; link: string } {
  const repo = tempRepo();
  cleanups.push(() => repo.cleanup());
  for (const a of ['ana', 'ben']) expect(repo.board(['agent', 'add', a]).code).toBe(0);
  const outside = mkdtempSync(join(tmpdir(), 'recado-outside-'));
  cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
  const link = repo.path('.board', rel);
  rmSync(link, { recursive: true, force: true });
  symlinkSync(outside, link);
  return { repo, outside, link: `.board/${rel}` };
}

const empty = (dir: string) => readdirSync(dir).length === 0;

function refused(r: { code: number; stderr: string }, link: string, code = 2): void {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stderr).toContain(`${link} is a symbolic link`);
  expect(r.stderr).toMatch(/never writes through a link/);
}

describe('no write through a symbolic link inside .board/', () => {
  it('inbox/X/cur: `board read` and `board hook claude` refuse; doctor reports it', () => {
    const { repo, outside, link } = linked('inbox/ana/cur');
    const sent = repo.board(['send', 'ana', 'hello', '--as', 'ben', '--json']);
    expect(sent.code).toBe(0);
    const id = JSON.parse(sent.stdout).id as string;
    refused(repo.board(['read', id, '--as', 'ana']), link);
    refused(repo.board(['hook', 'claude', '--as', 'ana']), link, 1); // a hook never exits 2 (it would block the prompt)
    expect(empty(outside)).toBe(true);
    expect(existsSync(repo.path('.board', 'inbox', 'ana', 'new', `${id}.md`))).toBe(true); // still unread, nothing lost
    const d = repo.board(['doctor']);
    expect(d.code).not.toBe(0);
    expect(d.stdout + d.stderr).toContain(`${link} is a symbolic link`);
  });

  it('inbox/X: `board send` and `board agent add` refuse; the other recipients still get their copy', () => {
    const { repo, outside, link } = linked('inbox/ana');
    const r = repo.board(['send', 'ana,ben', 'hello both', '--as', 'ben']);
    refused(r, link);
    expect(empty(outside)).toBe(true);
    // ben (sending to himself too) got his copy: one broken inbox does not hold back the others
    expect(readdirSync(repo.path('.board', 'inbox', 'ben', 'new'))).toHaveLength(1);
    refused(repo.board(['agent', 'add', 'ana']), link);
    expect(empty(outside)).toBe(true);
  });

  it('tickets/: `board new` refuses', () => {
    const { repo, outside, link } = linked('tickets');
    refused(repo.board(['new', 'A ticket', '--as', 'ana']), link);
    expect(empty(outside)).toBe(true);
  });

  it('tmp/: staging refuses (`board new`, `board send`)', () => {
    const { repo, outside, link } = linked('tmp');
    refused(repo.board(['new', 'A ticket', '--as', 'ana']), link);
    refused(repo.board(['send', 'ben', 'hi', '--as', 'ana']), link);
    expect(empty(outside)).toBe(true);
  });

  it('locks/: taking a lock refuses (`board claim`)', () => {
    const repo0 = tempRepo();
    cleanups.push(() => repo0.cleanup());
    expect(repo0.board(['agent', 'add', 'ana']).code).toBe(0);
    const id = repo0.board(['new', 'Claim me', '--as', 'ana']).stdout.trim();
    const outside = mkdtempSync(join(tmpdir(), 'recado-outside-'));
    cleanups.push(() => rmSync(outside, { recursive: true, force: true }));
    rmSync(repo0.path('.board', 'locks'), { recursive: true, force: true });
    symlinkSync(outside, repo0.path('.board', 'locks'));
    refused(repo0.board(['claim', id, '--as', 'ana']), '.board/locks');
    expect(empty(outside)).toBe(true);
  });

  it('rejected/: the watcher does not keep a refused recado through a link, says why, and keeps it', async () => {
    const { repo, outside, link } = linked('rejected');
    const w = startWatcherProcess(repo.dir, { track: procs });
    await w.until((e) => e.type === 'ready');
    writeFileSync(repo.path('.board', 'outbox', 'ana', 'bad.md'), '---\nto: nobody-here\n---\nhello\n');
    const ev = await w.until(
      (e) =>
        e.type === 'error' &&
        String(e.file).startsWith('.board/run/outgoing/') &&
        String(e.message).includes(`${link} is a symbolic link`),
    );
    expect(String(ev.message)).toMatch(/never writes through a link/);
    expect(empty(outside)).toBe(true);
    // nothing lost: the recado waits in run/outgoing for the link to be replaced
    expect(readdirSync(repo.path('.board', 'run', 'outgoing')).length).toBe(1);
    // once the link is replaced by a real folder, the running watcher finishes the job by itself
    rmSync(repo.path('.board', 'rejected'));
    mkdirSync(repo.path('.board', 'rejected'));
    await w.until((e) => e.type === 'rejected' && e.from === 'ana', 30_000);
    expect(readdirSync(repo.path('.board', 'rejected')).filter((n) => n.endsWith('bad.md'))).toHaveLength(1);
    expect(empty(outside)).toBe(true);
  });
});
