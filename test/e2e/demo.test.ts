/**
 * `board demo`: the whole run (real watcher, three agent processes, three waves) exits 0 in
 * under 30 s. Its audit-trail check runs when the watcher has a git autocommit plugin (or
 * the audit branch exists after the run), and is skipped, saying so, otherwise.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { featuresOf } from '../../src/demo/features.js';
import { boardAsync, ROOT } from '../helpers.js';

let dir: string | null = null;
interface Summary {
  ok: boolean;
  dir: string | null;
  repo: string;
  problems: string[];
  plugins: string[];
  tickets: { id: string; status: string }[];
  audit: { branch: string; commits: { author: string; subject: string }[] } | null;
  notified: number;
}
let summary: Summary | undefined;

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function registeredPlugins(): Promise<string[]> {
  const mod = (await import(`${ROOT}dist/watch/plugins.js`)) as { loadPlugins(): Promise<{ name: string }[]> };
  return (await mod.loadPlugins()).map((p) => p.name);
}

describe('board demo', () => {
  it('runs three agents through three waves with the real watcher, and exits 0', async () => {
    // how long it takes is a figure of `npm run bench conversations`, not a test: give it time
    const r = await boardAsync(['demo', '--fast', '--json'], { cwd: ROOT, env: { BOARD_DEMO_BUDGET_MS: '150000' } });
    const s = JSON.parse(r.stdout) as Summary;
    summary = s;
    dir = s.dir;
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(s.ok).toBe(true);
    expect(s.problems).toEqual([]);
    expect(s.tickets.map((t: { status: string }) => t.status)).toEqual(Array(6).fill('done'));

    // what a reader of the run sees: the watcher's stream, each agent, the refused (or expected) edit, the takeover, the end
    const out = r.stderr;
    expect(out).toMatch(/^watch │ .*ready in \d+ ms/m);
    for (const who of ['olga', 'ana', 'ben']) expect(out).toMatch(new RegExp(`^${who} +│ board next: claimed `, 'm'));
    expect(out).toMatch(/^ben +│ edited \.board\/tickets\/UI-2\.md by hand: status: done/m);
    expect(out).toMatch(/^ben +│ (the watcher undid my edit of UI-2|expected: the watcher undoes that edit)/m);
    expect(out).toMatch(/^ana +│ QA-1 was claimed by ben, who went quiet and whose lease ran out: taking it over/m);
    expect(out).toMatch(/^watch │ .*delivered .* ana → ben {2}"Login API contract ready"/m);
    expect(out).toMatch(/^watch │ .*delivered .* ben → ana {2}"Re: Login API contract ready" {2}\(board send\)/m);
    expect(out).toMatch(/^demo {2}│ \$ board status/m);
    expect(out).toMatch(/^demo {2}│ \$ git log --format='%an %s' recado/m);
    expect(s.notified).toBeGreaterThanOrEqual(4);
    // each agent committed code on its own branch, in its own worktree
    for (const who of ['olga', 'ana', 'ben']) {
      const log = spawnSync('git', ['log', '--format=%an', `board/${who}`], { cwd: s.repo, encoding: 'utf8' }).stdout;
      expect(log.split('\n'), who).toContain(who);
    }
    expect(s.plugins).toEqual(await registeredPlugins());
  });

  it('leaves commits by each simulated agent on the audit branch (when the watcher has the git autocommit plugin)', async (ctx) => {
    expect(summary, 'the demo ran').toBeDefined();
    const plugins = await registeredPlugins();
    if (!featuresOf(plugins).audit && summary!.audit === null) {
      console.warn(
        `board demo: the watcher has no git autocommit plugin (plugins: ${plugins.join(', ') || 'none'}), so the check of the audit branch's authors is skipped`,
      );
      ctx.skip();
    }
    expect(summary!.audit).not.toBeNull();
    const log = spawnSync('git', ['log', '--format=%an %s', 'recado'], { cwd: summary!.repo, encoding: 'utf8' });
    expect(log.status).toBe(0);
    const authors = new Set(
      log.stdout
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0]),
    );
    for (const who of ['olga', 'ana', 'ben']) expect(authors, `commits by ${who} on the audit branch`).toContain(who);
  });
});
