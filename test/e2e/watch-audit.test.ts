/**
 * The git audit trail kept by a real `board watch`: board activity (recados, claims, closes
 * by hand and with the CLI, reads) committed to the audit branch by the agents who acted,
 * only `.board/` paths, the user's staged and unstaged work untouched; a burst of recados
 * is a handful of commits; `board log` reads the watcher's history; a watcher killed with
 * SIGKILL loses nothing; a `board sync` while the watcher commits is never raced.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/git/audit.js';
import { GitRepo } from '../../src/git/git.js';
import { locateBoard } from '../../src/store/locate.js';
import { WatchHost, type LoggedEvent } from '../../src/watch/host.js';
import { auditPlugin } from '../../src/watch/audit.js';
import {
  board,
  boardSpawn,
  startWatcherProcess,
  git,
  tempRepo,
  tempRepoWithUserWork,
  waitFor,
  type RunResult,
  type TempRepo,
} from '../helpers.js';

const repos: TempRepo[] = [];
const dirs: string[] = [];
const procs: ChildProcess[] = [];
let host: WatchHost | undefined;

afterEach(async () => {
  await host?.stop();
  host = undefined;
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const r of repos.splice(0)) r.cleanup();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function ok(r: RunResult, what = ''): string {
  expect(r.code, `${what}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r.stdout;
}

interface Watcher {
  proc: ChildProcess;
  events: () => Record<string, unknown>[];
  output: () => string;
  stop: () => Promise<void>;
}

async function startWatcher(cwd: string): Promise<Watcher> {
  const w = startWatcherProcess(cwd, { track: procs });
  await w.until((e) => e.type === 'ready');
  await w.until((e) => e.type === 'audit');
  return {
    proc: w.proc,
    events: w.events,
    output: w.output,
    stop: async () => {
      if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
      expect(await w.stop(), w.output()).toBe(0);
    },
  };
}

function setConfig(dir: string, edit: (yaml: string) => string) {
  const file = join(dir, '.board', 'board.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

/** The audit branch's tree: path relative to `.board/` -> blob id (empty when there is no branch yet). */
function branchBlobs(dir: string, branch = 'recado'): Map<string, string> {
  const out = new Map<string, string>();
  const ls = spawnSync('git', ['ls-tree', '-r', branch], { cwd: dir, encoding: 'utf8' });
  for (const line of (ls.status === 0 ? ls.stdout : '').split('\n').filter(Boolean)) {
    const [meta, path] = line.split('\t');
    out.set(path.replace(/^\.board\//, ''), meta.split(' ')[2]);
  }
  return out;
}

function hashPaths(root: string, paths: string[]): string[] {
  if (!paths.length) return [];
  return git(['hash-object', ...paths], root)
    .trim()
    .split('\n');
}

function diskBlobs(dir: string): Map<string, string> {
  const root = join(dir, '.board');
  const paths: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const rel = relative(root, p);
      if (['tmp', 'locks', 'run'].includes(rel)) continue;
      if (statSync(p).isDirectory()) walk(p);
      else paths.push(rel);
    }
  };
  walk(root);
  paths.sort();
  const ids: string[] = [];
  for (let i = 0; i < paths.length; i += 200) ids.push(...hashPaths(root, paths.slice(i, i + 200)));
  return new Map(paths.map((p, i) => [p, ids[i]]));
}

/** The audit branch holds exactly what `.board/` holds. */
function inSync(dir: string): boolean {
  try {
    const a = diskBlobs(dir);
    const b = branchBlobs(dir);
    return a.size === b.size && [...a].every(([p, id]) => b.get(p) === id);
  } catch {
    return false;
  }
}

const auditCommits = (dir: string) => git(['rev-list', 'recado'], dir).split('\n').filter(Boolean);

function handEdit(dir: string, id: string, fields: Record<string, string>) {
  const file = join(dir, '.board', 'tickets', `${id}.md`);
  const before = readFileSync(file, 'utf8');
  const end = before.indexOf('\n---', 3);
  let head = before.slice(0, end);
  for (const [k, v] of Object.entries(fields)) {
    const re = new RegExp(`^${k}:.*$`, 'm');
    head = re.test(head) ? head.replace(re, `${k}: ${v}`) : `${head}\n${k}: ${v}`;
  }
  writeFileSync(file, head + before.slice(end));
}

describe('the watcher commits board activity', () => {
  it("by the agents who acted, only under .board/, never touching the user's work; a burst is a handful of commits", async () => {
    const r = tempRepoWithUserWork();
    repos.push(r);
    ok(r.board(['init']));
    for (const a of ['alice', 'bob', 'carol']) ok(r.board(['agent', 'add', a]));
    const user = () => ({
      index: readFileSync(r.path('.git', 'index')).toString('base64'), // read first: nothing below writes it
      cached: git(['diff', '--cached'], r.dir),
      lsFiles: git(['ls-files', '-s'], r.dir),
      head: git(['rev-parse', 'HEAD'], r.dir),
      branch: git(['symbolic-ref', 'HEAD'], r.dir),
      files: ['code.txt', 'other.txt', 'untracked.txt'].map((f) => r.read(f)),
    });
    const before = user();

    const w = await startWatcher(r.dir);
    await waitFor(() => inSync(r.dir)); // what was there before the watcher: committed on start
    const commitsOf = (re: RegExp) => w.events().filter((e) => e.type === 'commit' && re.test(String(e.subject)));

    const id = ok(r.board(['new', 'Login API', '--assignee', 'alice', '--as', 'carol'])).trim();
    ok(r.board(['claim', id, '--as', 'alice']));
    await waitFor(() => commitsOf(new RegExp(`^board\\(${id}\\): claimed by alice$`)).length === 1);
    r.write('.board/outbox/bob/hello.md', '---\nto: alice\nsubject: hello\n---\nhi alice\n');
    const hello = await waitFor(() => w.events().find((e) => e.type === 'delivered' && e.subject === 'hello'));
    ok(r.board(['read', String(hello.id), '--as', 'alice']));
    await waitFor(() => commitsOf(/^board: alice read a recado$/).length === 1);
    handEdit(r.dir, id, { status: 'done', updated_by: 'alice' }); // closed by hand, as an agent does
    await waitFor(() => commitsOf(new RegExp(`^board\\(${id}\\): closed by alice$`)).length === 1);
    // a recado to nobody bounces (kept in rejected/, bob told); a file kept there by the board
    r.write('.board/outbox/bob/lost.md', '---\nto: nobody\nsubject: lost\n---\n?\n');
    await waitFor(() => w.events().some((e) => e.type === 'rejected' && e.from === 'bob'));
    r.write('.board/rejected/refused-edit.md', 'a refused ticket edit, kept\n');
    await waitFor(() => inSync(r.dir));

    // a burst: 320 recados from bob and carol to alice, as fast as they can be written
    const c0 = auditCommits(r.dir).length;
    for (let i = 0; i < 160; i++) {
      for (const from of ['bob', 'carol'])
        r.write(`.board/outbox/${from}/m${i}.md`, `---\nto: alice\nsubject: ${from} ${i}\n---\nburst ${i}\n`);
    }
    await waitFor(() => readdirSync(r.path('.board/inbox/alice/new')).length >= 320 + 1, 60_000);
    await waitFor(() => inSync(r.dir), 30_000);
    const burstCommits = auditCommits(r.dir).length - c0;
    expect(burstCommits).toBeGreaterThanOrEqual(2); // bob's and carol's
    expect(burstCommits).toBeLessThanOrEqual(8);

    // board log reads the watcher's history of the ticket
    const history = JSON.parse(ok(r.board(['log', id, '--json']))) as { author: string; what: string }[];
    expect(history.map((h) => `${h.author}: ${h.what}`).reverse()).toEqual([
      'carol: created',
      'alice: claimed by alice',
      'alice: closed by alice',
    ]);
    expect(ok(r.board(['log', id]))).toMatch(/alice\s+closed by alice/);

    await w.stop();
    expect(w.events().filter((e) => e.type === 'commit_failed')).toEqual([]);

    // the user's index, staged diff, HEAD and files are byte-identical
    expect(user()).toEqual(before);
    expect(git(['status', '--porcelain'], r.dir)).toBe('M  code.txt\n M other.txt\n?? untracked.txt\n');
    // every commit holds only .board/ paths (never tmp/ locks/ run/)
    for (const c of auditCommits(r.dir)) {
      const paths = git(['diff-tree', '--no-commit-id', '--name-only', '-r', '--root', c], r.dir)
        .split('\n')
        .filter(Boolean);
      for (const p of paths) expect(p).toMatch(/^\.board\/(?!tmp\/|locks\/|run\/)/);
    }
    // authors: the agents who acted
    const log = git(['log', '--format=%an <%ae>|%s%n%b', 'recado'], r.dir);
    expect(log).toContain(`alice <alice@board>|board(${id}): claimed by alice`);
    expect(log).toContain(`alice <alice@board>|board(${id}): closed by alice`);
    expect(log).toContain(`carol <carol@board>|board(${id}): created`);
    expect(git(['log', '--author=bob', '--format=%B', 'recado'], r.dir)).toContain('recado bob -> alice: hello');
    const boardBodies = git(['log', '--author=recado', '--format=%B', 'recado'], r.dir);
    expect(boardBodies).toContain('refused recado from bob (.board/outbox/bob/lost.md): unknown recipient "nobody"');
    expect(boardBodies).toMatch(/refused refused-edit\.md/);
    expect(git(['ls-tree', '-r', '--name-only', 'recado', '--', '.board/rejected'], r.dir)).toMatch(
      /\+bob\+lost\.md\n[^\n]*\+bob\+lost\.md\.reason\n/,
    );
    expect(git(['log', '--author=alice', '--format=%s', 'recado'], r.dir)).toContain('board: alice read a recado');
    // the burst: bob's recados in bob's commits, carol's in carol's
    const bobFiles = git(['log', '--author=bob', '--format=', '--name-only', 'recado'], r.dir)
      .split('\n')
      .filter((p) => p.startsWith('.board/inbox/alice/new/'));
    expect(bobFiles.length).toBe(161);
  });

  it('a watcher killed with SIGKILL loses nothing: the next one commits what it had not', async () => {
    const r = tempRepo();
    repos.push(r);
    for (const a of ['alice', 'bob']) ok(r.board(['agent', 'add', a]));
    setConfig(r.dir, (y) => y.replace(/debounce: 1s/, 'debounce: 1h')); // nothing is committed before the kill
    let w = await startWatcher(r.dir);
    await waitFor(() => inSync(r.dir));
    const tip = git(['rev-parse', 'recado'], r.dir);

    const id = ok(r.board(['new', 'Work', '--assignee', 'bob', '--as', 'alice'])).trim();
    r.write('.board/outbox/alice/note.md', '---\nto: bob\nsubject: see the ticket\n---\nplease\n');
    await waitFor(() => w.events().some((e) => e.type === 'delivered' && e.subject === 'see the ticket'));
    ok(r.board(['claim', id, '--as', 'bob']));
    await waitFor(() => w.events().some((e) => e.type === 'ticket' && e.id === id && e.by === 'bob'));
    w.proc.kill('SIGKILL');
    await new Promise((res) => w.proc.once('exit', res));
    expect(git(['rev-parse', 'recado'], r.dir)).toBe(tip); // nothing committed yet
    expect(inSync(r.dir)).toBe(false);

    // while no watcher runs: bob closes the ticket by hand
    handEdit(r.dir, id, { status: 'done', updated_by: 'bob' });
    w = await startWatcher(r.dir);
    await waitFor(() => inSync(r.dir));
    await w.stop();
    const tree = branchBlobs(r.dir);
    expect([...tree.keys()].filter((p) => p.startsWith('inbox/bob/new/'))).toHaveLength(2); // the assignment and the note
    expect(git(['show', `recado:.board/tickets/${id}.md`], r.dir)).toMatch(/^status: done$/m);
    // attributed from the files: the ticket to bob (updated_by), the note to alice (its sender)
    const log = git(['log', '--format=%an|%s%n%b', 'recado'], r.dir);
    expect(log).toMatch(new RegExp(`^bob\\|board\\(${id}\\): `, 'm'));
    expect(log).toMatch(/^alice\|board: /m);
  });
});

describe('board sync while the watcher commits', () => {
  it('waits for it instead of racing it: sync never retries, nothing is undone, both clones converge', async () => {
    const root = realpathSync(mkdtempSync(join(tmpdir(), 'recado-sync-')));
    dirs.push(root);
    const remote = join(root, 'remote.git');
    git(['init', '-q', '--bare', '-b', 'main', remote], root);
    const identity = (dir: string, name: string) => {
      git(['config', 'user.name', name], dir);
      git(['config', 'user.email', `${name}@example.com`], dir);
    };
    const a = join(root, 'a');
    mkdirSync(a);
    git(['init', '-q', '-b', 'main'], a);
    identity(a, 'Ana');
    writeFileSync(join(a, 'code.txt'), 'code\n');
    git(['add', 'code.txt'], a);
    git(['commit', '-qm', 'code'], a);
    git(['remote', 'add', 'origin', remote], a);
    git(['push', '-q', 'origin', 'main'], a);
    ok(board(['init'], { cwd: a }));
    for (const n of ['alice', 'bob']) ok(board(['agent', 'add', n], { cwd: a }));
    setConfig(a, (y) => y.replace(/debounce: 1s/, 'debounce: 50ms')); // the watcher commits all the time
    ok(board(['new', 'Shared', '--id', 'T-1', '--as', 'alice'], { cwd: a }));
    ok(board(['sync'], { cwd: a }));
    const b = join(root, 'b');
    git(['clone', '-q', remote, b], root);
    identity(b, 'Bruno');
    ok(board(['sync'], { cwd: b }));

    // clone B: bob edits T-1, adds a ticket and writes to alice; pushed
    ok(board(['edit', 'T-1', '--priority', '1', '--as', 'bob'], { cwd: b }));
    ok(board(['new', 'From B', '--id', 'T-2', '--as', 'bob'], { cwd: b }));
    ok(board(['send', 'alice', 'hi', '--subject', 'from clone B', '--as', 'bob'], { cwd: b }));
    ok(board(['sync'], { cwd: b }));

    // clone A: a watcher committing alice's recados every 50 ms while A syncs, several times
    const w = await startWatcher(a);
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 0; writing; i++) {
          writeFileSync(join(a, '.board/outbox/alice', `m${i}.md`), `---\nto: bob\nsubject: a ${i}\n---\n${i}\n`);
          await new Promise((res) => setTimeout(res, 15));
        }
      } catch {
        /* the test failed and its folder is gone */
      }
    })();
    await waitFor(() => w.events().filter((e) => e.type === 'commit').length >= 3, 20_000);
    const syncs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await new Promise<RunResult>((res) => {
        const p = boardSpawn(['sync'], { cwd: a });
        procs.push(p);
        let out = '';
        let err = '';
        p.stdout!.on('data', (d) => (out += d));
        p.stderr!.on('data', (d) => (err += d));
        p.once('exit', (code) => res({ code: code ?? -1, stdout: out, stderr: err }));
      });
      syncs.push(ok(s, 'board sync in A'));
    }
    writing = false;
    await writer;
    // the branch moved only under the lock: sync never had to merge again because of the watcher
    for (const out of syncs) expect(out).not.toMatch(/moved while (syncing|we merged)/);
    expect(w.events().filter((e) => e.type === 'commit_failed')).toEqual([]);
    // B's work is on A's disk and branch, and nothing A committed undid it
    expect(readFileSync(join(a, '.board/tickets/T-1.md'), 'utf8')).toMatch(/^priority: 1$/m);
    expect(readFileSync(join(a, '.board/tickets/T-2.md'), 'utf8')).toContain('title: From B');
    await waitFor(() => readdirSync(join(a, '.board/outbox/alice')).length === 0, 20_000);
    await waitFor(() => inSync(a), 20_000);
    // once bob's priority arrived, no later commit took it back
    const t1 = git(['log', '--reverse', '--format=%H', 'recado', '--', '.board/tickets/T-1.md'], a)
      .split('\n')
      .filter(Boolean)
      .map((c) => /^priority: (\d)$/m.exec(git(['show', `${c}:.board/tickets/T-1.md`], a))?.[1]);
    expect(t1.slice(t1.indexOf('1'))).toEqual(t1.slice(t1.indexOf('1')).map(() => '1'));
    expect(t1[t1.length - 1]).toBe('1');
    await w.stop();

    // both clones converge
    ok(board(['sync'], { cwd: a }));
    ok(board(['sync'], { cwd: b }));
    expect(diskBlobs(b)).toEqual(diskBlobs(a));
  });
});

describe('the audit log the watcher uses', () => {
  it("commits each author's version of a file two authors changed in one batch", async () => {
    const r = tempRepo();
    repos.push(r);
    ok(r.board(['commit']));
    const audit = (await AuditLog.open(locateBoard({ cwd: r.dir }), { debounceMs: 60_000, onEvent: () => undefined }))!;
    const file = r.path('.board/tickets/T-1.md');
    const v1 = '---\nid: T-1\ntitle: One\nupdated_by: carol\n---\nby carol\n';
    const v2 = '---\nid: T-1\ntitle: One\nupdated_by: alice\n---\nby alice\n';
    writeFileSync(file, v1);
    audit.record({ path: file, author: 'carol', what: 'created', content: v1 });
    writeFileSync(file, v2);
    audit.record({ path: file, author: 'alice', what: 'body edited', content: v2 });
    // and a file bob wrote that alice removed again, both before the commit
    const note = r.path('.board/inbox/alice/new/n1.md');
    mkdirSync(r.path('.board/inbox/alice/new'), { recursive: true });
    writeFileSync(note, 'a note from bob\n');
    audit.record({ path: note, author: 'bob', what: 'recado bob -> alice', content: 'a note from bob\n' });
    rmSync(note);
    audit.record({ path: note, author: 'alice', what: 'alice deleted an unread recado' });
    const res = await audit.close();
    expect(res.ok).toBe(true);
    expect(res.commits.map((c) => `${c.author}: ${c.subject}`)).toEqual([
      'carol: board(T-1): created',
      'bob: board: recado bob -> alice',
      'alice: board: 2 changes',
    ]);
    const [alice, bob, carol] = res.commits.map((c) => c.commit).reverse();
    expect(git(['show', `${carol}:.board/tickets/T-1.md`], r.dir)).toBe(v1);
    expect(git(['show', `${bob}:.board/inbox/alice/new/n1.md`], r.dir)).toBe('a note from bob\n');
    expect(git(['show', `${alice}:.board/tickets/T-1.md`], r.dir)).toBe(v2);
    expect(git(['ls-tree', '--name-only', alice, '--', '.board/inbox/alice/new/'], r.dir)).toBe('');
    expect(inSync(r.dir)).toBe(true);
  });

  it('takes a file removed before git could read it as removed, not as a failure', async () => {
    const r = tempRepo();
    repos.push(r);
    const repo = (await GitRepo.find(r.dir))!;
    r.write('a.txt', 'a\n');
    expect(await repo.hashPresentFiles(['a.txt', 'gone.txt', 'a.txt'], false)).toEqual([
      git(['hash-object', 'a.txt'], r.dir).trim(),
      null,
      git(['hash-object', 'a.txt'], r.dir).trim(),
    ]);
  });

  it('stops and starts with git.autocommit in board.yaml while the watcher runs', async () => {
    const r = tempRepo();
    repos.push(r);
    const b = locateBoard({ cwd: r.dir });
    const log: LoggedEvent[] = [];
    host = new WatchHost({
      board: b,
      plugins: [auditPlugin()],
      onEvent: (e) => log.push(e),
      tickMs: 100,
      stateFile: false,
    });
    await host.start();
    await waitFor(() => inSync(r.dir));
    setConfig(r.dir, (y) => y.replace('autocommit: true', 'autocommit: false'));
    await waitFor(() => log.some((e) => e.type === 'audit_off'));
    const tip = git(['rev-parse', 'recado'], r.dir).trim();
    r.write('.board/tickets/T-9.md', '---\nid: T-9\ntitle: Nine\nupdated_by: ana\n---\n');
    await waitFor(() => log.some((e) => e.type === 'ticket' && e.id === 'T-9'));
    setConfig(r.dir, (y) => y.replace('autocommit: false', 'autocommit: true'));
    await waitFor(() => inSync(r.dir)); // the catch-up on start again commits what changed meanwhile
    expect(
      git(['rev-list', `${tip}..recado`], r.dir)
        .trim()
        .split('\n').length,
    ).toBeGreaterThanOrEqual(1);
    expect(git(['log', '-1', '--format=%an|%s', 'recado', '--', '.board/tickets/T-9.md'], r.dir).trim()).toBe(
      'ana|board(T-9): created',
    );
  });
});
