/**
 * Enforcement of hand edits by a real watcher process: stolen claims, broken YAML, `done`
 * with an open dependency and cycles are undone with the refused text kept byte for byte and
 * the author told; valid hand edits stand as written; the board's own writes (the CLI) are
 * never taken for hand edits, even in quick succession with hand edits; and a watcher killed
 * with SIGKILL in the middle of a refusal finishes it once when it starts again.
 */
import type { ChildProcess } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startWatcherProcess, tempRepo, waitFor, type TempRepo } from '../helpers.js';

type Ev = Record<string, unknown> & { type: string; time: string };

interface Watcher {
  proc: ChildProcess;
  events: () => Ev[];
  /** Events logged after the n-th. */
  since: (n: number) => Ev[];
}

function startWatcher(r: TempRepo, env: Record<string, string> = {}): Watcher {
  const w = startWatcherProcess(r.dir, { env });
  const events = () => w.events() as Ev[];
  return { proc: w.proc, events, since: (n) => events().slice(n) };
}

async function stopWatcher(w: Watcher | undefined): Promise<void> {
  if (!w || w.proc.exitCode !== null || w.proc.signalCode !== null) return;
  w.proc.kill('SIGTERM');
  await new Promise((r) => w.proc.once('exit', r));
}

const exited = (p: ChildProcess) =>
  new Promise<void>((r) => (p.exitCode !== null || p.signalCode !== null ? r() : p.once('exit', () => r())));

/** Helpers bound to one repo. */
function on(r: TempRepo) {
  const B = (...p: string[]) => r.path('.board', ...p);
  const ticket = (id: string) => B('tickets', `${id}.md`);
  const read = (id: string) => readFileSync(ticket(id), 'utf8');
  /** Write a file the way an editor does: aside, then renamed into place. */
  const save = (id: string, text: string) => {
    const tmp = B('tickets', `.${id}.swp`);
    writeFileSync(tmp, text);
    renameSync(tmp, ticket(id));
  };
  const rejected = () =>
    existsSync(B('rejected'))
      ? readdirSync(B('rejected'))
          .filter((n) => n.endsWith('.md'))
          .sort()
      : [];
  const inbox = (agent: string) =>
    JSON.parse(r.board(['inbox', '--as', agent, '--json']).stdout) as Array<Record<string, unknown>>;
  const receipts = (id: string) =>
    existsSync(B('run', 'receipts'))
      ? readdirSync(B('run', 'receipts')).filter((n) => n.startsWith(`${id}.`) && !n.endsWith('.seen'))
      : [];
  const newTicket = (title: string, ...args: string[]) => {
    const res = r.board(['new', title, '--as', 'carol', ...args]);
    expect(res.code, res.stderr).toBe(0);
    return res.stdout.trim();
  };
  const ok = (...args: string[]) => {
    const res = r.board(args);
    expect(res.code, `board ${args.join(' ')}: ${res.stderr}`).toBe(0);
    return res;
  };
  return { B, ticket, read, save, rejected, inbox, receipts, newTicket, ok };
}

/* --------------------------------------------------------------- one watcher ---- */

describe('a running watcher checks every hand edit of a ticket', () => {
  let repo: TempRepo;
  let w: Watcher;
  let h: ReturnType<typeof on>;

  beforeAll(async () => {
    repo = tempRepo();
    h = on(repo);
    for (const a of ['alice', 'bob', 'carol']) expect(repo.board(['agent', 'add', a]).code).toBe(0);
    w = startWatcher(repo);
    await waitFor(() => w.events().some((e) => e.type === 'ready'), 20_000);
  });

  afterAll(async () => {
    await stopWatcher(w);
    repo.cleanup();
  });

  /** Wait until the watcher has taken in every board write of `id` (its receipts are gone). */
  const settled = (id: string) => waitFor(() => h.receipts(id).length === 0, 10_000);
  const refusedFor = (id: string, from: number, timeout = 10_000) =>
    waitFor(() => w.since(from).find((e) => e.type === 'edit_refused' && e.id === id), timeout);

  /** Refuse `text` as a hand edit of `id`: returns the event, and checks the kept copy and the restore. */
  async function expectUndone(id: string, text: string, author: string, rule: string, timeout?: number) {
    const valid = h.read(id);
    const n = w.events().length;
    const before = new Set(h.rejected());
    h.save(id, text);
    const ev = await refusedFor(id, n, timeout);
    expect(ev.rules).toContain(rule);
    expect(ev.author).toBe(author);
    expect(ev.action).toBe('restored');
    // the last valid version is back, byte for byte
    await waitFor(() => h.read(id) === valid);
    // the refused text is kept byte for byte, with its reason
    const kept = h.rejected().filter((k) => !before.has(k));
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatch(new RegExp(`^\\d{8}T\\d{9}Z-${id}\\.md$`));
    expect(readFileSync(h.B('rejected', kept[0]), 'utf8')).toBe(text);
    const reason = readFileSync(h.B('rejected', `${kept[0]}.reason`), 'utf8');
    expect(reason).toContain(`rule: ${rule}`);
    expect(reason).toContain(`author: ${author}`);
    expect(reason).toContain('action: restored');
    // the author is told why and where the text is
    const notice = await waitFor(() =>
      h.inbox(author).find((r) => r.ticket === id && String(r.body).includes(kept[0])),
    );
    expect(notice.from).toBe('board');
    expect(String(notice.subject)).toMatch(new RegExp(`^${id}: your edit was undone`));
    return { ev, kept: kept[0], notice };
  }

  it('undoes a stolen claim and a status change by another agent; the holder keeps the ticket', async () => {
    const id = h.newTicket('Login API', '--assignee', 'alice');
    h.ok('claim', id, '--as', 'alice');
    await settled(id);
    const held = h.read(id);
    expect(held).toMatch(/claim:\n {2}by: alice\n/);

    // bob writes himself into the claim block
    const stolen = held.replace('  by: alice\n', '  by: bob\n').replace('updated_by: alice', 'updated_by: bob');
    const { ev } = await expectUndone(id, stolen, 'bob', 'claim_by_hand');
    expect(ev.notified).toEqual(['bob']);
    expect(h.read(id)).toBe(held);

    // bob moves alice's ticket to review, leaving the claim alone
    const moved = held.replace('status: in_progress', 'status: review').replace('updated_by: alice', 'updated_by: bob');
    await expectUndone(id, moved, 'bob', 'claim_respected');
    expect(h.read(id)).toBe(held);
    const shown = JSON.parse(h.ok('show', id, '--json').stdout);
    expect(shown.claim.by).toBe('alice');
    expect(shown.status).toBe('in_progress');
  });

  it('undoes broken YAML once it stays broken (after the half-written retry)', async () => {
    const id = h.newTicket('Parser');
    await settled(id);
    const valid = h.read(id);
    const broken = valid.replace('title: Parser', 'title: [Parser').replace('updated_by: carol', 'updated_by: bob');
    const t0 = Date.now();
    await expectUndone(id, broken, 'bob', 'unparsable', 20_000);
    expect(Date.now() - t0).toBeGreaterThan(1_000); // it waited in case the file was half-written
    expect(h.read(id)).toBe(valid);
  });

  it('undoes `done` while a dependency is open, and a dependency cycle', async () => {
    const a = h.newTicket('Schema');
    const b = h.newTicket('Queries', '--deps', a);
    await settled(a);
    await settled(b);
    const bText = h.read(b);
    const done = bText.replace('status: todo', 'status: done').replace('updated_by: carol', 'updated_by: bob');
    const { ev } = await expectUndone(b, done, 'bob', 'done_with_open_deps');
    expect(String(ev.reason)).toContain(a);

    const aText = h.read(a);
    const cycle = aText.replace('deps: []', `deps: [${b}]`).replace('updated_by: carol', 'updated_by: alice');
    const r = await expectUndone(a, cycle, 'alice', 'dependency_cycle');
    expect(String(r.notice.body)).toContain(`dependency cycle through ${[a, b].sort().join(', ')}`);

    const unknown = aText.replace('deps: []', 'deps: [T-nope]').replace('updated_by: carol', 'updated_by: alice');
    await expectUndone(a, unknown, 'alice', 'unknown_dependency');
    expect(h.read(a)).toBe(aText);
  });

  it('leaves valid hand edits exactly as written, and takes in a new valid ticket written by hand', async () => {
    const id = h.newTicket('Docs', '--assignee', 'alice', '--body', '- [ ] write it\n');
    h.ok('claim', id, '--as', 'alice');
    await settled(id);
    const n = w.events().length;
    const rejectedBefore = h.rejected().length;
    // a checklist tick and a note by someone else, a comment, odd spacing: all kept as is
    const edited =
      h.read(id).replace('- [ ] write it', '- [x] write it') + '\nNote from bob:   see #12  \n# not a heading?\n';
    h.save(id, edited);
    await waitFor(() => w.since(n).find((e) => e.type === 'edit_accepted' && e.id === id));
    // the holder moves its own ticket to review by hand
    const review = edited.replace('status: in_progress', 'status: review');
    const m = w.events().length;
    h.save(id, review);
    await waitFor(() => w.since(m).find((e) => e.type === 'edit_accepted' && e.id === id));
    expect(h.read(id)).toBe(review);

    const fresh = '---\nid: T-hand\ntitle: Written by hand\nstatus: todo\nassignee: bob\n---\nBody.\n';
    writeFileSync(h.ticket('T-hand'), fresh);
    await waitFor(() => w.since(m).find((e) => e.type === 'edit_accepted' && e.id === 'T-hand'));
    expect(h.read('T-hand')).toBe(fresh);
    expect(h.rejected().length).toBe(rejectedBefore);
    expect(w.since(n).filter((e) => e.type === 'edit_refused')).toEqual([]);
  });

  it('replaces a ticket turned into a symbolic link, keeping where it pointed (never the link)', async () => {
    const id = h.newTicket('Linked');
    await settled(id);
    const valid = h.read(id);
    const n = w.events().length;
    unlinkSync(h.ticket(id));
    symlinkSync('/etc/hostname', h.ticket(id));
    const ev = await refusedFor(id, n);
    expect(ev).toMatchObject({ action: 'restored', rules: ['unparsable'] });
    await waitFor(() => !lstatSync(h.ticket(id)).isSymbolicLink() && h.read(id) === valid);
    const kept = repo.path(String(ev.kept));
    expect(lstatSync(kept).isFile()).toBe(true);
    expect(readFileSync(kept, 'utf8')).toContain('a symbolic link to /etc/hostname');
  });

  it('takes a new ticket file that breaks the rules out of tickets/, keeps it and tells its author', async () => {
    const text =
      '---\nid: T-forged\ntitle: Mine\nstatus: in_progress\nupdated_by: bob\nclaim:\n  by: bob\n  at: 2020-01-01T00:00:00Z\n  expires: 2099-01-01T00:00:00Z\n---\n';
    const n = w.events().length;
    writeFileSync(h.ticket('T-forged'), text);
    const ev = await refusedFor('T-forged', n);
    expect(ev.action).toBe('removed');
    expect(ev.rules).toEqual(['claim_by_hand']);
    await waitFor(() => !existsSync(h.ticket('T-forged')));
    const kept = String(ev.kept);
    expect(readFileSync(repo.path(kept), 'utf8')).toBe(text);
    await waitFor(() => h.inbox('bob').find((r) => r.ticket === 'T-forged'));
  });

  it("never takes the CLI's writes for hand edits, also mixed with quick hand edits", async () => {
    const n = w.events().length;
    const rejectedBefore = h.rejected().length;
    const a = h.newTicket('One', '--assignee', 'alice');
    const b = h.newTicket('Two', '--deps', a);
    const c = h.newTicket('Three');
    h.ok('claim', a, '--as', 'alice', '--lease', '10m');
    h.ok('renew', a, '--as', 'alice');
    h.ok('edit', a, '--as', 'alice', '--labels', 'api', '--priority', '1');
    // the holder ticks a box by hand right after a board write, then the board writes again
    h.save(a, h.read(a).replace('## Notes', '## Notes\n- [x] started'));
    h.ok('edit', a, '--as', 'alice', '--status', 'review');
    h.ok('close', a, '--as', 'alice');
    h.ok('next', '--as', 'bob');
    h.ok('release', b, '--as', 'bob');
    h.ok('claim', c, '--as', 'carol');
    h.ok('edit', c, '--as', 'carol', '--assignee', 'carol');
    h.ok('release', c, '--as', 'carol');
    h.ok('reopen', a, '--as', 'carol');
    for (const id of [a, b, c]) await settled(id);
    // a board write and a hand edit by the holder, with no pause between them
    h.ok('claim', c, '--as', 'carol');
    h.save(c, h.read(c) + '\nstarted by carol\n');
    await waitFor(() => w.since(n).find((e) => e.type === 'edit_accepted' && e.id === c));
    await settled(c);
    expect(w.since(n).filter((e) => e.type === 'edit_refused')).toEqual([]);
    expect(h.rejected().length).toBe(rejectedBefore);
    const shown = JSON.parse(h.ok('show', c, '--json').stdout);
    expect(shown.claim.by).toBe('carol');
    expect(shown.body).toContain('started by carol');
  });
});

/* ------------------------------------------------------ killed in the middle ---- */

describe('a watcher killed with SIGKILL in the middle of a refusal', () => {
  let repo: TempRepo | undefined;
  const procs: ChildProcess[] = [];
  afterEach(async () => {
    for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    repo?.cleanup();
    repo = undefined;
  });

  for (const point of ['enforce:journal', 'enforce:kept', 'enforce:undone', 'enforce:told']) {
    it(`finishes it once when started again (killed at ${point})`, async () => {
      repo = tempRepo();
      const h = on(repo);
      for (const a of ['alice', 'bob']) expect(repo.board(['agent', 'add', a]).code).toBe(0);
      const id = h.newTicket('Crash');
      h.ok('claim', id, '--as', 'alice');
      const held = h.read(id);

      const w1 = startWatcher(repo, { BOARD_CRASH_AT: point });
      procs.push(w1.proc);
      await waitFor(() => w1.events().some((e) => e.type === 'ready'), 20_000);
      const stolen = held.replace('  by: alice\n', '  by: bob\n').replace('updated_by: alice', 'updated_by: bob');
      h.save(id, stolen);
      await exited(w1.proc);
      expect(w1.proc.signalCode).toBe('SIGKILL');
      // until a watcher runs again, doctor says a refusal is half-done
      const d = JSON.parse(repo.board(['doctor', '--json']).stdout) as { problems: Array<{ message: string }> };
      expect(d.problems.map((p) => p.message).join('\n')).toContain('a refused hand edit');

      const w2 = startWatcher(repo);
      procs.push(w2.proc);
      const ev = await waitFor(() => w2.events().find((e) => e.type === 'edit_refused'), 20_000);
      expect(ev.recovered).toBe(true);
      await waitFor(() => h.read(id) === held);
      expect(h.rejected()).toHaveLength(1);
      expect(readFileSync(h.B('rejected', h.rejected()[0]), 'utf8')).toBe(stolen);
      expect(existsSync(h.B('rejected', `${h.rejected()[0]}.reason`))).toBe(true);
      await waitFor(() => h.inbox('bob').length === 1);
      expect(readdirSync(h.B('run', 'enforce'))).toEqual([]);

      // and once more: nothing left to do, nothing told twice
      await stopWatcher(w2);
      const w3 = startWatcher(repo);
      procs.push(w3.proc);
      await waitFor(() => w3.events().some((e) => e.type === 'ready'), 20_000);
      await stopWatcher(w3);
      expect(w3.events().filter((e) => e.type === 'edit_refused')).toEqual([]);
      expect(JSON.parse(repo.board(['inbox', '--as', 'bob', '--all', '--json']).stdout)).toHaveLength(1);
      expect(h.read(id)).toBe(held);
      expect(h.rejected()).toHaveLength(1);
    });
  }
});

describe('a ticket already invalid when the watcher starts', () => {
  let repo: TempRepo | undefined;
  let w: Watcher | undefined;
  afterEach(async () => {
    await stopWatcher(w);
    repo?.cleanup();
    repo = undefined;
  });

  it('is reported and left alone until it is fixed, then checked like any other', async () => {
    repo = tempRepo();
    const h = on(repo);
    expect(repo.board(['agent', 'add', 'bob']).code).toBe(0);
    const broken = '---\nid: T-bad\ntitle: [Broken\nupdated_by: bob\n---\nbody\n';
    writeFileSync(h.ticket('T-bad'), broken);
    w = startWatcher(repo);
    await waitFor(() => w!.events().find((e) => e.type === 'ticket_invalid' && e.id === 'T-bad'), 20_000);
    const still = broken.replace('status', 'x') + 'more\n';
    h.save('T-bad', still);
    await waitFor(
      () => w!.events().filter((e) => e.type === 'ticket_invalid' && e.id === 'T-bad').length === 2,
      20_000,
    );
    expect(h.read('T-bad')).toBe(still);
    const fixed = '---\nid: T-bad\ntitle: Fixed\nupdated_by: bob\n---\nbody\n';
    h.save('T-bad', fixed);
    await waitFor(() => w!.events().find((e) => e.type === 'edit_accepted' && e.id === 'T-bad'));
    expect(h.read('T-bad')).toBe(fixed);
    expect(h.rejected()).toEqual([]);
    // from now on it has a valid version to go back to
    h.save('T-bad', fixed.replace('title: Fixed', 'title: Fixed\nstatus: doing'));
    await waitFor(() => w!.events().find((e) => e.type === 'edit_refused' && e.id === 'T-bad'));
    await waitFor(() => h.read('T-bad') === fixed);
  });
});
