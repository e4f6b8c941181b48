// Conversations: what an agent's conversation pays at every prompt (`board hook claude`),
// `board status` and `board prompt` on a busy board (2,000 tickets, 5,000 recados in 6
// inboxes), how soon a `notify:` command runs after a recado is dropped, and the demo.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, board, env, sleep, summarize, tempBoard, timeProcess } from './lib.mjs';

export const name = 'conversations';
export const title = 'hook claude, status and prompt on a busy board; notify latency; the demo';
export const notes = `
On a busy board (thousands of tickets and recados). \`board hook claude\` with nothing unread
lists one folder and exits: it loads neither the YAML parser nor the lock library. \`status\`
reads the tickets through the derived cache, lists each inbox folder once, and reads at most
the 200 newest recados to find who sent what last.
`;

const TICKETS = 2_000;
const RECADOS = 5_000;
const AGENTS = ['ana', 'ben', 'cy', 'dee', 'eli', 'fay'];

function writeBoard(dir) {
  const b = join(dir, '.board');
  const stamp = '2026-11-21T09:00:00Z';
  for (let i = 0; i < TICKETS; i++) {
    const id = `T-${String(i).padStart(4, '0')}`;
    const dep = i >= 100 ? `[T-${String(i - 100).padStart(4, '0')}]` : '[]';
    const claim =
      i % 97 === 0 ? `claim:\n  by: ${AGENTS[i % 6]}\n  at: ${stamp}\n  expires: 2099-01-01T00:00:00Z\n` : '';
    writeFileSync(
      join(b, 'tickets', `${id}.md`),
      `---\nid: ${id}\ntitle: Ticket ${i}\nstatus: ${i < 1000 ? 'done' : 'todo'}\nassignee: ${AGENTS[i % 6]}\ndeps: ${dep}\npriority: 2\ncreated: ${stamp}\nupdated: ${stamp}\nupdated_by: ${AGENTS[(i + 1) % 6]}\n${claim}---\nBody ${i}.\n`,
    );
  }
  const yamlFile = join(b, 'board.yaml');
  writeFileSync(
    yamlFile,
    readFileSync(yamlFile, 'utf8').replace(
      /^agents: \{\}$/m,
      `agents:\n${AGENTS.map((a) => `  ${a}:\n    role: dev`).join('\n')}`,
    ),
  );
  for (const a of [...AGENTS, 'idle'])
    for (const box of ['new', 'cur']) mkdirSync(join(b, 'inbox', a, box), { recursive: true });
  mkdirSync(join(b, 'outbox', 'ana'), { recursive: true });
  const t0 = Date.parse(stamp);
  for (let i = 0; i < RECADOS; i++) {
    const id = `${(t0 + i * 1000).toString(36)}-${String(i).padStart(8, '0')}`;
    const from = AGENTS[i % 6];
    const to = AGENTS[(i + 1) % 6];
    writeFileSync(
      join(b, 'inbox', to, i % 3 ? 'cur' : 'new', `${id}.md`),
      `---\nid: ${id}\nfrom: ${from}\nto: ${to}\nsubject: message ${i}\nsent: ${new Date(t0 + i * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')}\n---\nBody ${i}.\n`,
    );
  }
}

export async function run() {
  const { dir, cleanup } = tempBoard();
  try {
    writeBoard(dir);
    await sleep(1200); // let the derived cache keep the files
    board(['status', '--json'], dir);
    board(['agent', 'add', 'idle'], dir);
    const node = timeProcess(process.execPath, ['-e', '0'], { cwd: dir, runs: 15 });
    const hookIdle = timeProcess(process.execPath, [BIN, 'hook', 'claude', '--as', 'idle'], { cwd: dir, runs: 15 });
    const status = timeProcess(process.execPath, [BIN, 'status', '--json'], { cwd: dir, runs: 8 });
    const prompt = timeProcess(process.execPath, [BIN, 'prompt', 'ana'], { cwd: dir, runs: 8 });

    // the hook with 10 unread recados (sent to `idle` before each run)
    const hookTen = [];
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 10; i++) board(['send', 'idle', `news ${round}.${i}`, '--as', 'ana'], dir);
      const t0 = process.hrtime.bigint();
      const r = board(['hook', 'claude', '--as', 'idle'], dir);
      hookTen.push(Number(process.hrtime.bigint() - t0) / 1e6);
      if ((r.stdout.match(/^--- recado /gm) ?? []).length !== 10) throw new Error('hook did not print 10 recados');
    }

    // notify: from a file dropped in an outbox to the agent's command having run
    const yamlFile = join(dir, '.board', 'board.yaml');
    writeFileSync(
      yamlFile,
      readFileSync(yamlFile, 'utf8').replace(
        /^ {2}ben:\n {4}role: dev$/m,
        '  ben:\n    role: dev\n    notify: cat > "notified-$BOARD_RECADO_ID"',
      ),
    );
    const watcher = spawn(process.execPath, [BIN, 'watch', '--json'], {
      cwd: dir,
      env: env(),
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let out = '';
    watcher.stdout.on('data', (d) => (out += d));
    for (let i = 0; i < 600 && !out.includes('"type":"ready"'); i++) await sleep(50);
    const latencies = [];
    for (let i = 0; i < 20; i++) {
      const before = out.length;
      const t0 = process.hrtime.bigint();
      writeFileSync(join(dir, '.board', 'outbox', 'ana', `n${i}.md`), `---\nto: ben\nsubject: ping ${i}\n---\nhi\n`);
      let id = null;
      for (let k = 0; k < 400; k++) {
        const m = /"type":"delivered"[^\n]*"id":"([^"]+)"/.exec(out.slice(before));
        if (m) id = m[1];
        if (id && existsSync(join(dir, `notified-${id}`))) break;
        await sleep(2);
      }
      latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      await sleep(30);
    }
    watcher.kill('SIGTERM');
    await new Promise((r) => watcher.once('exit', r));

    // the demo, once
    const d0 = Date.now();
    const demo = board(['demo', '--fast', '--clean', '--json'], dir, { allowFail: true });
    const demoSeconds = Math.round((Date.now() - d0) / 100) / 10;
    const demoOk = demo.status === 0 && JSON.parse(demo.stdout).ok === true;

    const notify = summarize(latencies);
    return {
      figures: {
        tickets: TICKETS,
        recados: RECADOS,
        node_e0_ms: node,
        hook_claude_nothing_unread_ms: hookIdle,
        hook_claude_10_unread_ms: summarize(hookTen),
        status_json_ms: status,
        prompt_ms: prompt,
        outbox_to_notify_command_ms: notify,
        demo_fast_seconds: demoSeconds,
      },
      checks: [
        {
          what: '`board hook claude` with nothing unread, p50 / `node -e 0` p50',
          value: Math.round((hookIdle.p50 / node.p50) * 10) / 10,
          limit: '<= 3',
          ok: hookIdle.p50 / node.p50 <= 3,
        },
        {
          what: '`board status --json` p50 on 2,000 tickets and 5,000 recados (ms)',
          value: status.p50,
          limit: '<= 1000',
          ok: status.p50 <= 1000,
        },
        {
          what: 'outbox drop to notify command run, p50 (ms)',
          value: notify.p50,
          limit: '<= 200',
          ok: notify.p50 <= 200,
        },
        {
          what: '`board demo --fast` exits 0 (s)',
          value: demoSeconds,
          limit: '< 30 and ok',
          ok: demoOk && demoSeconds < 30,
        },
      ],
    };
  } finally {
    cleanup();
  }
}
