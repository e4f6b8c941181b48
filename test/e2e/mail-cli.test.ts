/** `board agent`, `send`, `inbox`, `read`, `thread` through the real binary, with no watcher. */
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempRepo, type TempRepo } from '../helpers.js';

let repo: TempRepo;
const ls = (...p: string[]) => (existsSync(repo.path(...p)) ? readdirSync(repo.path(...p)).sort() : []);

beforeAll(() => {
  repo = tempRepo();
});
afterAll(() => repo.cleanup());

describe('board agent', () => {
  it('adds agents to board.yaml (keeping its comments) with their folders, lists and removes them', () => {
    expect(repo.board(['agent', 'add', 'alice', '--role', 'backend']).code).toBe(0);
    expect(repo.board(['agent', 'add', 'bob', '--role', 'backend']).code).toBe(0);
    expect(repo.board(['agent', 'add', 'carol', '--role', 'orchestrator']).code).toBe(0);
    expect(repo.board(['agent', 'add', 'temp']).code).toBe(0);
    const yaml = repo.read('.board', 'board.yaml');
    expect(yaml).toContain('# Agents: name -> role');
    expect(yaml).toMatch(/agents:\n {2}alice:\n {4}role: backend\n/);
    for (const p of [
      ['inbox', 'alice', 'new'],
      ['inbox', 'alice', 'cur'],
      ['outbox', 'alice'],
    ])
      expect(existsSync(repo.path('.board', ...p))).toBe(true);

    const again = repo.board(['agent', 'add', 'alice']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already an agent/);

    for (const bad of ['all', 'board']) {
      const r = repo.board(['agent', 'add', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/reserved/);
    }
    expect(repo.board(['agent', 'add', '../evil']).code).toBe(2);
    expect(existsSync(repo.path('.board', 'evil'))).toBe(false);

    const list = JSON.parse(repo.board(['agent', 'list', '--json']).stdout);
    expect(list.map((a: { name: string }) => a.name)).toEqual(['alice', 'bob', 'carol', 'temp']);
    expect(list[0]).toMatchObject({ name: 'alice', role: 'backend', unread: 0, inbox: true });

    expect(repo.board(['agent', 'remove', 'temp']).code).toBe(0);
    expect(repo.read('.board', 'board.yaml')).not.toContain('temp');
    expect(existsSync(repo.path('.board', 'inbox', 'temp'))).toBe(true); // kept
    expect(repo.board(['agent', 'remove', 'temp']).code).toBe(3);
  });
});

describe('board send / inbox / read / thread', () => {
  it('delivers at once with no watcher running, to a name, a list, all and @role', () => {
    const r = repo.board([
      'send',
      'bob',
      'API contract ready',
      '--subject',
      'Contract',
      '--ticket',
      'T-4k9x',
      '--as',
      'alice',
    ]);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(ls('.board', 'inbox', 'bob', 'new')).toEqual([`${id}.md`]);
    const text = repo.read('.board', 'inbox', 'bob', 'new', `${id}.md`);
    expect(text).toMatch(
      new RegExp(
        `^---\\nid: ${id}\\nfrom: alice\\nto: bob\\nsubject: Contract\\nticket: T-4k9x\\nsent: \\S+Z\\n---\\nAPI contract ready\\n$`,
      ),
    );

    const all = JSON.parse(repo.board(['send', 'all', 'standup in 5', '--as', 'carol', '--json']).stdout);
    expect(all.delivered).toEqual(['alice', 'bob']);
    const role = JSON.parse(repo.board(['send', '@backend,carol', 'deploy freeze', '--as', 'alice', '--json']).stdout);
    expect(role.delivered).toEqual(['bob', 'carol']);
    expect(role.to).toEqual(['@backend', 'carol']);
    expect(ls('.board', 'run', 'outgoing')).toEqual([]);
  });

  it('refuses unknown recipients (exit 3) and reserved senders (exit 2), sending nothing', () => {
    const before = ls('.board', 'inbox', 'bob', 'new').length;
    const r = repo.board(['send', 'bob,zed', 'hello', '--as', 'alice']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/unknown recipient "zed"/);
    expect(r.stderr).toMatch(/hint: .*board agent/);
    expect(ls('.board', 'inbox', 'bob', 'new').length).toBe(before);
    expect(repo.board(['send', 'bob', 'hi', '--as', 'board']).code).toBe(2);
    expect(repo.board(['send', 'bob', 'hi', '--as', 'all']).code).toBe(2);
  });

  it('lists unread recados, reads one (moving it to cur/), and follows a thread both ways', () => {
    const inbox = JSON.parse(repo.board(['inbox', '--as', 'bob', '--json']).stdout);
    expect(inbox.length).toBe(3);
    for (const r of inbox)
      expect(Object.keys(r).sort()).toEqual([
        'body',
        'extra',
        'from',
        'id',
        'read',
        'reply_to',
        'sent',
        'subject',
        'ticket',
        'to',
      ]);
    expect(inbox[0]).toMatchObject({
      from: 'alice',
      to: ['bob'],
      subject: 'Contract',
      ticket: 'T-4k9x',
      reply_to: null,
      read: false,
      body: 'API contract ready\n',
    });
    const first = inbox[0].id as string;

    const read = repo.board(['read', first, '--as', 'bob']);
    expect(read.code).toBe(0);
    expect(read.stdout).toMatch(/From: +alice/);
    expect(read.stdout).toContain('API contract ready');
    expect(ls('.board', 'inbox', 'bob', 'cur')).toEqual([`${first}.md`]);
    expect(JSON.parse(repo.board(['inbox', '--as', 'bob', '--json']).stdout).length).toBe(2);
    const everything = JSON.parse(repo.board(['inbox', '--as', 'bob', '--all', '--json']).stdout);
    expect(everything.find((r: { id: string }) => r.id === first).read).toBe(true);

    expect(repo.board(['read', first, '--as', 'carol']).code).toBe(3);
    expect(repo.board(['read', 'nope-123', '--as', 'bob']).code).toBe(3);
    expect(repo.board(['inbox', '--as', 'nobody']).code).toBe(3);

    const reply = repo.board(['send', 'alice', 'looks good', '--reply-to', first, '--as', 'bob']).stdout.trim();
    const reply2 = repo.board(['send', 'bob', 'thanks', '--reply-to', reply, '--as', 'alice']).stdout.trim();
    repo.board(['send', 'bob', 'unrelated', '--as', 'alice']);
    for (const from of [first, reply, reply2]) {
      const t = JSON.parse(repo.board(['thread', from, '--json']).stdout);
      expect(t.map((r: { id: string }) => r.id)).toEqual([first, reply, reply2]);
    }
    const human = repo.board(['thread', reply]).stdout;
    expect(human).toContain('looks good');
    expect(human).not.toContain('unrelated');
    expect(repo.board(['thread', 'nope-1']).code).toBe(3);
  });
});
