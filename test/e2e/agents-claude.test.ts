/**
 * `kind: claude` end to end with the REAL Claude Code CLI, offline: a scripted Messages API on
 * 127.0.0.1, a private tmux server. Skipped (with a message) when no `claude` binary is found:
 * set RECADO_CLAUDE_BIN, or install it (`npm install --prefix .cache/claude
 * @anthropic-ai/claude-code`; .ci/run may do so). Not a dev dependency: it is a large native
 * binary that declares node >= 22.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, startWatcherProcess, tempRepo, waitFor, type TempRepo } from '../helpers.js';
import { removeTmuxDir } from './tmux-dir.js';

function findClaude(): string | null {
  const candidates = [
    process.env.RECADO_CLAUDE_BIN,
    join(ROOT, '.cache', 'claude', 'node_modules', '.bin', 'claude'),
    join(ROOT, 'node_modules', '.bin', 'claude'),
  ];
  for (const c of candidates)
    if (c && existsSync(c) && spawnSync(c, ['--version'], { encoding: 'utf8', timeout: 20_000 }).status === 0) return c;
  const r = spawnSync('sh', ['-c', 'command -v claude'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}
const CLAUDE = findClaude();
const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
if (!CLAUDE)
  console.warn(
    'agents-claude.test.ts: no Claude Code CLI found (RECADO_CLAUDE_BIN, .cache/claude, PATH): the real-CLI tests are skipped',
  );

let repo: TempRepo | undefined;
let socket: string | undefined;
let server: Server | undefined;
let home: string | undefined;
const procs: ChildProcess[] = [];

afterEach(async () => {
  for (const p of procs) {
    if (p.exitCode !== null || p.signalCode !== null) continue;
    const gone = new Promise((res) => p.once('exit', res));
    p.kill('SIGKILL');
    await gone;
  }
  procs.length = 0;
  if (socket) spawnSync('tmux', ['-L', socket, 'kill-server']);
  const gone = socket;
  socket = undefined;
  await removeTmuxDir(gone);
  await new Promise((res) => (server ? server.close(res) : res(null)));
  server = undefined;
  repo?.cleanup();
  repo = undefined;
  if (home) rmSync(home, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  // Claude Code keeps a folder of its own in TMPDIR
  if (CLAUDE && process.getuid)
    rmSync(join(tmpdir(), `claude-${process.getuid()}`), {
      recursive: true,
      force: true,
      maxRetries: 5,
      retryDelay: 200,
    });
  home = undefined;
});

interface Req {
  body: Record<string, unknown>;
  text: string;
}

/** A scripted Messages API: answers each streaming request with what `reply` gives. */
async function messagesApi(
  reply: (req: Req, n: number) => { text?: string; tool?: { name: string; input: unknown } },
): Promise<{ port: number; requests: Req[] }> {
  const requests: Req[] = [];
  let toolN = 0;
  server = createServer((req, res) => {
    let buf = '';
    req.on('data', (d) => (buf += d));
    req.on('end', () => {
      if (!req.url?.startsWith('/v1/messages')) {
        res.writeHead(404).end('{}');
        return;
      }
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(buf);
      } catch {
        /* empty */
      }
      const r: Req = { body, text: buf };
      requests.push(r);
      const out = reply(r, requests.length);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const ev = (type: string, data: Record<string, unknown>) =>
        res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      ev('message_start', {
        message: {
          id: `msg_${requests.length}`,
          type: 'message',
          role: 'assistant',
          model: String(body.model ?? 'claude'),
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 10, output_tokens: 1 },
        },
      });
      if (out.tool) {
        ev('content_block_start', {
          index: 0,
          content_block: {
            type: 'tool_use',
            id: `toolu_${++toolN}_${randomBytes(4).toString('hex')}`,
            name: out.tool.name,
            input: {},
          },
        });
        ev('content_block_delta', {
          index: 0,
          delta: { type: 'input_json_delta', partial_json: JSON.stringify(out.tool.input) },
        });
      } else {
        ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
        ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: out.text ?? 'ok' } });
      }
      ev('content_block_stop', { index: 0 });
      ev('message_delta', {
        delta: { stop_reason: out.tool ? 'tool_use' : 'end_turn', stop_sequence: null },
        usage: { output_tokens: 5 },
      });
      ev('message_stop', {});
      res.end();
    });
  });
  await new Promise<void>((res) => server!.listen(0, '127.0.0.1', () => res()));
  const addr = server.address();
  return { port: typeof addr === 'object' && addr ? addr.port : 0, requests };
}

describe.skipIf(!CLAUDE || !HAVE_TMUX)('kind: claude with the real Claude Code CLI', () => {
  it('board up starts claude with its prompt; hooks drive the state; a mid-turn recado rides the Stop hook; an idle claude is woken by the notice', async () => {
    repo = tempRepo();
    const r = repo;
    git(r.dir);
    home = realpathSync(mkdtempSync(join(tmpdir(), 'recado-claude-home-')));
    socket = `recado-claude-${process.pid}-${randomBytes(4).toString('hex')}`;
    const key = 'sk-ant-dummy-0123456789abcdefghij';
    writeFileSync(
      join(home, '.claude.json'),
      JSON.stringify({
        hasCompletedOnboarding: true,
        customApiKeyResponses: { approved: [key.slice(-20)], rejected: [] },
        projects: { [r.dir]: { hasTrustDialogAccepted: true } },
      }),
    );
    mkdirSync(join(home, '.claude'), { recursive: true });

    const api = await messagesApi((req) => {
      const t = req.text;
      if (t.includes('tool_result') && !t.includes('Stop hook feedback')) return { text: 'Listed the files.' };
      if (t.includes('recado: 1 new for ana')) return { text: 'Read the recado.' };
      if (t.includes('Stop hook feedback')) return { text: 'Noted the recado.' };
      return { tool: { name: 'Bash', input: { command: 'touch made-by-claude.txt', description: 'create a file' } } };
    });
    for (const n of ['ana', 'olga']) expect(r.board(['agent', 'add', n]).code).toBe(0);
    const yaml = r
      .read('.board', 'board.yaml')
      .replace(
        /^agents:[\s\S]*$/m,
        [
          'agents:',
          '  ana:',
          '    kind: claude',
          `    command: ${JSON.stringify(`${CLAUDE} --permission-mode default "$(cat "$BOARD_PROMPT_FILE")"`)}`,
          '  olga:',
          '    kind: generic',
          '    command: sleep 600',
          '',
        ].join('\n'),
      );
    writeFileSync(r.path('.board', 'board.yaml'), yaml);
    const env = {
      BOARD_TMUX_SOCKET: socket,
      HOME: home,
      ANTHROPIC_API_KEY: key,
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${api.port}`,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      IS_SANDBOX: '1',
      PATH: `${dirname(CLAUDE!)}:${process.env.PATH}`,
    };
    const w = startWatcherProcess(r.dir, { env, track: procs });
    await w.until((e) => e.type === 'ready', 30_000);
    const state = () => {
      try {
        return JSON.parse(r.read('.board', 'run', 'agents', 'ana.json'));
      } catch {
        return null;
      }
    };
    const tmux = (...a: string[]) => spawnSync('tmux', ['-L', socket!, ...a], { encoding: 'utf8' });

    const up = r.board(['up', 'ana', '--json'], { env });
    expect(up.code, up.stderr).toBe(0);
    const target = JSON.parse(up.stdout).agents[0].target as string;
    // the first request carries the prompt
    await waitFor(() => api.requests.length >= 1, 60_000);
    expect(api.requests[0].text).toContain('You are **ana**');
    expect(tmux('display-message', '-p', '-t', target, '#{pane_current_command}').stdout.trim()).toBe('claude');
    // PreToolUse → working (Bash); the permission prompt → waiting
    await waitFor(() => state()?.state === 'working' && state()?.tool === 'Bash', 60_000);
    // a recado lands mid-turn
    expect(r.board(['send', 'ana', 'the schema changed', '--subject', 'schema', '--as', 'olga'], { env }).code).toBe(0);
    await waitFor(() => state()?.state === 'waiting', 60_000);
    // approve the tool: the turn goes on, ends, and the Stop hook carries the recado into the next request
    tmux('send-keys', '-t', target, 'Enter');
    await waitFor(
      () => api.requests.some((q) => q.text.includes('Stop hook feedback') && q.text.includes('the schema changed')),
      60_000,
    );
    await waitFor(() => state()?.state === 'idle', 60_000);
    // an idle claude is woken by the fixed notice, and sends a request with the recado
    const before = api.requests.length;
    expect(r.board(['send', 'ana', 'please rebase', '--subject', 'rebase', '--as', 'olga'], { env }).code).toBe(0);
    await waitFor(
      () =>
        api.requests
          .slice(before)
          .some((q) => q.text.includes('recado: 1 new for ana') && q.text.includes('please rebase')),
      60_000,
    );
    await w.until((e) => e.type === 'woken' && e.agent === 'ana', 60_000);
  }, 300_000);
});

function git(dir: string): void {
  spawnSync('git', ['commit', '-q', '--allow-empty', '-m', 'start'], { cwd: dir });
}
