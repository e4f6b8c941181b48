/**
 * Notifications from a real watcher: the tmux notice in real panes of a private tmux server
 * (skipped when tmux is not on PATH), and the notify command with the recado on stdin.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { escapeFormat, nextNoticeAt, noticeText, oneLine, parsePaneInfo, pokeHow } from '../../src/core/notify.js';
import { boardSpawn, tempRepo, waitFor, type TempRepo } from '../helpers.js';
import { removeTmuxDir } from './tmux-dir.js';

const HAVE_TMUX = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
if (!HAVE_TMUX)
  console.warn(
    'notify.test.ts: tmux is not on PATH, so the tmux notice tests are skipped (.ci/run installs tmux when it can)',
  );

let repo: TempRepo | undefined;
const procs: ChildProcess[] = [];
let tmuxSocket: string | undefined;

afterEach(async () => {
  for (const p of procs) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const gone = new Promise((res) => p.once('exit', res));
    p.kill('SIGKILL');
    await gone;
  }
  procs.length = 0;
  if (tmuxSocket) spawnSync('tmux', ['-L', tmuxSocket, 'kill-server']); // only the private server this test started
  const gone = tmuxSocket;
  tmuxSocket = undefined;
  await removeTmuxDir(gone);
  repo?.cleanup();
  repo = undefined;
});

interface Watch {
  proc: ChildProcess;
  events: () => Record<string, unknown>[];
}

async function startWatch(r: TempRepo, env: Record<string, string> = {}): Promise<Watch> {
  const proc = boardSpawn(['watch', '--json'], { cwd: r.dir, env });
  procs.push(proc);
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  const events = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  await waitFor(() => events().some((e) => e.type === 'ready'), 20_000);
  return { proc, events };
}

function setAgents(r: TempRepo, agents: Record<string, Record<string, string>>): void {
  for (const name of Object.keys(agents)) expect(r.board(['agent', 'add', name]).code).toBe(0);
  let yaml = r.read('.board', 'board.yaml');
  for (const [name, fields] of Object.entries(agents)) {
    const lines = Object.entries(fields)
      .map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`)
      .join('\n');
    yaml = yaml.replace(new RegExp(`^ {2}${name}: \\{\\}$`, 'm'), `  ${name}:\n${lines}`);
  }
  writeFileSync(r.path('.board', 'board.yaml'), yaml);
  expect(r.board(['agent', 'list']).code).toBe(0); // still valid
}

const tmux = (...args: string[]) => spawnSync('tmux', ['-L', tmuxSocket!, ...args], { encoding: 'utf8' });
const capture = (target: string) => tmux('capture-pane', '-p', '-t', target).stdout;

describe('tmux notices', () => {
  it.skipIf(!HAVE_TMUX)(
    'types one coalesced notice into an idle conversation pane, at most one per notify_every; never into a shell or a busy pane',
    async () => {
      repo = tempRepo();
      const r = repo;
      tmuxSocket = `recado-test-${process.pid}-${randomBytes(4).toString('hex')}`;
      // window 0: a program that echoes what is typed (stands in for a conversation program)
      expect(tmux('new-session', '-d', '-s', 'team', '-x', '160', '-y', '30', 'cat').status).toBe(0);
      // window 1: a program that prints for 3 s, then says QUIET and waits
      const busy =
        "let i=0;const t=setInterval(()=>console.log('working',i++),50);setTimeout(()=>{clearInterval(t);console.log('QUIET');setInterval(()=>{},1e4)},3000)";
      expect(tmux('new-window', '-t', 'team', 'node', '-e', busy).status).toBe(0);
      // window 2: a shell
      expect(tmux('new-window', '-t', 'team', 'sh').status).toBe(0);
      setAgents(r, {
        ana: { tmux: 'team:0.0', notify_every: '2s' },
        bob: { tmux: 'team:1.0' },
        carol: { tmux: 'team:2.0' },
        erin: { tmux: 'nosuch:9' },
        dan: {},
      });
      // cat and node stand in for agent CLIs here: on the list of programs a notice may be typed into
      writeFileSync(r.path('.board', 'board.yaml'), `${r.read('.board', 'board.yaml')}\nprograms: [cat, node]\n`);
      const w = await startWatch(r, { BOARD_TMUX_SOCKET: tmuxSocket });
      const notified = (agent: string) => w.events().filter((e) => e.type === 'notified' && e.agent === agent);

      // three recados at once: one notice
      const t0 = Date.now();
      for (let i = 1; i <= 3; i++)
        writeFileSync(
          r.path('.board', 'outbox', 'dan', `m${i}.md`),
          `---\nto: [ana, bob, carol, erin]\nsubject: hello ${i}\n---\nbody\n`,
        );
      await waitFor(() => notified('ana').length === 1, 10_000);
      // (the three are routed in whatever order the outbox lists them: any may be the latest)
      expect(capture('team:0.0')).toContain('recado: 3 new for ana (board inbox)');
      expect(capture('team:0.0')).not.toContain('hello'); // no text of the sender
      expect(notified('ana')[0]).toMatchObject({
        via: 'tmux',
        how: 'type',
        target: 'team:0.0',
        recados: 3,
        command: 'cat',
      });

      // the next one waits for notify_every (2 s) after the first
      expect(r.board(['send', 'ana', 'one more', '--subject', 'later', '--as', 'dan']).code).toBe(0);
      await waitFor(() => notified('ana').length === 2, 10_000);
      expect(capture('team:0.0')).toContain('recado: 4 new for ana (board inbox)');
      const [first, second] = notified('ana');
      expect(Date.parse(second.time as string) - Date.parse(first.time as string)).toBeGreaterThanOrEqual(2000);
      expect(second.recados).toBe(1);

      // the busy pane got its notice only once its program stopped printing
      await waitFor(() => notified('bob').length === 1, 15_000);
      expect(Date.now() - t0).toBeGreaterThan(2900);
      const lines = capture('team:1.0').split('\n');
      const quiet = lines.findIndex((l) => l.includes('QUIET'));
      const notice = lines.findIndex((l) => l.includes('recado: 3 new for bob (board inbox)'));
      expect(quiet).toBeGreaterThanOrEqual(0);
      expect(notice).toBeGreaterThan(quiet);
      expect(notified('bob')[0]).toMatchObject({ how: 'type', command: 'node' });

      // a shell gets the notice on the status line, nothing typed
      await waitFor(() => notified('carol').length === 1, 10_000);
      expect(notified('carol')[0]).toMatchObject({ how: 'message', command: 'sh' });
      expect(capture('team:2.0')).not.toContain('recado:');

      // a pane that does not exist: reported once, and delivery goes on
      await waitFor(() => w.events().some((e) => e.type === 'notify_error' && e.agent === 'erin'), 10_000);
      expect(w.events().find((e) => e.type === 'notify_error' && e.agent === 'erin')!.message).toMatch(
        /cannot reach tmux pane nosuch:9/,
      );
      expect(readdirSync(r.path('.board', 'inbox', 'erin', 'new'))).toHaveLength(3);
    },
  );
});

describe('notify command', () => {
  it('runs through sh -c with the recado as JSON on stdin; a failing or hanging command is logged, never fatal', async () => {
    repo = tempRepo();
    const r = repo;
    setAgents(r, {
      ana: {
        notify:
          'cat > "notified-$BOARD_RECADO_ID.json"; echo "$BOARD_AGENT $BOARD_RECADO_FILE" > "env-$BOARD_RECADO_ID.txt"',
      },
      bob: { notify: 'echo broken >&2; exit 3' },
      carol: { notify: 'sleep 60' },
      dan: {},
    });
    // long enough for ana's and bob's commands on a busy machine; carol's never ends
    const w = await startWatch(r, { BOARD_NOTIFY_TIMEOUT_MS: '4000' });
    writeFileSync(
      r.path('.board', 'outbox', 'dan', 'a.md'),
      '---\nto: [ana, bob, carol]\nsubject: The contract\nticket: T-1\n---\nIt is ready.\n',
    );
    const sent = JSON.parse(r.board(['send', 'ana', 'second', '--as', 'dan', '--json']).stdout);

    // a notified-*.json file is complete once its command has run (the watcher logs `notified`)
    await waitFor(() => w.events().filter((e) => e.type === 'notified' && e.agent === 'ana').length === 2, 10_000);
    const files = readdirSync(r.dir).filter((n) => n.startsWith('notified-'));
    expect(files).toHaveLength(2);
    const got = files.map((f) => JSON.parse(readFileSync(r.path(f), 'utf8')));
    const first = got.find((g) => g.subject === 'The contract');
    expect(first).toMatchObject({
      from: 'dan',
      to: ['ana', 'bob', 'carol'],
      subject: 'The contract',
      ticket: 'T-1',
      body: 'It is ready.\n',
      read: false,
    });
    expect(Object.keys(first)).toEqual([
      'id',
      'from',
      'to',
      'subject',
      'ticket',
      'reply_to',
      'sent',
      'body',
      'read',
      'extra',
    ]);
    expect(got.find((g) => g.id === sent.id)).toMatchObject({ body: 'second\n' });
    const env = readFileSync(r.path(`env-${first.id}.txt`), 'utf8').trim();
    expect(env).toBe(`ana ${r.path('.board', 'inbox', 'ana', 'new', `${first.id}.md`)}`);

    await waitFor(() => w.events().filter((e) => e.type === 'notify_error').length === 2, 10_000);
    const errors = w.events().filter((e) => e.type === 'notify_error');
    expect(errors.find((e) => e.agent === 'bob')!.message).toMatch(/exit 3: broken/);
    expect(errors.find((e) => e.agent === 'carol')!.message).toMatch(/killed after 4 s/);

    // the watcher is fine: it still routes
    writeFileSync(r.path('.board', 'outbox', 'dan', 'b.md'), '---\nto: dan\n---\nto myself\n');
    await waitFor(
      () =>
        existsSync(r.path('.board', 'inbox', 'dan', 'new')) &&
        readdirSync(r.path('.board', 'inbox', 'dan', 'new')).length === 1,
    );
    w.proc.kill('SIGTERM');
    expect(await new Promise((res) => w.proc.once('exit', res))).toBe(0);
  });
});

describe('notices (pure)', () => {
  it('a fixed line; only known agent CLIs are typed into, everything else gets the status line; the rate', () => {
    expect(noticeText('ana', 1)).toBe('recado: 1 new for ana (board inbox)');
    expect(oneLine('a'.repeat(500), 80)).toHaveLength(80);
    expect(escapeFormat('"#(rm -rf ~)" #{pane_id}')).toBe('"##(rm -rf ~)" ##{pane_id}');
    for (const cmd of [
      'bash',
      '-zsh',
      'fish',
      'vim',
      'less',
      '/usr/bin/nano',
      'node',
      'codex',
      'python3',
      'cat',
      'script',
    ])
      expect(pokeHow({ command: cmd, inMode: false, dead: false }), cmd).toBe('message');
    for (const cmd of ['claude', 'gemini', 'aider'])
      expect(pokeHow({ command: cmd, inMode: false, dead: false }), cmd).toBe('type');
    expect(pokeHow({ command: 'cat', inMode: false, dead: false }, ['cat'])).toBe('type');
    expect(pokeHow({ command: 'claude', inMode: false, dead: true })).toBe('message');
    expect(parsePaneInfo('1 0 claude\n')).toEqual({ command: 'claude', inMode: true, dead: false });
    expect(parsePaneInfo('0 0 my prog\n')).toEqual({ command: 'my prog', inMode: false, dead: false });
    expect(nextNoticeAt(null, 1000, 30_000)).toBe(1250);
    expect(nextNoticeAt(1000, 2000, 30_000)).toBe(31_000);
    expect(nextNoticeAt(1000, 40_000, 30_000)).toBe(40_250);
  });
});
