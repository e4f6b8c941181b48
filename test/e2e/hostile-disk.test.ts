/**
 * Full disks, read-only file systems and unwritable folders: every command says what is
 * wrong and where (exit 1, never a stack trace), the RUNNING watcher resumes by itself when
 * the disk can be written again, one broken inbox never holds back the other recipients, and
 * nothing is lost. A small tmpfs is mounted for the board (needs root; skipped otherwise).
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, board, cleanEnv, startWatcherProcess, waitFor } from '../helpers.js';

/** Can this process mount a tmpfs? (root in a container that allows it) */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const d = mkdtempSync(join(tmpdir(), 'recado-mnt-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', d], { stdio: 'ignore' });
    execFileSync('umount', [d], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}
const MOUNT = canMount();

const procs: ChildProcess[] = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    }
  }
  for (const c of cleanups.splice(0).reverse()) c();
});

/** A board (no git) on its own small tmpfs, with agents ana, ben and olga. */
function boardOnTmpfs(sizeKb: number): {
  dir: string;
  run: (args: string[]) => ReturnType<typeof board>;
  mountDir: string;
} {
  const mountDir = mkdtempSync(join(tmpdir(), 'recado-tmpfs-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', mountDir]);
  cleanups.push(() => {
    try {
      execFileSync('umount', ['-l', mountDir], { stdio: 'ignore' });
    } catch {
      /* not mounted */
    }
    rmSync(mountDir, { recursive: true, force: true });
  });
  const dir = join(mountDir, 'repo');
  mkdirSync(dir);
  const run = (args: string[]) => board(args, { cwd: dir });
  expect(run(['init']).code).toBe(0);
  for (const a of ['ana', 'ben', 'olga']) expect(run(['agent', 'add', a]).code).toBe(0);
  return { dir, run, mountDir };
}

/** Fill the file system that holds `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const f = join(dir, 'filler');
  spawnSync('dd', ['if=/dev/zero', `of=${f}`, 'bs=4k'], { stdio: 'ignore' });
  // a last partial block
  spawnSync('dd', ['if=/dev/zero', `of=${f}.2`, 'bs=1'], { stdio: 'ignore' });
  return f;
}

const recado = (to: string, subject: string) => `---\nto: ${to}\nsubject: ${subject}\n---\nbody of ${subject}\n`;
const md = (d: string) => (existsSync(d) ? readdirSync(d).filter((n) => n.endsWith('.md')) : []);

describe.skipIf(!MOUNT)('a full disk', () => {
  it('commands say "no space left" with the path and what to do (exit 1, no stack trace)', () => {
    const b = boardOnTmpfs(2048);
    fill(b.mountDir);
    for (const args of [
      ['send', 'ben', 'hello', '--as', 'ana'],
      ['new', 'A ticket', '--as', 'ana'],
    ]) {
      const r = b.run(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toMatch(/cannot write \S+: no space left on the disk \(ENOSPC/);
      expect(r.stderr).toMatch(/hint: free some space/);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
    const j = b.run(['send', 'ben', 'hello', '--as', 'ana', '--json']);
    expect(JSON.parse(j.stderr).error).toMatchObject({ kind: 'io', exit: 1, data: { code: 'ENOSPC' } });
  });

  it('the running watcher delivers all 40 recados by itself once space comes back; nothing lost', async () => {
    const b = boardOnTmpfs(4096);
    const w = startWatcherProcess(b.dir, { track: procs });
    await w.until((e) => e.type === 'ready');
    // 40 recados written aside (while there is room), the disk filled, then moved into the outbox
    const aside = join(b.dir, 'aside');
    mkdirSync(aside);
    // dated a moment ahead, so the watcher first waits for each to settle (as for a file still
    // being written) and then takes it: the path on which a refused write was never retried
    const ahead = new Date(Date.now() + 1500);
    for (let i = 0; i < 40; i++) {
      writeFileSync(join(aside, `r${i}.md`), recado('[ben, olga]', `full ${i}`));
      utimesSync(join(aside, `r${i}.md`), ahead, ahead);
    }
    const filler = fill(b.mountDir);
    for (let i = 0; i < 40; i++)
      renameSync(join(aside, `r${i}.md`), join(b.dir, '.board', 'outbox', 'ana', `r${i}.md`));
    await w.until(
      (e) => (e.type === 'error' || e.type === 'delivery_failed') && /ENOSPC/.test(String(e.message)),
      30_000,
    );
    expect(md(join(b.dir, '.board', 'inbox', 'ben', 'new')).length).toBeLessThan(40);
    // space comes back: no restart
    rmSync(filler, { force: true });
    rmSync(`${filler}.2`, { force: true });
    await waitFor(
      () =>
        md(join(b.dir, '.board', 'inbox', 'ben', 'new')).length === 40 &&
        md(join(b.dir, '.board', 'inbox', 'olga', 'new')).length === 40,
      90_000,
    ).catch(() => undefined);
    expect(md(join(b.dir, '.board', 'inbox', 'ben', 'new'))).toHaveLength(40);
    expect(md(join(b.dir, '.board', 'inbox', 'olga', 'new'))).toHaveLength(40);
    expect(md(join(b.dir, '.board', 'outbox', 'ana'))).toEqual([]);
    expect(w.proc.exitCode).toBe(null);
  }, 150_000);
});

describe.skipIf(!MOUNT)('a read-only file system', () => {
  it('commands say "read-only" with the path (exit 1); the watcher resumes when it is writable again', async () => {
    const b = boardOnTmpfs(4096);
    const w = startWatcherProcess(b.dir, { track: procs });
    await w.until((e) => e.type === 'ready');
    // the watcher is paused while the recado is dropped and the disk turns read-only
    w.proc.kill('SIGSTOP');
    writeFileSync(join(b.dir, '.board', 'outbox', 'ana', 'ro.md'), recado('ben', 'while read-only'));
    execFileSync('mount', ['-o', 'remount,ro', b.mountDir]);
    w.proc.kill('SIGCONT');
    const r = b.run(['send', 'ben', 'hello', '--as', 'olga']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/cannot write \S+: the file system is read-only \(EROFS/);
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    await w.until((e) => e.type === 'error' && /EROFS/.test(String(e.message)), 30_000);
    execFileSync('mount', ['-o', 'remount,rw', b.mountDir]);
    await w.until((e) => e.type === 'delivered' && e.subject === 'while read-only', 60_000);
    expect(md(join(b.dir, '.board', 'inbox', 'ben', 'new'))).toHaveLength(1);
  });
});

describe.skipIf(process.getuid?.() !== 0)('an unwritable inbox (EACCES, as an ordinary user)', () => {
  it('one unwritable inbox does not hold back the other recipients; its copy follows when it is writable', async () => {
    // in /tmp itself: the test run's own temp folder is not reachable by another user
    const dir = mkdtempSync(join('/tmp', 'recado-eacces-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    chmodSync(dir, 0o755);
    const asRoot = (args: string[]) => board(args, { cwd: dir });
    expect(asRoot(['init']).code).toBe(0);
    for (const a of ['ana', 'ben', 'olga']) expect(asRoot(['agent', 'add', a]).code).toBe(0);
    execFileSync('chown', ['-R', 'nobody', dir]);
    chownSync(dir, 65534, 65534);
    const asNobody = (args: string[]) => {
      const r = spawnSync(
        'setpriv',
        ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, BIN, ...args],
        { cwd: dir, env: cleanEnv(), encoding: 'utf8' },
      );
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    chmodSync(join(dir, '.board', 'inbox', 'ben', 'new'), 0o555);
    const r = asNobody(['send', 'ben,olga', 'hello both', '--as', 'ana']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /not yet delivered to ben: cannot write \S*inbox\/ben\/new\S*: permission denied \(EACCES/,
    );
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(md(join(dir, '.board', 'inbox', 'olga', 'new'))).toHaveLength(1); // olga is not held back
    // nothing lost: it waits in run/outgoing; a watcher (run here as root) finishes it
    expect(readdirSync(join(dir, '.board', 'run', 'outgoing'))).toHaveLength(1);
    chmodSync(join(dir, '.board', 'inbox', 'ben', 'new'), 0o755);
    const w = startWatcherProcess(dir, { track: procs });
    await w.until((e) => e.type === 'delivered' && e.subject === 'hello both', 30_000);
    expect(md(join(dir, '.board', 'inbox', 'ben', 'new'))).toHaveLength(1);
    expect(md(join(dir, '.board', 'inbox', 'olga', 'new'))).toHaveLength(1);
  });
});
