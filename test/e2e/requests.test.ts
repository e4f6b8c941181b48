/**
 * The agent's contract by file tools alone: a recado `to: board` with `claim: ID` (renew,
 * release, close, cancel, next) dropped into an agent's outbox is carried out by a real
 * watcher with the CLI's own functions and answered by recado; of concurrent claimers by
 * file exactly one wins. Also: `board next` refuses to hoard (exit 4 naming the held ticket)
 * unless --also.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWatcherProcess, tempRepo, waitFor, type TempRepo, type WatcherProcess } from '../helpers.js';

describe('requests by file', () => {
  let repo: TempRepo;
  let w: WatcherProcess;
  const procs: ChildProcess[] = [];
  let n = 0;

  /** Drop a request the way an agent's Write tool would (then renamed in, so it is whole). */
  const request = (agent: string, fields: string) => {
    const dir = repo.path('.board', 'outbox', agent);
    const tmp = repo.path('.board', 'outbox', agent, `.req-${n}.tmp`);
    writeFileSync(tmp, `---\nto: board\n${fields}\n---\n`);
    renameSync(tmp, `${dir}/req-${n++}.md`);
  };
  const inbox = (agent: string) =>
    JSON.parse(repo.board(['inbox', '--as', agent, '--json', '--all']).stdout) as Array<Record<string, string>>;
  const answer = (agent: string, pred: (subject: string) => boolean) =>
    waitFor(() => inbox(agent).find((r) => r.from === 'board' && pred(r.subject)), 30_000, 200).catch((e) => {
      console.log(JSON.stringify(w.events().slice(-8)));
      throw e;
    });
  const show = (id: string) =>
    JSON.parse(repo.board(['show', id, '--json']).stdout) as { status: string; claim: { by: string } | null };
  const newTicket = (title: string) => {
    const r = repo.board(['new', title, '--as', 'carol']);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.trim();
  };

  beforeAll(async () => {
    repo = tempRepo();
    for (const a of ['alice', 'bob', 'carol']) expect(repo.board(['agent', 'add', a]).code).toBe(0);
    w = startWatcherProcess(repo.dir, { track: procs });
    await w.until((e) => e.type === 'ready');
  });

  afterAll(async () => {
    await w?.stop();
    repo?.cleanup();
  });

  it('claims, renews and closes a ticket by file, answering each by recado', async () => {
    const id = newTicket('By file');
    request('alice', `claim: ${id}`);
    const got = await answer('alice', (s) => s.startsWith(`${id}: claimed until`));
    expect(got.body).toContain(repo.path('.board', 'tickets', `${id}.md`));
    expect(show(id)).toMatchObject({ status: 'in_progress', claim: { by: 'alice' } });
    request('alice', `renew: ${id}`);
    await answer('alice', (s) => s.startsWith(`${id}: renewed until`));
    request('alice', `close: ${id}`);
    await answer('alice', (s) => s === `${id}: closed (done)`);
    expect(show(id)).toMatchObject({ status: 'done', claim: null });
    // nothing was bounced, and the requests are gone from the outbox
    expect(inbox('alice').filter((r) => /bounced|not delivered|unknown/i.test(r.subject))).toEqual([]);
    expect(readdirSync(repo.path('.board', 'outbox', 'alice')).filter((x) => x.endsWith('.md'))).toEqual([]);
  });

  it('refuses a claim held by someone else, and says why', async () => {
    const id = newTicket('Held');
    expect(repo.board(['claim', id, '--as', 'bob']).code).toBe(0);
    request('alice', `claim: ${id}`);
    const r = await answer('alice', (s) => s === `${id}: claim refused`);
    expect(r.body).toContain('bob');
    expect(show(id).claim?.by).toBe('bob');
    request('alice', 'claim: two words');
    const bad = await answer('alice', (s) => s.startsWith('request refused'));
    expect(bad.body).toContain('not a ticket id');
  });

  it('of concurrent claimers by file, exactly one wins', async () => {
    for (let round = 0; round < 3; round++) {
      const id = newTicket(`Contended ${round}`);
      for (const a of ['alice', 'bob', 'carol']) request(a, `claim: ${id}`);
      const answers = await Promise.all(
        ['alice', 'bob', 'carol'].map((a) => answer(a, (s) => s.startsWith(`${id}: claim`))),
      );
      const winners = answers.filter((x) => x.subject.startsWith(`${id}: claimed until`));
      expect(winners).toHaveLength(1);
      expect(show(id).claim?.by).toBe(['alice', 'bob', 'carol'][answers.indexOf(winners[0])]);
      expect(repo.board(['release', id, '--as', show(id).claim!.by]).code).toBe(0);
    }
  });

  it('next by file and by the CLI refuses to hoard unless asked (--also)', async () => {
    const a = newTicket('First');
    const b = newTicket('Second');
    expect(repo.board(['claim', a, '--as', 'carol']).code).toBe(0);
    const refused = repo.board(['next', '--as', 'carol']);
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain(a);
    const also = repo.board(['next', '--as', 'carol', '--also']);
    expect(also.code, also.stderr).toBe(0);
    expect(repo.board(['release', b, '--as', 'carol']).code).toBe(0);
    request('carol', 'next: true');
    const r = await answer('carol', (s) => s === 'next: refused');
    expect(r.body).toContain(a);
    request('carol', 'next: true\nalso: true');
    await answer('carol', (s) => / claimed until /.test(s));
  });
});
