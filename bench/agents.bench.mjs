// Running conversations: `board up` of 6 agents; a hook event until the new state shows in
// `board status --json`; a recado to an idle agent until it works again (the stand-in agent
// of the tests, in a private tmux server); recados landing during a turn that the agent saw
// before going idle (the Stop hook).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT, board, env, sleep, summarize, tempBoard } from './lib.mjs';

export const name = 'agents';
export const title =
  'board up of 6 agents; hook event -> status; recado -> idle agent working; recados seen before idle';

const STANDIN = join(ROOT, 'test', 'fixtures', 'standin-agent.mjs');
const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;

function setAgents(dir, agents) {
  for (const n of Object.keys(agents)) board(['agent', 'add', n], dir);
  const path = join(dir, '.board', 'board.yaml');
  const lines = ['agents:'];
  for (const [n, f] of Object.entries(agents)) {
    lines.push(`  ${n}:`);
    for (const [k, v] of Object.entries(f)) lines.push(`    ${k}: ${JSON.stringify(v)}`);
  }
  writeFileSync(
    path,
    readFileSync(path, 'utf8').replace(/^agents:[\s\S]*$/m, `${lines.join('\n')}\nprograms: [standin]\n`),
  );
}

const stateOf = (dir, a) => {
  try {
    return JSON.parse(readFileSync(join(dir, '.board', 'run', 'agents', `${a}.json`), 'utf8'));
  } catch {
    return null;
  }
};

async function until(fn, ms) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms`);
    await sleep(10);
  }
}

export async function run() {
  if (!HAVE_TMUX) return { figures: { skipped: 'tmux is not installed' }, checks: [] };
  const socket = `recado-bench-${process.pid}-${randomBytes(3).toString('hex')}`;
  const extraEnv = { BOARD_TMUX_SOCKET: socket };
  const { dir, cleanup } = tempBoard();
  const log = join(dir, 'standin.log');
  writeFileSync(log, '');
  let watcher;
  try {
    // the machine's own pace, for ratios: a bare node process, and `board --version`
    const nodeStart = summarize(
      Array.from({ length: 10 }, () => {
        const t = process.hrtime.bigint();
        spawnSync(process.execPath, ['-e', '0']);
        return Number(process.hrtime.bigint() - t) / 1e6;
      }),
    );
    const boardStart = summarize(
      Array.from({ length: 10 }, () => {
        const t = process.hrtime.bigint();
        spawnSync(process.execPath, [BIN, '--version']);
        return Number(process.hrtime.bigint() - t) / 1e6;
      }),
    );
    // 1. board up of 6 agents (kind claude: hooks installed; a program that just waits)
    const six = Object.fromEntries(
      ['a1', 'a2', 'a3', 'a4', 'a5', 'a6'].map((n) => [n, { kind: 'claude', command: 'sleep 600' }]),
    );
    setAgents(dir, {
      ...six,
      ana: { kind: 'claude', command: `node ${STANDIN}` },
      olga: { kind: 'generic', command: 'sleep 600' },
    });
    const ups = [];
    for (let i = 0; i < 3; i++) {
      const t0 = process.hrtime.bigint();
      board(['up', ...Object.keys(six), '--no-watch', '--json'], dir, { extraEnv });
      ups.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if (i < 2) board(['down', ...Object.keys(six), '--timeout', '1s', '--json'], dir, { extraEnv });
    }

    // 2. a hook event until status --json shows the new state
    const hookMs = [];
    const statusMs = [];
    const events = [
      ['UserPromptSubmit', 'working'],
      ['PreToolUse', 'working'],
      ['Stop', 'idle'],
    ];
    for (let i = 0; i < 30; i++) {
      const [ev, want] = events[i % events.length];
      const t0 = process.hrtime.bigint();
      spawnSync(process.execPath, [BIN, 'hook', 'claude', '--as', 'a1', '--json'], {
        cwd: dir,
        env: env(),
        input: JSON.stringify({ hook_event_name: ev, tool_name: 'Bash' }),
      });
      const t1 = process.hrtime.bigint();
      const st = JSON.parse(board(['status', '--json'], dir, { extraEnv }).stdout);
      const t2 = process.hrtime.bigint();
      if (st.agents.find((a) => a.name === 'a1').state.state !== want)
        throw new Error(`status did not show ${want} after ${ev}`);
      hookMs.push(Number(t1 - t0) / 1e6);
      statusMs.push(Number(t2 - t0) / 1e6);
    }

    // 3. recado to an idle stand-in agent -> working; 4. recados landing during a turn
    watcher = spawn(process.execPath, [BIN, 'watch', '--json'], {
      cwd: dir,
      env: env(extraEnv),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    watcher.stdout.on('data', (d) => (out += d));
    await until(() => out.includes('"ready"'), 30_000);
    board(['up', 'ana', '--json'], dir, { extraEnv: { ...extraEnv, STANDIN_LOG: log, STANDIN_BIN: BIN } });
    await until(() => stateOf(dir, 'ana')?.state === 'idle' && stateOf(dir, 'ana')?.event === 'Stop', 30_000);
    const wake = [];
    for (let i = 0; i < 5; i++) {
      const t0 = Date.now();
      board(['send', 'ana', `wake ${i}`, '--as', 'olga'], dir);
      await until(
        () => stateOf(dir, 'ana')?.state === 'working' && Date.parse(stateOf(dir, 'ana').since) >= t0 - 5,
        20_000,
      );
      wake.push(Date.now() - t0);
      await until(() => stateOf(dir, 'ana')?.state === 'idle', 20_000);
      await sleep(300);
    }
    const target = stateOf(dir, 'ana').target;
    const tmux = (...a) => spawnSync('tmux', ['-L', socket, ...a]);
    tmux('send-keys', '-t', target, '-l', 'work 15000');
    tmux('send-keys', '-t', target, 'Enter');
    await until(() => stateOf(dir, 'ana')?.state === 'working', 20_000);
    const during = [];
    for (let i = 0; i < 5; i++)
      during.push(board(['send', 'ana', `during ${i}`, '--as', 'olga', '--json'], dir).stdout);
    const stillWorking = stateOf(dir, 'ana')?.state === 'working'; // all five landed during the turn
    const ids = during.map((s) => JSON.parse(s).id);
    await until(
      () =>
        stateOf(dir, 'ana')?.state === 'idle' &&
        readFileSync(log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
          .filter((e) => e.agent === 'ana' && e.idle).length >= 7,
      60_000,
    );
    const seen = readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((e) => e.continued)
      .map((e) => e.reason)
      .join('\n');
    const seenCount = ids.filter((id) => seen.includes(id)).length;

    const up = summarize(ups);
    const hook = summarize(hookMs);
    const st = summarize(statusMs);
    const w = summarize(wake);
    return {
      figures: {
        up_6_agents_ms: up,
        hook_event_process_ms: hook,
        hook_event_to_status_json_ms: st,
        recado_to_idle_agent_working_ms: w,
        recados_during_turn: ids.length,
        recados_during_turn_seen_before_idle: seenCount,
        all_sent_while_working: stillWorking,
        node_start_ms: nodeStart,
        board_version_ms: boardStart,
      },
      checks: [
        { what: 'board up of 6 agents (median ms)', value: up.p50, limit: '<= 3000', ok: up.p50 <= 3000 },
        { what: 'hook event -> state written (p99 ms)', value: hook.p99, limit: '<= 200', ok: hook.p99 <= 200 },
        { what: 'recado to an idle agent -> working (p50 ms)', value: w.p50, limit: '<= 2000', ok: w.p50 <= 2000 },
        {
          what: 'recados landing during a turn seen before idle',
          value: `${seenCount}/${ids.length}`,
          limit: 'all',
          ok: seenCount === ids.length,
        },
      ],
    };
  } finally {
    if (watcher) {
      watcher.kill('SIGTERM');
      await new Promise((r) => (watcher.exitCode !== null ? r() : watcher.once('exit', r)));
    }
    spawnSync('tmux', ['-L', socket, 'kill-server']);
    cleanup();
  }
}
