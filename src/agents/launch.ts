/**
 * `board up` and `board down`: each agent's program in a window of the board's tmux session,
 * in its worktree, started with its prompt, its hooks installed, its exit watched by tmux
 * (`remain-on-exit` + a `pane-died` hook that runs `board hook exit`).
 */
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import {
  applyExit,
  initialState,
  launchScript,
  recentRestarts,
  shouldRestart,
  type AgentRunState,
} from '../core/agents.js';
import type { AgentConfig, BoardConfig } from '../core/config.js';
import { BoardError, notFound, usageError } from '../core/errors.js';
import { writeAtomic } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import { packagePath } from '../store/package.js';
import { boardCommand, installClaudeHooks } from './hooks.js';
import { recoveryPrompt, renderAgentPrompt } from './prompt.js';
import { readAgentState, updateAgentState, writeAgentState } from '../store/agent-state.js';
import {
  currentSocket,
  hasSession,
  paneFacts,
  sessionName,
  shQuote,
  tmux,
  tmuxOk,
  tmuxSocketArgs,
  useSocket,
  type PaneFacts,
} from './tmux.js';
import { ensureDir } from '../store/nolink.js';

export interface UpRow {
  agent: string;
  /** started | running (left alone) | restarted (its dead pane respawned) */
  action: 'started' | 'running' | 'restarted';
  kind: string;
  target: string;
  window: string;
  cwd: string;
  hooks: string | null;
}

const node = () => process.execPath;
const bin = () => packagePath('bin', 'board');

/** The folder an agent's program runs in: its worktree (made when missing), else the repository. */
async function cwdOf(board: Board, name: string, conf: AgentConfig): Promise<string> {
  if (!conf.worktree) return board.repo;
  const path = isAbsolute(conf.worktree) ? conf.worktree : join(board.repo, conf.worktree);
  if (existsSync(path)) return path;
  const { addAgentWorktree } = await import('../git/worktree.js');
  return (await addAgentWorktree(board, name, { path, cwd: board.repo })).path;
}

/** Variables of the terminal itself, never handed on (tmux sets its own). */
const TERMINAL_VARS = new Set([
  'TERM',
  'TMUX',
  'TMUX_PANE',
  'COLUMNS',
  'LINES',
  'SHLVL',
  'PWD',
  'OLDPWD',
  '_',
  'BOARD_AGENT',
  'BOARD_DIR',
  'BOARD_PROMPT_FILE',
  'BOARD_TMUX_SOCKET',
]);

/**
 * The environment of an agent's program: the environment `board up` runs in (API keys,
 * PATH: as if the person had started the program from that shell; a tmux server started
 * earlier would otherwise give its own, older one), then who it is, where the board is and
 * its prompt.
 */
function agentEnv(board: Board, name: string): string[] {
  const env = Object.entries(process.env)
    .filter(([k, v]) => v !== undefined && !TERMINAL_VARS.has(k) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .map(([k, v]) => `${k}=${v}`);
  env.push(`BOARD_AGENT=${name}`, `BOARD_DIR=${board.root}`, `BOARD_PROMPT_FILE=${board.agentPromptFile(name)}`);
  const sock = currentSocket();
  if (sock) env.push(`BOARD_TMUX_SOCKET=${sock}`);
  return env.flatMap((e) => ['-e', e]);
}

/**
 * The tmux command a dead pane runs (`pane-died`): `board hook exit`, by absolute paths. It is
 * a tmux single-quoted string (no expansion inside) holding an sh command whose arguments are
 * single-quoted too, so paths are double-quoted for sh instead; `#` is doubled (run-shell
 * expands formats) except in the two formats that give the exit.
 */
function exitHookCommand(board: Board, name: string): string {
  const dq = (s: string) => {
    if (/['\n]/.test(s))
      throw usageError(`cannot run agents from a path with a quote or a newline: ${JSON.stringify(s)}`, {
        hint: 'move the repository (or node) to a plain path',
      });
    return `"${s.replace(/[\\"$`]/g, (c) => `\\${c}`).replace(/#/g, '##')}"`;
  };
  const cur = currentSocket();
  const sock = cur ? `BOARD_TMUX_SOCKET=${dq(cur)} ` : '';
  const sh = `${sock}${dq(node())} ${dq(bin())} hook exit --board ${dq(board.root)} --as ${name} --code "#{pane_dead_status}" --signal "#{pane_dead_signal}" >>${dq(join(board.agentsRunDir, `${name}.exit.log`))} 2>&1`;
  return `run-shell -b '${sh}'`;
}

function writePrompt(board: Board, name: string, text: string): void {
  ensureDir(board.agentsRunDir);
  const file = board.agentPromptFile(name);
  writeAtomic(board.tmpDir, file, text.endsWith('\n') ? text : `${text}\n`, { fsync: false, mode: 0o600 });
  try {
    chmodSync(file, 0o600);
  } catch {
    /* best effort */
  }
}

/** The agent's pane as recorded, when it still exists in this tmux server. */
export function livePane(board: Board, name: string): { state: AgentRunState | null; pane: PaneFacts | null } {
  const state = readAgentState(board, name);
  if (!state?.target) return { state, pane: null };
  useSocket(state.socket);
  const pane = paneFacts(state.target);
  // pane ids are reused by a new tmux server: it must be the window named after the agent in the board's session
  if (!pane || pane.session !== sessionName(board) || pane.windowName !== name) return { state, pane: null };
  return { state, pane };
}

/** Start one agent (or leave it alone when its program runs). */
export async function upAgent(board: Board, config: BoardConfig, name: string): Promise<UpRow> {
  const conf = config.agents[name];
  if (!conf)
    throw notFound(`no agent ${name} on this board`, {
      hint: `add it with \`board agent add ${name}\` (board agent list shows the agents)`,
    });
  const script = launchScript(conf.kind, conf.command);
  if (!script) {
    throw usageError(`agent ${name} has no program to run: kind generic needs a command`, {
      hint: `set agents.${name}.command in .board/board.yaml (e.g. command: my-agent-cli), or kind: claude | codex | gemini`,
    });
  }
  const session = sessionName(board);
  const { state, pane } = livePane(board, name);
  useSocket(undefined); // a new start goes to BOARD_TMUX_SOCKET's server (or the default one)
  const alive = pane && pane.session === session && currentSocket() === (state?.socket ?? null) ? pane : null;
  if (alive && !alive.dead) {
    return {
      agent: name,
      action: 'running',
      kind: conf.kind,
      target: alive.pane,
      window: `${session}:${alive.window}`,
      cwd: '',
      hooks: null,
    };
  }
  const cwd = await cwdOf(board, name, conf);
  const prompt = renderAgentPrompt(board, name);
  writePrompt(board, name, prompt.text);
  const hooks = conf.kind === 'claude' ? installClaudeHooks(cwd, boardCommand(node(), bin())) : null;
  const started = startPane(board, name, script, cwd, alive);
  const now = new Date().toISOString();
  writeAgentState(board, {
    ...initialState(name, now),
    target: started.pane,
    socket: currentSocket(),
    restarts: state?.restarts ?? [],
  });
  return {
    agent: name,
    action: alive ? 'restarted' : 'started',
    kind: conf.kind,
    target: started.pane,
    window: `${session}:${started.window}`,
    cwd,
    hooks,
  };
}

/** Sessions known to exist in this process (one `has-session` per board up, not one per agent). */
const sessionsSeen = new Set<string>();

/** Open the agent's window (or respawn its dead pane) and arrange for its exit to be reported. */
function startPane(
  board: Board,
  name: string,
  script: string,
  cwd: string,
  dead: PaneFacts | null,
): { pane: string; window: string } {
  const session = sessionName(board);
  const fmt = '#{pane_id} #{window_id}';
  // in the same tmux call as the start, so that a program that exits at once is still caught
  const watchExit = (target: string[]) => [
    ';',
    'set-option',
    '-w',
    ...target,
    'remain-on-exit',
    'on',
    ';',
    'set-option',
    '-w',
    ...target,
    'automatic-rename',
    'off',
    ';',
    'set-hook',
    '-w',
    ...target,
    'pane-died',
    exitHookCommand(board, name),
  ];
  let out: string;
  // the window's name, folder, environment and program, the same for a new session or window
  const program = ['-n', name, '-c', cwd, ...agentEnv(board, name), '-P', '-F', fmt, 'sh', '-c', script];
  if (dead) {
    tmuxOk(
      ['respawn-pane', '-k', '-t', dead.pane, '-c', cwd, ...agentEnv(board, name), 'sh', '-c', script],
      `restart ${name}'s pane`,
    );
    out = `${dead.pane} ${dead.window}`;
  } else if (!sessionsSeen.has(`${currentSocket() ?? ''}/${session}`) && !hasSession(session)) {
    out = tmuxOk(
      ['new-session', '-d', '-s', session, '-x', '200', '-y', '50', ...program, ...watchExit([])],
      `create session ${session}`,
    );
  } else {
    // a window of that name left by an earlier run (its program gone) is closed first
    const windows = tmux(['list-windows', '-t', `=${session}`, '-F', '#{window_index} #{window_id} #{window_name}'])
      .stdout.split('\n')
      .filter(Boolean)
      .map((l) => l.split(' '));
    for (const w of windows) if (w.slice(2).join(' ') === name) tmux(['kill-window', '-t', w[1]]);
    const index = Math.max(-1, ...windows.map((w) => Number(w[0]))) + 1;
    const target = ['-t', `=${session}:${index}`];
    out = tmuxOk(['new-window', '-d', ...target, ...program, ...watchExit(target)], `open a window for ${name}`);
  }
  sessionsSeen.add(`${currentSocket() ?? ''}/${session}`);
  const [pane, window] = out.trim().split(' ');
  return { pane, window };
}

export interface ExitResult {
  agent: string;
  state: AgentRunState;
  restarted: boolean;
  reported: string[];
}

/**
 * The program of an agent exited (tmux's pane-died hook): its state becomes stopped (asked
 * to, or exit 0) or dead; a dead agent is reported to the person and the orchestrators, and
 * with `restart: on-failure` restarted with a recovery prompt, at most 3 times in 10 minutes.
 */
export async function onAgentExit(
  board: Board,
  config: BoardConfig,
  name: string,
  exit: { code: number | null; signal: string | null },
  now = new Date(),
): Promise<ExitResult> {
  const conf = config.agents[name];
  const iso = now.toISOString();
  const after = updateAgentState(board, name, (s) => applyExit(s, exit, iso), now);
  const result: ExitResult = { agent: name, state: after, restarted: false, reported: [] };
  if (after.state !== 'dead') return result;
  const restart = Boolean(conf) && shouldRestart(after, conf.restart, now.getTime());
  const { reportRecipients } = await import('../ops/agent-report.js');
  const { sendFromBoard } = await import('../store/mailbox.js');
  const { ensureMailboxes } = await import('../store/agents.js');
  const to = reportRecipients(board, config, name);
  for (const n of to) ensureMailboxes(board, n);
  const how = exit.signal ? `was killed by signal ${exit.signal}` : `exited with code ${exit.code}`;
  const tries = recentRestarts(after, now.getTime()).length;
  if (to.length) {
    const r = sendFromBoard(
      board,
      {
        to,
        subject: `${name} ${how}`,
        body: [
          `The program of agent ${name} ${how} at ${iso}.`,
          restart
            ? `It is restarted with a recovery prompt (restart ${tries + 1} of at most 3 in 10 minutes).`
            : conf?.restart === 'on-failure'
              ? `It is NOT restarted: it was restarted ${tries} times in the last 10 minutes already.`
              : 'It is not restarted (restart: never). Its last screen: board peek ' +
                name +
                '; start it again: board up ' +
                name +
                '.',
        ].join('\n'),
      },
      now,
      { config },
    );
    result.reported = r.delivered;
  }
  if (!restart || !after.target) return result;
  useSocket(after.socket);
  const p = renderAgentPrompt(board, name);
  writePrompt(board, name, recoveryPrompt(p, name, exit));
  const pane = paneFacts(after.target);
  if (!pane) return result;
  const cwd = await cwdOf(board, name, conf);
  if (conf.kind === 'claude') installClaudeHooks(cwd, boardCommand(node(), bin()));
  startPane(board, name, launchScript(conf.kind, conf.command)!, cwd, pane);
  result.state = updateAgentState(
    board,
    name,
    (s) => ({
      ...initialState(name, iso),
      target: s.target,
      socket: s.socket,
      restarts: [...recentRestarts(s, now.getTime()), iso],
    }),
    now,
  );
  result.restarted = true;
  return result;
}

export interface DownRow {
  agent: string;
  action: 'stopped' | 'not running';
  how: string | null;
  released: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether `pid` still runs: an exited process that its parent (tmux) has not reaped yet is a zombie, not alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (not Linux): the signal test is all there is
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await sleep(50);
  }
  return !alive(pid);
}

/**
 * Stop one agent gracefully: marked as stopping (its exit is not a failure), interrupted
 * (SIGINT to its program), then SIGTERM, then SIGKILL after `timeoutMs` each; its window is
 * closed. Its worktree and claims are kept (`release` gives the claims back).
 */
export async function downAgent(
  board: Board,
  name: string,
  opts: { timeoutMs?: number; release?: boolean } = {},
): Promise<DownRow> {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const { state, pane } = livePane(board, name);
  let how: string | null = null;
  if (state) updateAgentState(board, name, (s) => ({ ...s, stopping: true }));
  if (pane) {
    if (!pane.dead) {
      const pid = pane.pid;
      for (const sig of ['SIGINT', 'SIGTERM', 'SIGKILL'] as const) {
        try {
          process.kill(pid, sig);
        } catch {
          /* gone */
        }
        if (await gone(pid, sig === 'SIGKILL' ? 2000 : timeoutMs)) {
          how = sig;
          break;
        }
      }
    }
    tmux(['kill-window', '-t', pane.window]);
  }
  if (state && state.state !== 'stopped') {
    const now = new Date().toISOString();
    updateAgentState(board, name, (s) =>
      s.state === 'stopped'
        ? s
        : { ...s, state: 'stopped', since: now, event: 'down', at: now, tool: null, detail: null },
    );
  }
  const released: string[] = [];
  if (opts.release) {
    const { loadBoard } = await import('../store/tickets.js');
    const { release } = await import('../ops/tickets.js');
    for (const t of loadBoard(board).tickets.values()) {
      if (t.claim?.by !== name || t.status === 'done' || t.status === 'cancelled') continue;
      try {
        const r = await release(board, t.id, { actor: name });
        if (r.changed) released.push(t.id);
      } catch (e) {
        if (!(e instanceof BoardError)) throw e;
      }
    }
  }
  return { agent: name, action: pane ? 'stopped' : 'not running', how, released };
}

/** `tmux attach` (or switch-client inside tmux) arguments to focus an agent's window. */
export function attachArgs(board: Board, window: string): string[] {
  const inside = Boolean(process.env.TMUX) && !process.env.BOARD_TMUX_SOCKET;
  return [
    ...tmuxSocketArgs(),
    inside ? 'switch-client' : 'attach-session',
    '-t',
    `${sessionName(board)}:${window.split(':').pop()}`,
  ];
}

export { shQuote };
