/**
 * `board up` / `down` / `peek` with a stand-in agent program (test/fixtures/standin-agent.mjs)
 * in a private tmux server: live states from its hooks, the Stop hook handing over recados
 * that land during a turn, an idle agent woken by the fixed notice, a working agent never
 * typed into, a shell never typed into, a killed agent restarted.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT, startWatcherProcess, tempRepo, waitFor, type TempRepo } from '../helpers.js';
import { removeTmuxDir } from './tmux-dir.js';

const HAVE_TMUX = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
if (!HAVE_TMUX) console.warn('agents-up.test.ts: tmux is not on PATH, so these tests are skipped');

const STANDIN = join(ROOT, 'test', 'fixtures', 'standin-agent.mjs');

let repo: TempRepo | undefined;
let socket: string | undefined;
const procs: ChildProcess[] = [];

afterEach(async () => {
  for (const p of procs) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const gone = new Promise((res) => p.once('exit', res));
    p.kill('SIGKILL');
    await gone;
  }
  procs.length = 0;
  if (socket) spawnSync('tmux', ['-L', socket, 'kill-server']); // only the private server this test started
  const gone = socket;
  socket = undefined;
  await removeTmuxDir(gone);
  repo?.cleanup();
  repo = undefined;
});

interface Setup {
  r: TempRepo;
  env: Record<string, string>;
  log: string;
  /** The stand-in's JSON log lines (of one agent, or all). */
  entries(agent?: string): Record<string, unknown>[];
  tmux(...args: string[]): { status: number | null; stdout: string };
  state(agent: string): Record<string, unknown> | null;
}

/** A board with agents running the stand-in (kind claude, so the board installs its hooks). */
function setup(agents: Record<string, Record<string, string>>, extraYaml = ''): Setup {
  repo = tempRepo();
  const r = repo;
  socket = `recado-up-${process.pid}-${randomBytes(4).toString('hex')}`;
  const log = r.path('standin.log');
  writeFileSync(log, '');
  const env = { BOARD_TMUX_SOCKET: socket, STANDIN_LOG: log, STANDIN_BIN: BIN };
  for (const name of Object.keys(agents)) expect(r.board(['agent', 'add', name]).code).toBe(0);
  const yaml = r.read('.board', 'board.yaml').replace(/^agents:[\s\S]*$/m, () => {
    const lines = ['agents:'];
    for (const [name, fields] of Object.entries(agents)) {
      lines.push(`  ${name}:`);
      for (const [k, v] of Object.entries({ kind: 'claude', command: `node ${STANDIN}`, ...fields }))
        lines.push(`    ${k}: ${JSON.stringify(v)}`);
    }
    return lines.join('\n') + `\nprograms: [standin]\n${extraYaml}`;
  });
  writeFileSync(r.path('.board', 'board.yaml'), yaml);
  return {
    r,
    env,
    log,
    entries: (agent) =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => !agent || e.agent === agent),
    tmux: (...args) => spawnSync('tmux', ['-L', socket!, ...args], { encoding: 'utf8' }),
    state: (agent) => {
      try {
        return JSON.parse(readFileSync(r.path('.board', 'run', 'agents', `${agent}.json`), 'utf8')) as Record<
          string,
          unknown
        >;
      } catch {
        return null;
      }
    },
  };
}

/** waitFor, and on a timeout the agents' states and the stand-in's log in the error. */
async function until<T>(s: Setup, fn: () => T | undefined | false | null, ms: number): Promise<T> {
  try {
    return await waitFor(fn, ms);
  } catch (e) {
    const states = ['ana', 'bob'].map((a) => JSON.stringify(s.state(a)));
    const exitLog = s.r.path('.board', 'run', 'agents', 'ana.exit.log');
    if (existsSync(exitLog)) states.push(readFileSync(exitLog, 'utf8'));
    states.push(s.tmux('list-panes', '-a', '-F', '#{pane_id} #{pane_dead} #{pane_pid} #{pane_current_command}').stdout);
    throw new Error(
      `${(e as Error).message}\nstates: ${states.join('\n')}\nlog:\n${readFileSync(s.log, 'utf8').slice(-3000)}`,
    );
  }
}

const statusState = (s: Setup, agent: string) => {
  const st = s.r.board(['status', '--json'], { env: s.env });
  expect(st.code, st.stderr).toBe(0);
  return (
    (JSON.parse(st.stdout).agents as Array<{ name: string; state: { state: string } | null }>).find(
      (a) => a.name === agent,
    )?.state ?? null
  );
};

describe.skipIf(!HAVE_TMUX)('board up with a stand-in agent', () => {
  it('up starts each agent in its window with its prompt and hooks; states from hooks; peek; up again leaves it alone; down stops it', async () => {
    const s = setup({ ana: { role: 'backend' }, bob: {} });
    const up = s.r.board(['up', '--json', '--no-watch'], { env: s.env });
    expect(up.code, up.stderr).toBe(0);
    const j = JSON.parse(up.stdout);
    expect(j.agents.map((a: { agent: string; action: string }) => [a.agent, a.action])).toEqual([
      ['ana', 'started'],
      ['bob', 'started'],
    ]);
    expect(j.agents[0].hooks).toBe(s.r.path('.claude', 'settings.local.json'));
    const settings = JSON.parse(s.r.read('.claude', 'settings.local.json'));
    expect(Object.keys(settings.hooks).sort()).toEqual([
      'Notification',
      'PostToolUse',
      'PreToolUse',
      'SessionEnd',
      'SessionStart',
      'Stop',
      'UserPromptSubmit',
    ]);

    // the program got its prompt and its environment, and runs in a window named after the agent
    await until(s, () => s.entries('ana').some((e) => e.started), 20_000);
    const started = s.entries('ana').find((e) => e.started)!;
    expect(started.prompt).toContain('ana');
    expect(started.cwd).toBe(s.r.dir);
    await until(s, () => s.entries('bob').some((e) => e.started), 20_000);
    const windows = s.tmux('list-windows', '-a', '-F', '#{window_name} #{pane_current_command}').stdout;
    expect(windows).toMatch(/^ana standin$/m);
    expect(windows).toMatch(/^bob standin$/m);

    // its hooks drove the state: working during the opening turn, idle after Stop
    await until(
      s,
      () =>
        s.state('ana')?.state === 'idle' && s.state('ana')?.event === 'Stop' && s.entries('ana').some((e) => e.idle),
      20_000,
    );
    expect(
      s
        .entries('ana')
        .filter((e) => e.event)
        .map((e) => e.event),
    ).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop']);
    expect(statusState(s, 'ana')).toMatchObject({ state: 'idle' });

    // a long turn: working with its last tool
    expect(s.tmux('send-keys', '-t', '=' + j.session + ':=ana', '-l', 'work 3000').status).toBe(0);
    expect(s.tmux('send-keys', '-t', '=' + j.session + ':=ana', 'Enter').status).toBe(0);
    await until(s, () => s.state('ana')?.state === 'working' && s.state('ana')?.tool === 'Bash', 10_000);
    expect(statusState(s, 'ana')).toMatchObject({ state: 'working', tool: 'Bash' });
    await until(s, () => s.state('ana')?.state === 'idle', 20_000);

    // peek: its screen, without control characters
    const peek = s.r.board(['peek', 'ana', '--lines', '50'], { env: s.env });
    expect(peek.code, peek.stderr).toBe(0);
    expect(peek.stdout).toContain('working…');
    expect(peek.stdout).not.toMatch(/\u001b/);

    // up again: running agents are left alone
    const again = s.r.board(['up', '--json', '--no-watch'], { env: s.env });
    expect(JSON.parse(again.stdout).agents.map((a: { action: string }) => a.action)).toEqual(['running', 'running']);
    expect(s.entries('ana').filter((e) => e.started)).toHaveLength(1);

    // down: interrupted, window closed, state stopped
    const pid = Number(
      s.tmux('display-message', '-p', '-t', String(s.state('ana')!.target), '#{pane_pid}').stdout.trim(),
    );
    const down = s.r.board(['down', 'ana', '--json'], { env: s.env });
    expect(down.code, down.stderr).toBe(0);
    if (JSON.parse(down.stdout).agents[0].how !== 'SIGINT')
      console.log(
        pid,
        down.stdout,
        spawnSync('ps', ['-o', 'pid,stat,cmd', '-p', String(pid)], { encoding: 'utf8' }).stdout,
        readFileSync(s.log, 'utf8').slice(-1500),
      );
    expect(JSON.parse(down.stdout).agents[0]).toMatchObject({ agent: 'ana', action: 'stopped' });
    expect(['SIGINT', 'SIGTERM', 'SIGKILL']).toContain(JSON.parse(down.stdout).agents[0].how);
    expect(s.tmux('list-windows', '-a', '-F', '#{window_name}').stdout).not.toMatch(/^ana$/m);
    expect(s.state('ana')?.state).toBe('stopped');
    expect(statusState(s, 'ana')).toMatchObject({ state: 'stopped' });
    expect(s.r.board(['peek', 'ana'], { env: s.env }).code).toBe(3);
  }, 90_000);

  it('a recado landing during a turn is handed over by the Stop hook; the working agent is never typed into; an idle agent is woken by the fixed notice', async () => {
    const s = setup({ ana: {}, olga: { command: 'sleep 600', kind: 'generic' } });
    const w = startWatcherProcess(s.r.dir, { env: s.env, track: procs });
    await w.until((e) => e.type === 'ready', 20_000);
    expect(s.r.board(['up', 'ana', '--json'], { env: s.env }).code).toBe(0);
    await until(s, () => s.state('ana')?.state === 'idle' && s.entries('ana').some((e) => e.idle), 20_000);
    const session = JSON.parse(s.r.board(['up', 'ana', '--json'], { env: s.env }).stdout).session as string;

    // a turn of 4 s; a recado lands during it
    s.tmux('send-keys', '-t', `=${session}:=ana`, '-l', 'work 4000');
    s.tmux('send-keys', '-t', `=${session}:=ana`, 'Enter');
    await until(s, () => s.state('ana')?.state === 'working', 10_000);
    expect(
      s.r.board(['send', 'ana', 'the API is ready', '--subject', 'API', '--as', 'olga'], { env: s.env }).code,
    ).toBe(0);
    await until(s, () => s.entries('ana').some((e) => e.continued), 20_000);
    const cont = s.entries('ana').find((e) => e.continued)!;
    expect(cont.reason).toContain('the API is ready');
    await until(s, () => s.state('ana')?.state === 'idle', 10_000);
    // never typed into while working: the only typed line is the test's own
    expect(
      s
        .entries('ana')
        .filter((e) => e.typed)
        .map((e) => e.typed),
    ).toEqual(['work 4000']);
    expect(s.r.board(['inbox', '--as', 'ana', '--json'], { env: s.env }).stdout.trim()).toBe('[]');

    // idle: a recado wakes it with the fixed notice (no text of the sender), and it reads it
    const t0 = Date.now();
    expect(
      s.r.board(['send', 'ana', 'please review', '--subject', '"$(touch /tmp/PWNED-up)" now', '--as', 'olga'], {
        env: s.env,
      }).code,
    ).toBe(0);
    await until(s, () => s.entries('ana').filter((e) => e.typed).length === 2, 15_000);
    expect(s.entries('ana').filter((e) => e.typed)[1].typed).toBe('recado: 1 new for ana (board inbox)');
    await until(
      s,
      () => s.entries('ana').some((e) => e.event === 'UserPromptSubmit' && String(e.out).includes('please review')),
      10_000,
    );
    await w.until((e) => e.type === 'woken' && e.agent === 'ana', 20_000);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(existsSync('/tmp/PWNED-up')).toBe(false);
  }, 120_000);

  it('never types into a shell, `script` or a program not on the list; no sender text reaches the pane', async () => {
    const s = setup({
      ann: { tmux: 'team:0.0', notify_every: '1s' },
      ben: { tmux: 'team:1.0' },
      cid: { tmux: 'team:2.0' },
      dan: {},
    });
    rmSync('/tmp/PWNED', { force: true });
    expect(
      s.tmux('new-session', '-d', '-s', 'team', '-x', '160', '-y', '30', 'script -q -c bash /dev/null').status,
    ).toBe(0);
    expect(s.tmux('new-window', '-t', 'team', 'bash').status).toBe(0);
    expect(s.tmux('new-window', '-t', 'team', 'cat').status).toBe(0);
    const w = startWatcherProcess(s.r.dir, { env: s.env, track: procs });
    await w.until((e) => e.type === 'ready', 20_000);
    writeFileSync(
      s.r.path('.board', 'outbox', 'dan', 'm.md'),
      '---\nto: [ann, ben, cid]\nsubject: "\\"$(touch /tmp/PWNED)\\""\n---\n`touch /tmp/PWNED`\n',
    );
    for (const a of ['ann', 'ben', 'cid']) await w.until((e) => e.type === 'notified' && e.agent === a, 20_000);
    const notified = w.events().filter((e) => e.type === 'notified');
    for (const e of notified) expect(e.how, String(e.agent)).toBe('message');
    expect(notified.find((e) => e.agent === 'ann')!.command).toBe('script');
    await new Promise((res) => setTimeout(res, 1500)); // a shell would have run it by now
    expect(existsSync('/tmp/PWNED')).toBe(false);
    for (const p of ['team:0.0', 'team:1.0', 'team:2.0'])
      expect(s.tmux('capture-pane', '-p', '-t', p).stdout).not.toContain('recado');
  }, 60_000);

  // flaky (about one run in three fails to see the death report in time): retried until the cause is found
  it(
    'a killed agent is reported and restarted with a recovery prompt (restart: on-failure)',
    { retry: 2 },
    async () => {
      const s = setup({
        ana: { restart: 'on-failure' },
        olga: { role: 'orchestrator', kind: 'generic', command: 'sleep 600' },
      });
      // the watcher that board up would start (its check stands behind tmux's pane-died hook)
      const w = startWatcherProcess(s.r.dir, { env: s.env, track: procs });
      await w.until((e) => e.type === 'ready', 30_000);
      expect(s.r.board(['up', 'ana', '--json'], { env: s.env }).code).toBe(0);
      await until(s, () => s.state('ana')?.state === 'idle' && s.entries('ana').some((e) => e.idle), 20_000);
      const pid = Number(
        s.tmux('display-message', '-p', '-t', String(s.state('ana')!.target), '#{pane_pid}').stdout.trim(),
      );
      process.kill(pid, 'SIGKILL');
      await until(s, () => s.entries('ana').filter((e) => e.started).length === 2, 20_000);
      const second = s.entries('ana').filter((e) => e.started)[1];
      expect(second.prompt).toBeDefined();
      expect(readFileSync(s.r.path('.board', 'run', 'agents', 'ana.prompt.md'), 'utf8')).toContain('## Recovery');
      expect((s.state('ana')!.restarts as string[]).length).toBe(1);
      const reported = () =>
        (
          JSON.parse(s.r.board(['inbox', '--as', 'olga', '--json']).stdout) as Array<{ from: string; subject: string }>
        ).some((m) => m.from === 'board' && /ana was killed by signal (9|unknown)/.test(m.subject));
      // signal 9 when tmux's pane-died hook records the exit; when it does not fire in time, the
      // watcher's safety net finds the pane dead, and tmux then reports no status or signal: unknown
      try {
        await until(s, reported, 30_000);
      } catch (e) {
        const inboxes = ['olga', 'test-person'].map(
          (n) => `${n}: ${s.r.board(['inbox', '--as', n, '--json', '--all']).stdout}`,
        );
        throw new Error(
          `${(e as Error).message}\nwatcher: ${w
            .events()
            .filter((x) => x.type === 'agent_exit' || x.type === 'delivered')
            .map((x) => JSON.stringify(x))
            .join('\n')}\n${inboxes.join('\n')}`,
        );
      }
      await until(
        s,
        () => s.state('ana')?.state === 'idle' && s.entries('ana').filter((e) => e.idle).length === 2,
        20_000,
      );

      // an exit 0 is not a failure: stopped, not restarted
      s.tmux('send-keys', '-t', String(s.state('ana')!.target), '-l', 'exit 0');
      s.tmux('send-keys', '-t', String(s.state('ana')!.target), 'Enter');
      await until(s, () => s.state('ana')?.state === 'stopped', 20_000);
      expect(s.entries('ana').filter((e) => e.started)).toHaveLength(2);
    },
    90_000,
  );
});
