/** One watcher per board, --detach / --stop, signals, and catching up on start. */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { boardSpawn, tempRepo, waitFor, type TempRepo } from '../helpers.js';

let repo: TempRepo | undefined;
const procs: ChildProcess[] = [];
const pids: number[] = [];

afterEach(() => {
  for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const pid of pids)
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  procs.length = 0;
  pids.length = 0;
  repo?.cleanup();
  repo = undefined;
});

function spawnWatch(r: TempRepo, args: string[] = ['--json']) {
  const proc = boardSpawn(['watch', ...args], { cwd: r.dir });
  procs.push(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((res) => proc.once('exit', (code) => res(code)));
  return { proc, out: () => out, err: () => err, exit };
}

/** A running process (an ended one not yet reaped by its parent, a zombie, is not). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s[s.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true;
  }
}

describe('one watcher per board', () => {
  it('a second watcher names the first and exits 4; SIGTERM and SIGINT end a watcher with 0', async () => {
    repo = tempRepo();
    const first = spawnWatch(repo);
    await waitFor(() => first.out().includes('"type":"ready"'), 20_000);
    const second = repo.board(['watch']);
    expect(second.code).toBe(4);
    expect(second.stderr).toContain(`pid ${first.proc.pid}`);
    expect(second.stderr).toMatch(/since \d{4}-\d\d-\d\dT/);
    expect(second.stderr).toMatch(/board watch --stop/);
    const json = repo.board(['watch', '--json']);
    expect(json.code).toBe(4);
    expect(JSON.parse(json.stderr).error.data.pid).toBe(first.proc.pid);

    first.proc.kill('SIGTERM');
    expect(await first.exit).toBe(0);
    expect(first.out()).toContain('"type":"stopped"');
    expect(JSON.parse(readFileSync(repo.path('.board/run/watcher.json'), 'utf8')).state).toBe('stopped');

    const third = spawnWatch(repo, []);
    await waitFor(() => /ready in/.test(third.out()), 20_000);
    third.proc.kill('SIGINT');
    expect(await third.exit).toBe(0);
    expect(third.out()).toMatch(/stopped \(0 delivered/);
  });

  it('--detach runs it in the background until --stop; a watcher killed with SIGKILL is replaced at once', async () => {
    repo = tempRepo();
    const r = repo;
    const started = JSON.parse(r.board(['watch', '--detach', '--json']).stdout);
    pids.push(started.pid);
    expect(alive(started.pid)).toBe(true);
    expect(readFileSync(r.path('.board/run/watcher.pid'), 'utf8').trim()).toBe(String(started.pid));
    expect(started.log).toBe(r.path('.board/run/watcher.log'));
    await waitFor(() => existsSync(started.log) && readFileSync(started.log, 'utf8').includes('"type":"ready"'));

    const again = r.board(['watch', '--detach']);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`pid ${started.pid}`);

    // it works while detached
    expect(r.board(['agent', 'add', 'ana']).code).toBe(0);
    expect(r.board(['agent', 'add', 'ben']).code).toBe(0);
    writeFileSync(r.path('.board/outbox/ana/x.md'), '---\nto: ben\n---\nhi\n');
    await waitFor(() => readdirSync(r.path('.board/inbox/ben/new')).length === 1);

    const stop = r.board(['watch', '--stop']);
    expect(stop.code).toBe(0);
    expect(stop.stdout).toContain(`stopped the watcher (pid ${started.pid})`);
    expect(alive(started.pid)).toBe(false);
    expect(existsSync(r.path('.board/run/watcher.pid'))).toBe(false);
    const none = r.board(['watch', '--stop']);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/no watcher is running/);

    // SIGKILL leaves nothing that blocks the next one
    const s2 = JSON.parse(r.board(['watch', '--detach', '--json']).stdout);
    pids.push(s2.pid);
    process.kill(s2.pid, 'SIGKILL');
    await waitFor(() => !alive(s2.pid));
    const s3 = r.board(['watch', '--detach', '--json']);
    expect(s3.code).toBe(0);
    const s3pid = JSON.parse(s3.stdout).pid;
    pids.push(s3pid);
    expect(r.board(['watch', '--stop']).code).toBe(0);
  });
});

describe('catching up on start', () => {
  it('delivers what was dropped while no watcher ran, and finishes a `board send` cut short', async () => {
    repo = tempRepo();
    const r = repo;
    for (const a of ['ana', 'ben']) expect(r.board(['agent', 'add', a]).code).toBe(0);
    for (let i = 0; i < 5; i++)
      writeFileSync(r.path(`.board/outbox/ana/m${i}.md`), `---\nto: ben\nsubject: m${i}\n---\nbody ${i}\n`);
    // a stamped recado `board send` left behind when it was killed
    mkdirSync(r.path('.board/run/outgoing'), { recursive: true });
    writeFileSync(
      r.path('.board/run/outgoing/mwp00000-abcdefgh=ben'),
      '---\nid: mwp00000-abcdefgh\nfrom: ben\nto: ana\nsubject: cut short\nsent: 2026-11-21T00:00:00Z\n---\nhello\n',
    );
    const w = spawnWatch(r);
    await waitFor(() => w.out().includes('"type":"ready"'), 20_000);
    const ready = JSON.parse(
      w
        .out()
        .split('\n')
        .find((l) => l.includes('"type":"ready"'))!,
    );
    expect(ready.delivered).toBe(6);
    expect(readdirSync(r.path('.board/inbox/ben/new')).length).toBe(5);
    expect(readdirSync(r.path('.board/inbox/ana/new'))).toEqual(['mwp00000-abcdefgh.md']);
    expect(readdirSync(r.path('.board/outbox/ana'))).toEqual([]);
    expect(readdirSync(r.path('.board/run/outgoing'))).toEqual([]);
    w.proc.kill('SIGTERM');
    expect(await w.exit).toBe(0);
  });
});
