/**
 * Who is acting, without --as: inside an agent's recorded worktree the CLI acts as that agent
 * (BOARD_AGENT and --as still override), so `board next` claims in the agent's name and
 * `board hook claude` needs no --as there. And the person: `board init` registers git's
 * user.name as an agent with role human, so agents' replies reach them.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { board, git, tempRepo, type TempRepo } from '../helpers.js';

describe('identity', () => {
  let repo: TempRepo;
  let outside: string;
  let wt: string;

  beforeAll(() => {
    repo = tempRepo({ person: true }); // git user.name "Test Person"
    outside = realpathSync(mkdtempSync(join(tmpdir(), 'recado-wt-')));
    wt = join(outside, 'alice-wt');
    repo.write('README', 'x\n');
    git(['add', 'README'], repo.dir);
    git(['commit', '-qm', 'first'], repo.dir);
    const r = repo.board(['agent', 'add', 'alice', '--worktree', wt]);
    expect(r.code, r.stderr).toBe(0);
  });

  afterAll(() => {
    repo?.cleanup();
    rmSync(outside, { recursive: true, force: true });
  });

  it('board init registers the person as an agent with role human, who can get replies', () => {
    const list = JSON.parse(repo.board(['agent', 'list', '--json']).stdout) as Array<{
      name: string;
      role: string | null;
    }>;
    expect(list.find((a) => a.name === 'test-person')).toMatchObject({ role: 'human' });
    const sent = repo.board(['send', 'test-person', 'Done with the API', '--as', 'alice']);
    expect(sent.code, sent.stderr).toBe(0);
    // in the main worktree the person is themselves (git user.name), no --as needed
    const inbox = JSON.parse(repo.board(['inbox', '--json']).stdout) as Array<{ from: string; body: string }>;
    expect(inbox.map((r) => r.from)).toEqual(['alice']);
  });

  it('inside an agent worktree, commands act as that agent; BOARD_AGENT and --as override', () => {
    repo.board(['new', 'First', '--as', 'test-person']);
    repo.board(['new', 'Second', '--as', 'test-person']);
    const next = board(['next', '--json'], { cwd: wt });
    expect(next.code, next.stderr).toBe(0);
    const claimed = JSON.parse(next.stdout) as { id: string; claim: { by: string } };
    expect(claimed.claim.by).toBe('alice');
    // no hoarding, in the agent's name
    const again = board(['next'], { cwd: wt });
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(claimed.id);
    // overrides
    const env = board(['next', '--json'], { cwd: wt, env: { BOARD_AGENT: 'bob' } });
    expect(env.code, env.stderr).toBe(0);
    expect((JSON.parse(env.stdout) as { claim: { by: string } }).claim.by).toBe('bob');
  });

  it('board hook claude works in the worktree without --as', () => {
    expect(repo.board(['send', 'alice', 'Please look at the queue', '--as', 'test-person']).code).toBe(0);
    const hook = board(['hook', 'claude'], { cwd: wt, input: '{}' });
    expect(hook.code, hook.stderr).toBe(0);
    expect(hook.stdout).toContain('Please look at the queue');
  });
});
