/**
 * The delivery adapter, in-process: resuming a delivery cut short (including a recipient
 * that read its copy before the restart), a stamped `board send` left half-done, bounces.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addAgent } from '../../src/store/agents.js';
import type { Board } from '../../src/store/board.js';
import { initBoard } from '../../src/store/init.js';
import {
  deliverOne,
  listOutgoing,
  outgoingDir,
  readConfig,
  routeOutgoing,
  sendFromBoard,
  sendRecado,
  takeOutboxFile,
} from '../../src/store/mailbox.js';
import { tempRepo, type TempRepo } from '../helpers.js';

let repo: TempRepo;
let board: Board;
const files = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

beforeEach(async () => {
  repo = tempRepo({ init: false, git: false });
  board = initBoard(repo.dir).board;
  for (const [a, role] of [
    ['alice', 'backend'],
    ['bob', 'backend'],
    ['carol', 'orchestrator'],
  ])
    await addAgent(board, a, { role });
});
afterEach(() => repo.cleanup());

function dropAndTake(name: string, text: string) {
  const p = join(board.outbox('alice'), name);
  writeFileSync(p, text);
  const taken = takeOutboxFile(board, p, 'alice')!;
  expect(existsSync(p)).toBe(false);
  return taken;
}

describe('resuming a delivery cut short', () => {
  it('gives each recipient exactly one copy, also one that read its copy meanwhile', () => {
    const taken = dropAndTake('hi.md', '---\nto: [bob, carol]\nsubject: hi\n---\nHello\n');
    const saved = join(board.tmpDir, 'saved');
    copyFileSync(taken.path, saved);
    const r = routeOutgoing(board, taken.name, { config: readConfig(board) });
    expect(r.kind).toBe('delivered');
    const name = `${taken.id}.md`;
    expect(files(board.inboxNew('bob'))).toEqual([name]);
    // the state of a crash after bob's copy, before carol's and before the cleanup: and bob
    // has read his copy before the watcher came back
    mkdirSync(board.inboxCur('bob'), { recursive: true });
    renameSync(join(board.inboxNew('bob'), name), join(board.inboxCur('bob'), name));
    unlinkSync(join(board.inboxNew('carol'), name));
    copyFileSync(saved, taken.path);

    const again = routeOutgoing(board, taken.name, { config: readConfig(board) });
    expect(again.kind).toBe('delivered');
    if (again.kind === 'delivered') expect(again.delivered).toEqual(['carol']);
    expect(files(board.inboxNew('bob'))).toEqual([]);
    expect(files(board.inboxCur('bob'))).toEqual([name]);
    expect(files(board.inboxNew('carol'))).toEqual([name]);
    expect(listOutgoing(board)).toEqual([]);
    // and once more: nothing changes
    copyFileSync(saved, taken.path);
    routeOutgoing(board, taken.name, { config: readConfig(board) });
    expect(files(board.inboxCur('bob'))).toEqual([name]);
    expect(files(board.inboxNew('bob'))).toEqual([]);
    expect(files(board.inboxNew('carol'))).toEqual([name]);
  });

  it('deliverOne never makes a copy beside one already read or already there', () => {
    const src = join(board.tmpDir, 'x');
    writeFileSync(src, '---\nid: a-1\n---\n');
    expect(deliverOne(board, src, 'a-1', 'bob')).toBe(join(board.inboxNew('bob'), 'a-1.md'));
    expect(deliverOne(board, src, 'a-1', 'bob')).toBeNull();
    renameSync(join(board.inboxNew('bob'), 'a-1.md'), join(board.inboxCur('bob'), 'a-1.md'));
    expect(deliverOne(board, src, 'a-1', 'bob')).toBeNull();
    expect(files(board.inboxNew('bob'))).toEqual([]);
  });

  it('finishes a `board send` that was killed half-way (stamped file left in run/outgoing)', () => {
    const r = sendRecado(board, { from: 'carol', to: ['@backend'], body: 'Deploy at 5\n' });
    const name = `${r.id}.md`;
    // what a killed `board send` leaves: the stamped file, alice served, bob not
    const stamped = join(outgoingDir(board), `${r.id}=carol`);
    copyFileSync(join(board.inboxNew('alice'), name), stamped);
    unlinkSync(join(board.inboxNew('bob'), name));
    const again = routeOutgoing(board, `${r.id}=carol`, { config: readConfig(board) });
    expect(again.kind).toBe('delivered');
    if (again.kind === 'delivered') expect(again.delivered).toEqual(['bob']);
    expect(files(board.inboxNew('alice'))).toEqual([name]);
    expect(files(board.inboxNew('bob'))).toEqual([name]);
    expect(existsSync(stamped)).toBe(false);
  });
});

describe('bounces', () => {
  it('keeps an oversized recado in rejected/ and tells the sender', () => {
    const taken = dropAndTake('big.md', `---\nto: bob\n---\n${'x'.repeat(1024 * 1024 + 10)}\n`);
    const r = routeOutgoing(board, taken.name, { config: readConfig(board) });
    expect(r.kind).toBe('rejected');
    if (r.kind !== 'rejected') return;
    expect(r.reason).toMatch(/over the limit/);
    expect(existsSync(r.file)).toBe(true);
    expect(repo.read('.board', 'rejected', `${taken.name}.reason`)).toMatch(/over the limit/);
    expect(files(board.inboxNew('bob'))).toEqual([]);
    expect(files(board.inboxNew('alice'))).toEqual([`${taken.id}.bounce.md`]);
    // a repeat after a crash before the file was moved sends no second notice
    copyFileSync(r.file, taken.path);
    routeOutgoing(board, taken.name, { config: readConfig(board) });
    expect(files(board.inboxNew('alice'))).toEqual([`${taken.id}.bounce.md`]);
  });

  it('waits for a file that does not parse, and bounces it once told to give up', () => {
    const taken = dropAndTake('half.md', '---\nto: bob\nsubject: hal');
    expect(routeOutgoing(board, taken.name, { config: readConfig(board) }).kind).toBe('retry');
    const r = routeOutgoing(board, taken.name, { config: readConfig(board), giveUp: true });
    expect(r.kind).toBe('rejected');
    if (r.kind === 'rejected') expect(r.reason).toMatch(/not closed/);
  });
});

describe('symbolic links', () => {
  it('never delivers through an inbox that is a link to elsewhere', () => {
    const elsewhere = join(repo.dir, 'elsewhere');
    mkdirSync(elsewhere);
    rmSync(board.inboxNew('bob'), { recursive: true });
    symlinkSync(elsewhere, board.inboxNew('bob'));
    expect(() => sendRecado(board, { from: 'alice', to: ['bob'], body: 'x' })).toThrow(
      /inbox\/bob\/new is a symbolic link/,
    );
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});

describe('sendRecado and sendFromBoard', () => {
  it('refuses an unknown recipient before writing anything', () => {
    expect(() => sendRecado(board, { from: 'alice', to: ['bob', 'zed'], body: 'x' })).toThrow(
      /unknown recipient "zed"/,
    );
    expect(files(board.inboxNew('bob'))).toEqual([]);
    expect(listOutgoing(board)).toEqual([]);
  });

  it('sendFromBoard skips names without an inbox and reaches @role', () => {
    const r = sendFromBoard(board, {
      to: ['bob', 'ghost', '@orchestrator'],
      subject: 'Wave 2 open',
      body: 'T-1 is ready',
      ticket: 'T-1',
    });
    expect(r.delivered).toEqual(['bob', 'carol']);
    expect(r.skipped).toEqual(['ghost']);
    const text = repo.read('.board', 'inbox', 'carol', 'new', `${r.id}.md`);
    expect(text).toMatch(
      /^---\nid: \S+\nfrom: board\nto: \[bob, ghost, "@orchestrator"\]\nsubject: Wave 2 open\nticket: T-1\nsent: /,
    );
  });
});
