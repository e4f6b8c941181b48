/**
 * Routing by a real watcher process: forged senders, bounces, half-written files, broadcasts,
 * folders that belong to no agent, agents added while it runs.
 */
import type { ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  closeSync,
  existsSync,
  openSync,
  symlinkSync,
  writeSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETTLE_MS } from '../../src/core/recado.js';
import { boardSpawn, sleep, tempRepo, waitFor, type TempRepo } from '../helpers.js';

let repo: TempRepo;
let watcher: ChildProcess;
let out = '';
type Ev = Record<string, unknown> & { type: string; time: string };
const events = (): Ev[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Ev);
const B = (...p: string[]) => repo.path('.board', ...p);
const md = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.md')) : []);
const drop = (agent: string, name: string, text: string) => writeFileSync(B('outbox', agent, name), text);
const inbox = (agent: string) =>
  JSON.parse(repo.board(['inbox', '--as', agent, '--json']).stdout) as Array<Record<string, unknown>>;
const withSubject = (agent: string, subject: string) => inbox(agent).filter((r) => r.subject === subject);
/** The watcher's `delivered` event for this subject (waiting on the log is cheaper than polling the CLI). */
const deliveredEv = (subject: string) =>
  waitFor(() => events().find((e) => e.type === 'delivered' && e.subject === subject));

beforeAll(async () => {
  repo = tempRepo();
  for (const [a, role] of [
    ['alice', 'backend'],
    ['bob', 'backend'],
    ['carol', 'orchestrator'],
    ['dave', 'frontend'],
  ]) {
    expect(repo.board(['agent', 'add', a, '--role', role]).code).toBe(0);
  }
  watcher = boardSpawn(['watch', '--json'], { cwd: repo.dir });
  watcher.stdout!.on('data', (d) => (out += d));
  watcher.stderr!.on('data', (d) => (out += d));
  await waitFor(() => events().some((e) => e.type === 'ready'), 20_000);
});

afterAll(async () => {
  if (watcher.exitCode === null) {
    watcher.kill('SIGTERM');
    await new Promise((r) => watcher.once('exit', r));
  }
  repo.cleanup();
});

describe('the watcher routes outbox files', () => {
  it('ignores a forged from: the sender is the outbox folder', async () => {
    drop('alice', 'forged.md', '---\nto: bob\nfrom: carol\nsubject: forged\n---\nTrust me\n');
    await deliveredEv('forged');
    const [r] = withSubject('bob', 'forged');
    expect(r.from).toBe('alice');
    expect((r.extra as Record<string, unknown>).claimed_from).toBe('carol');
    const text = readFileSync(B('inbox', 'bob', 'new', `${r.id}.md`), 'utf8');
    expect(text).toMatch(/\nfrom: alice\n/);
    expect(text).not.toMatch(/\nfrom: carol\n/);
    expect(md(B('outbox', 'alice'))).toEqual([]);
  });

  it('bounces an unknown recipient: kept verbatim in rejected/ with the reason, and the sender is told', async () => {
    const original = '---\nto: [bob, zed]\nsubject: to zed\n---\nHello zed\n';
    drop('alice', 'zed.md', original);
    const ev = await waitFor(() => events().find((e) => e.type === 'rejected' && String(e.source).endsWith('zed.md')));
    expect(ev.reason).toBe('unknown recipient "zed"');
    const kept = repo.path(String(ev.file));
    expect(readFileSync(kept, 'utf8')).toBe(original);
    expect(readFileSync(`${kept}.reason`, 'utf8')).toMatch(/^reason: "unknown recipient \\"zed\\""\n/);
    const notice = inbox('alice').find((r) => r.from === 'board' && String(r.subject).includes('to zed'))!;
    expect(notice.body).toContain('unknown recipient "zed"');
    expect(notice.body).toContain(String(ev.file));
    expect(withSubject('bob', 'to zed')).toEqual([]);
    expect(md(B('outbox', 'alice'))).toEqual([]);
  });

  it('waits for a half-written file and delivers it whole, once, when it is complete', async () => {
    const path = B('outbox', 'alice', 'half.md');
    writeFileSync(path, '---\nto: bob\nsubject: half writ');
    // the watcher has tried (and failed) at least once…
    await waitFor(() => events().find((e) => e.type === 'waiting' && String(e.file).endsWith('half.md')));
    // …and delivered nothing (looked at on disk: a CLI process here could outlast the 2 s after
    // which the watcher gives up on a file that stopped changing)
    expect(
      md(B('inbox', 'bob', 'new')).filter((n) =>
        readFileSync(B('inbox', 'bob', 'new', n), 'utf8').includes('half writ'),
      ),
    ).toEqual([]);
    appendFileSync(path, 'ten\n---\nFirst half, second half.\n');
    await deliveredEv('half written');
    await sleep(300);
    const [r] = withSubject('bob', 'half written');
    expect(withSubject('bob', 'half written').length).toBe(1);
    expect(r.body).toBe('First half, second half.\n');
    expect(events().some((e) => e.type === 'rejected' && String(e.source).endsWith('half.md'))).toBe(false);
  });

  it('does not take a file whose front-matter is complete while its body is still being written', async () => {
    const fd = openSync(B('outbox', 'alice', 'chunks.md'), 'w');
    writeSync(fd, '---\nto: bob\nsubject: in chunks\n---\nchunk one, ');
    writeSync(fd, 'chunk two.\n');
    closeSync(fd);
    await deliveredEv('in chunks');
    const [r] = withSubject('bob', 'in chunks');
    expect(r.body).toBe('chunk one, chunk two.\n');
  });

  it('bounces a file that stays invalid, but only after the retries', async () => {
    const written = Date.now();
    drop('alice', 'broken.md', '---\nto: bob\nsubject: [unclosed\n---\nbody\n');
    await waitFor(() => events().find((e) => e.type === 'waiting' && String(e.file).endsWith('broken.md')));
    const rejected = await waitFor(() =>
      events().find((e) => e.type === 'rejected' && String(e.source).endsWith('broken.md')),
    );
    // not on the first failed parse: only once it has stayed unchanged and invalid for SETTLE_MS
    // after it was written (measured from before the write: the log's `waiting` line may come late;
    // 50 ms for the file system's coarse clock)
    expect(Date.parse(rejected.time) - written).toBeGreaterThanOrEqual(SETTLE_MS - 50);
    expect(rejected.reason).toMatch(/invalid YAML/);
    expect(inbox('alice').find((r) => r.from === 'board' && String(r.body).includes('invalid YAML'))).toBeTruthy();
  });

  it('broadcasts to all (every other agent) and to @role', async () => {
    drop('carol', 'all.md', '---\nto: all\nsubject: to everyone\n---\nhi all\n');
    drop('carol', 'role.md', '---\nto: "@backend"\nsubject: to backend\n---\nhi backend\n');
    expect((await deliveredEv('to everyone')).to).toEqual(['alice', 'bob', 'dave']);
    expect((await deliveredEv('to backend')).to).toEqual(['alice', 'bob']);
    for (const a of ['alice', 'bob', 'dave']) expect(withSubject(a, 'to everyone').length).toBe(1);
    for (const a of ['alice', 'bob']) expect(withSubject(a, 'to backend').length).toBe(1);
    expect(withSubject('carol', 'to everyone')).toEqual([]);
    expect(withSubject('dave', 'to backend')).toEqual([]);
    const ids = new Set(['alice', 'bob', 'dave'].map((a) => withSubject(a, 'to everyone')[0].id));
    expect(ids.size).toBe(1);
  });

  it("refuses files in a folder that is no agent's, and files right in outbox/", async () => {
    mkdirSync(B('outbox', 'mallory'));
    writeFileSync(B('outbox', 'mallory', 'm.md'), '---\nto: bob\nsubject: from mallory\n---\nx\n');
    writeFileSync(B('outbox', 'stray.md'), '---\nto: bob\nsubject: stray\n---\nx\n');
    const m = await waitFor(() =>
      events().find((e) => e.type === 'rejected' && String(e.source).endsWith('mallory/m.md')),
    );
    expect(m.reason).toMatch(/"mallory" is not an agent/);
    await waitFor(() => events().find((e) => e.type === 'rejected' && String(e.source).endsWith('outbox/stray.md')));
    expect(withSubject('bob', 'from mallory')).toEqual([]);
    expect(withSubject('bob', 'stray')).toEqual([]);
    expect(existsSync(repo.path(String(m.file)))).toBe(true);
  });

  it('does not follow an outbox folder that is a link out of the board', async () => {
    const outside = repo.path('outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.md'), '---\nto: bob\nsubject: secret\n---\nfrom outside\n');
    symlinkSync(outside, B('outbox', 'dave-link'));
    await sleep(1500); // a scan of the outboxes has run
    expect(existsSync(join(outside, 'secret.md'))).toBe(true);
    expect(events().filter((e) => e.subject === 'secret' || JSON.stringify(e).includes('dave-link'))).toEqual([]);
  });

  it('knows an agent added while it runs', async () => {
    expect(repo.board(['agent', 'add', 'erin']).code).toBe(0);
    drop('alice', 'erin.md', '---\nto: erin\nsubject: welcome\n---\nhi erin\n');
    await deliveredEv('welcome');
    expect(withSubject('erin', 'welcome').length).toBe(1);
    // and erin can send at once
    drop('erin', 'thanks.md', '---\nto: alice\nsubject: thanks\n---\n:)\n');
    expect((await deliveredEv('thanks')).from).toBe('erin');
  });

  it('reports recados that `board send` delivered while it runs', async () => {
    const id = repo.board(['send', 'dave', 'direct', '--as', 'bob']).stdout.trim();
    const ev = await waitFor(() => events().find((e) => e.type === 'delivered' && e.id === id));
    expect(ev).toMatchObject({ via: 'send', from: 'bob', to: ['dave'] });
  });

  it('keeps .board/run/watcher.json current', async () => {
    const s = await waitFor(() => {
      const j = JSON.parse(readFileSync(B('run', 'watcher.json'), 'utf8'));
      return j.delivered > 0 && j;
    });
    expect(s).toMatchObject({ pid: watcher.pid, state: 'running', board: B().replace(/\/$/, '') });
    expect(Date.now() - Date.parse(s.heartbeat)).toBeLessThan(15_000);
    expect(typeof s.last_event).toBe('string');
  });
});
