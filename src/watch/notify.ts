/**
 * The notify plugin: when a recado lands for an agent that opted in (board.yaml), poke its
 * conversation.
 *
 *   tmux: TARGET      (session:window.pane) a one-line notice in that pane, at most one per
 *                     `notify_every` (default 30 s) per agent; recados arriving meanwhile are
 *                     counted into the next notice ("recados for ana: 3 new ..."). A pane
 *                     running a conversation program (Claude Code, any program but a shell,
 *                     an editor or a pager) gets the notice typed (`send-keys -l`), then Enter
 *                     half a second later: it arrives as a prompt, and a `board hook claude`
 *                     hook then hands the recados over. A pane running a shell, an editor or
 *                     a pager gets it on the status line (`display-message`) instead: typing
 *                     there would run or change something.
 *                     Never while the pane is busy: before typing, the pane is captured twice
 *                     300 ms apart (the first capture also checks that the target exists:
 *                     `display-message` alone would quietly fall back to another pane); if its text changed (the program is printing, a spinner
 *                     turns) or the pane is in copy mode, the notice waits (looked at again
 *                     every 2 s; after 60 s it goes to the status line instead).
 *                     tmux is the server the watcher was started in ($TMUX), else the default
 *                     one; BOARD_TMUX_SOCKET (a socket path, or a -L name) picks another.
 *   notify: COMMAND   run through `sh -c` for every recado, with the recado as JSON on stdin
 *                     (the `board read --json` shape) and BOARD_AGENT, BOARD_DIR,
 *                     BOARD_RECADO_ID, BOARD_RECADO_FILE set; in the repository's top folder;
 *                     killed after 10 s (BOARD_NOTIFY_TIMEOUT_MS). One command at a time per agent, in order. A failure
 *                     is logged (`notify_error`), never fatal.
 */
import { run as runProgram } from '../proc/run.js';
import { join } from 'node:path';
import {
  BUSY_GIVE_UP_MS, BUSY_RETRY_MS, COMMAND_QUEUE_MAX, COMMAND_TIMEOUT_MS, DEFAULT_NOTIFY_EVERY_MS, ENTER_DELAY_MS,
  escapeFormat, nextNoticeAt, noticeText, PANE_INFO_FORMAT, parsePaneInfo, pokeHow, type NoticeItem,
} from '../core/notify.js';
import { parseDuration } from '../core/duration.js';
import type { RecadoJson } from '../core/recado.js';
import type { Cancel, RecadoDelivered, WatchContext, WatchPlugin } from './plugin.js';

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  error?: string;
}

/** Process groups of commands still running (ended at stop). */
const children = new Set<number>();

/** Run a program (no shell unless asked), with a timeout that kills its whole process group. */
async function run(file: string, args: string[], opts: { input?: string; timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string }): Promise<RunResult> {
  const r = await runProgram(file, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    input: opts.input ?? '',
    timeoutMs: opts.timeoutMs,
    group: true,
    maxStdout: 65536,
    maxStderr: 4096,
    onStart: (pid) => children.add(pid),
    onEnd: (pid) => children.delete(pid),
  });
  const out = { code: r.code, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), timedOut: r.timedOut };
  return r.error ? { ...out, error: r.error.message } : out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** BOARD_NOTIFY_TIMEOUT_MS overrides the 10 s a notify command may take. */
const commandTimeoutMs = () => Number(process.env.BOARD_NOTIFY_TIMEOUT_MS) || COMMAND_TIMEOUT_MS;

interface PaneQueue {
  items: NoticeItem[];
  lastAt: number | null;
  timer: Cancel | null;
  busySince: number | null;
  flushing: boolean;
  /** The target failed last time (logged once until it works again). */
  failed: string | null;
}

interface CommandQueue {
  queue: { recado: RecadoJson; path: string }[];
  running: boolean;
  dropped: number;
}

export function notifyPlugin(): WatchPlugin {
  const panes = new Map<string, PaneQueue>();
  const commands = new Map<string, CommandQueue>();

  const tmuxArgs = (): string[] => {
    const sock = process.env.BOARD_TMUX_SOCKET;
    if (!sock) return [];
    return sock.includes('/') ? ['-S', sock] : ['-L', sock];
  };
  const tmux = (args: string[]) => run('tmux', [...tmuxArgs(), ...args], { timeoutMs: 5000 });
  const tmuxFailure = (r: RunResult) => r.error ?? (r.timedOut ? 'tmux did not answer within 5 s' : r.stderr.trim() || `tmux exited with ${r.code}`);

  function everyMs(ctx: WatchContext, agent: string): number {
    const v = ctx.config.agents[agent]?.notify_every;
    if (!v) return DEFAULT_NOTIFY_EVERY_MS;
    try {
      return parseDuration(v);
    } catch {
      return DEFAULT_NOTIFY_EVERY_MS;
    }
  }

  /* ------------------------------------------------------------------ tmux ---- */

  function schedule(ctx: WatchContext, agent: string, q: PaneQueue, delayMs?: number): void {
    if (q.timer || q.flushing || ctx.stopping) return;
    const now = Date.now();
    const wait = delayMs ?? nextNoticeAt(q.lastAt, now, everyMs(ctx, agent)) - now;
    q.timer = ctx.setTimer(Math.max(0, wait), () => {
      q.timer = null;
      return flushPane(ctx, agent, q);
    });
  }

  async function flushPane(ctx: WatchContext, agent: string, q: PaneQueue): Promise<void> {
    const target = ctx.config.agents[agent]?.tmux;
    if (!target || !q.items.length) {
      q.items = [];
      return;
    }
    q.flushing = true;
    try {
      // capture-pane fails on a target that does not exist (display-message would quietly use another pane)
      const a = await tmux(['capture-pane', '-p', '-t', target]);
      const info = a.code === 0 ? await tmux(['display-message', '-p', '-t', target, PANE_INFO_FORMAT]) : a;
      if (info.code !== 0) {
        const why = tmuxFailure(info);
        if (q.failed !== why) ctx.log({ type: 'notify_error', agent, via: 'tmux', target, message: `cannot reach tmux pane ${target}: ${why}`, recados: q.items.length });
        q.failed = why;
        q.items = [];
        return;
      }
      q.failed = null;
      const pane = parsePaneInfo(info.stdout);
      let how = pokeHow(pane);
      if (how === 'type') {
        await sleep(300);
        const b = await tmux(['capture-pane', '-p', '-t', target]);
        const busy = pane.inMode || b.code !== 0 || a.stdout !== b.stdout;
        if (busy) {
          q.busySince ??= Date.now();
          if (Date.now() - q.busySince < BUSY_GIVE_UP_MS) {
            q.flushing = false;
            schedule(ctx, agent, q, BUSY_RETRY_MS);
            return;
          }
          how = 'message'; // busy for a minute: do not wait any longer, and do not type
        }
      }
      q.busySince = null;
      const items = q.items;
      q.items = [];
      const text = noticeText(agent, items);
      let r: RunResult;
      if (how === 'type') {
        r = await tmux(['send-keys', '-t', target, '-l', text]);
        if (r.code === 0) {
          await sleep(ENTER_DELAY_MS);
          r = await tmux(['send-keys', '-t', target, 'Enter']);
        }
      } else {
        r = await tmux(['display-message', '-t', target, '-d', '10000', escapeFormat(text)]);
      }
      q.lastAt = Date.now();
      if (r.code !== 0) ctx.log({ type: 'notify_error', agent, via: 'tmux', target, message: tmuxFailure(r), recados: items.length });
      else ctx.log({ type: 'notified', agent, via: 'tmux', how, target, recados: items.length, command: pane.command });
    } finally {
      q.flushing = false;
      if (q.items.length) schedule(ctx, agent, q);
    }
  }

  /* -------------------------------------------------------------- commands ---- */

  async function drain(ctx: WatchContext, agent: string, cq: CommandQueue): Promise<void> {
    if (cq.running) return;
    cq.running = true;
    try {
      while (cq.queue.length && !ctx.stopping) {
        const command = ctx.config.agents[agent]?.notify;
        if (!command) {
          cq.queue = [];
          break;
        }
        const { recado, path } = cq.queue.shift()!;
        const env = {
          ...process.env,
          BOARD_AGENT: agent,
          BOARD_DIR: ctx.board.root,
          BOARD_RECADO_ID: recado.id,
          BOARD_RECADO_FILE: path,
        };
        const t0 = Date.now();
        const r = await run('sh', ['-c', command], { input: JSON.stringify(recado) + '\n', timeoutMs: commandTimeoutMs(), env, cwd: ctx.board.repo });
        if (r.code === 0) {
          ctx.log({ type: 'notified', agent, via: 'command', id: recado.id, ms: Date.now() - t0 });
        } else {
          const why = r.error ?? (r.timedOut ? `killed after ${commandTimeoutMs() / 1000} s` : `exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
          ctx.log({ type: 'notify_error', agent, via: 'command', id: recado.id, message: `notify command failed (${why})` });
        }
      }
      if (cq.dropped) {
        ctx.log({ type: 'notify_error', agent, via: 'command', message: `${cq.dropped} recado(s) not notified: more than ${COMMAND_QUEUE_MAX} were waiting for the notify command (they are in the inbox)` });
        cq.dropped = 0;
      }
    } finally {
      cq.running = false;
    }
  }

  return {
    name: 'notify',
    onRecadoDelivered(ev: RecadoDelivered, ctx: WatchContext) {
      for (const agent of ev.recipients) {
        const conf = ctx.config.agents[agent];
        if (!conf || (!conf.tmux && !conf.notify)) continue;
        if (conf.tmux) {
          let q = panes.get(agent);
          if (!q) {
            q = { items: [], lastAt: null, timer: null, busySince: null, flushing: false, failed: null };
            panes.set(agent, q);
          }
          q.items.push({ from: ev.recado.from, subject: ev.recado.subject, ticket: ev.recado.ticket });
          schedule(ctx, agent, q);
        }
        if (conf.notify) {
          let cq = commands.get(agent);
          if (!cq) {
            cq = { queue: [], running: false, dropped: 0 };
            commands.set(agent, cq);
          }
          if (cq.queue.length >= COMMAND_QUEUE_MAX) cq.dropped++;
          else cq.queue.push({ recado: ev.recado, path: join(ctx.board.inboxNew(agent), `${ev.recado.id}.md`) });
          void drain(ctx, agent, cq).catch((e) => ctx.log({ type: 'notify_error', agent, via: 'command', message: String((e as Error)?.message ?? e) }));
        }
      }
    },
    async stop() {
      for (const q of panes.values()) q.items = [];
      for (const cq of commands.values()) cq.queue = [];
      // a command still running gets a moment to finish, then its process group is ended
      for (let i = 0; i < 20 && children.size; i++) await sleep(100);
      for (const pid of children) {
        try { process.kill(-pid, 'SIGTERM'); } catch { /* gone */ }
      }
    },
  };
}
