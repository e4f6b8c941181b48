/**
 * The notify plugin: when a recado lands for an agent that opted in (board.yaml), poke its
 * conversation.
 *
 *   tmux: TARGET      (session:window.pane, or the pane `board up` recorded) a fixed one-line
 *                     notice — `recado: 2 new for ana (board inbox)`, no text chosen by a
 *                     sender — typed (`send-keys -l`, Enter half a second later) only into a
 *                     pane whose foreground program is a known agent CLI (core/agents.ts
 *                     AGENT_PROGRAMS + `programs:` in board.yaml). Any other program (a shell,
 *                     `script`, `sudo`, `ssh`, a REPL, an editor) gets it on the status line
 *                     (`display-message`) instead.
 *                     An agent started by `board up` has a live state (run/agents/NAME.json):
 *                     it is typed into only while `idle` — never while working, waiting or
 *                     starting (its Stop hook hands recados over at the end of the turn) —
 *                     and the wake is verified: the agent must leave `idle` within 10 s, else
 *                     the notice is typed once more, then the person is told. When such an
 *                     agent becomes idle with unread recados, it is woken the same way.
 *                     Other panes: at most one notice per `notify_every` (default 30 s), and
 *                     never while the pane is busy (captured twice 300 ms apart: changed
 *                     text or copy mode → looked at again every 2 s; after 60 s the status
 *                     line instead).
 *                     tmux is the server the watcher was started in ($TMUX), else the default
 *                     one; BOARD_TMUX_SOCKET (a socket path, or a -L name) picks another.
 *   notify: COMMAND   run through `sh -c` for every recado, with the recado as JSON on stdin
 *                     (the `board read --json` shape) and BOARD_AGENT, BOARD_DIR,
 *                     BOARD_RECADO_ID, BOARD_RECADO_FILE set; in the repository's top folder;
 *                     killed after 10 s (BOARD_NOTIFY_TIMEOUT_MS). One command at a time per agent, in order. A failure
 *                     is logged (`notify_error`), never fatal.
 */
import { readdirSync, watch, type FSWatcher } from 'node:fs';
import { run as runProgram } from '../proc/run.js';
import { join } from 'node:path';
import { WAKE_VERIFY_MS, type AgentRunState } from '../core/agents.js';
import {
  BUSY_GIVE_UP_MS,
  BUSY_RETRY_MS,
  COMMAND_QUEUE_MAX,
  COMMAND_TIMEOUT_MS,
  DEFAULT_NOTIFY_EVERY_MS,
  ENTER_DELAY_MS,
  GATHER_MS,
  escapeFormat,
  nextNoticeAt,
  noticeText,
  PANE_INFO_FORMAT,
  parsePaneInfo,
  pokeHow,
  type PokeHow,
} from '../core/notify.js';
import { reportRecipients } from '../ops/agent-report.js';
import { readAgentState } from '../store/agent-state.js';
import { ensureMailboxes } from '../store/agents.js';
import { readAllAgentStates } from '../store/agent-state.js';
import { packagePath } from '../store/package.js';

/** How often the watcher looks for agents' panes that died unreported, and how long tmux's own hook gets first. */
const EXIT_CHECK_MS = 5_000;
const EXIT_GRACE_MS = 4_000;
import { parseDuration } from '../core/duration.js';
import type { RecadoJson } from '../core/recado.js';
import type { Cancel, RecadoDelivered, WatchContext, WatchPlugin } from './plugin.js';
import { ensureDir } from '../store/nolink.js';

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
async function run(
  file: string,
  args: string[],
  opts: { input?: string; timeoutMs: number; env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<RunResult> {
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
  const out = {
    code: r.code,
    stdout: r.stdout.toString('utf8'),
    stderr: r.stderr.toString('utf8'),
    timedOut: r.timedOut,
  };
  return r.error ? { ...out, error: r.error.message } : out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** BOARD_NOTIFY_TIMEOUT_MS overrides the 10 s a notify command may take. */
const commandTimeoutMs = () => Number(process.env.BOARD_NOTIFY_TIMEOUT_MS) || COMMAND_TIMEOUT_MS;

interface PaneQueue {
  /** Recados landed since the last notice. */
  pending: number;
  lastAt: number | null;
  timer: Cancel | null;
  busySince: number | null;
  flushing: boolean;
  /** The target failed last time (logged once until it works again). */
  failed: string | null;
  /** A wake being verified: when the notice was typed, and how many times. */
  wake: { at: number; tries: number; timer: Cancel | null } | null;
}

interface CommandQueue {
  queue: { recado: RecadoJson; path: string }[];
  running: boolean;
  dropped: number;
}

function unreadCount(dir: string): number {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.md') && !n.startsWith('.')).length;
  } catch {
    return 0;
  }
}

export function notifyPlugin(): WatchPlugin {
  const panes = new Map<string, PaneQueue>();
  const commands = new Map<string, CommandQueue>();
  let stateWatch: FSWatcher | null = null;
  const stateTimers = new Map<string, Cancel>();

  /** The server: the one an agent was started in by `board up`, else BOARD_TMUX_SOCKET, else the default one. */
  const tmuxArgs = (socket?: string | null): string[] => {
    const sock = socket === undefined ? process.env.BOARD_TMUX_SOCKET : socket;
    if (!sock) return [];
    return sock.includes('/') ? ['-S', sock] : ['-L', sock];
  };
  const tmuxOn = (socket: string | null | undefined) => (args: string[]) =>
    run('tmux', [...tmuxArgs(socket), ...args], { timeoutMs: 5000 });
  const tmuxFailure = (r: RunResult) =>
    r.error ?? (r.timedOut ? 'tmux did not answer within 5 s' : r.stderr.trim() || `tmux exited with ${r.code}`);

  function everyMs(ctx: WatchContext, agent: string): number {
    const v = ctx.config.agents[agent]?.notify_every;
    if (!v) return DEFAULT_NOTIFY_EVERY_MS;
    try {
      return parseDuration(v);
    } catch {
      return DEFAULT_NOTIFY_EVERY_MS;
    }
  }

  const queueOf = (agent: string): PaneQueue => {
    let q = panes.get(agent);
    if (!q) {
      q = { pending: 0, lastAt: null, timer: null, busySince: null, flushing: false, failed: null, wake: null };
      panes.set(agent, q);
    }
    return q;
  };

  /** The pane of an agent: the one `board up` recorded (live state), else board.yaml's `tmux:`. */
  function targetOf(ctx: WatchContext, agent: string): { target: string | null; live: AgentRunState | null } {
    const live = readAgentState(ctx.board, agent);
    const launched = live && live.target && live.state !== 'stopped' && live.state !== 'dead' ? live : null;
    return { target: launched?.target ?? ctx.config.agents[agent]?.tmux ?? null, live: launched };
  }

  const programsOf = (ctx: WatchContext, agent: string) => [
    ...(ctx.config.programs ?? []),
    ...(ctx.config.agents[agent]?.programs ?? []),
  ];

  /* ------------------------------------------------------------------ tmux ---- */

  function schedule(ctx: WatchContext, agent: string, q: PaneQueue, delayMs?: number): void {
    if (q.timer || q.flushing || ctx.stopping) return;
    const now = Date.now();
    const live = targetOf(ctx, agent).live;
    // an agent with a live state is typed into only when idle: no rate limit needed beyond gathering a burst
    const wait = delayMs ?? (live ? GATHER_MS : nextNoticeAt(q.lastAt, now, everyMs(ctx, agent)) - now);
    q.timer = ctx.setTimer(Math.max(0, wait), () => {
      q.timer = null;
      return flushPane(ctx, agent, q);
    });
  }

  /** Type the fixed notice into a pane (then Enter), or show it on the status line. */
  async function poke(
    tmux: (args: string[]) => Promise<RunResult>,
    target: string,
    how: PokeHow,
    text: string,
  ): Promise<RunResult> {
    if (how === 'message') return tmux(['display-message', '-t', target, '-d', '10000', escapeFormat(text)]);
    let r = await tmux(['send-keys', '-t', target, '-l', text]);
    if (r.code === 0) {
      await sleep(ENTER_DELAY_MS);
      r = await tmux(['send-keys', '-t', target, 'Enter']);
    }
    return r;
  }

  async function flushPane(ctx: WatchContext, agent: string, q: PaneQueue): Promise<void> {
    const { target, live } = targetOf(ctx, agent);
    const unread = unreadCount(ctx.board.inboxNew(agent));
    if (!target || !unread || (!q.pending && !live)) {
      q.pending = 0;
      return;
    }
    if (live && (live.state !== 'idle' || q.wake)) {
      // working, waiting or starting: never typed into (the Stop hook hands recados over);
      // a state change to idle brings it back here. A wake being verified: let it finish.
      return;
    }
    q.flushing = true;
    const tmux = tmuxOn(live ? live.socket : undefined);
    try {
      // capture-pane fails on a target that does not exist (display-message would quietly use another pane)
      const a = await tmux(['capture-pane', '-p', '-t', target]);
      const info = a.code === 0 ? await tmux(['display-message', '-p', '-t', target, PANE_INFO_FORMAT]) : a;
      if (info.code !== 0) {
        const why = tmuxFailure(info);
        if (q.failed !== why)
          ctx.log({
            type: 'notify_error',
            agent,
            via: 'tmux',
            target,
            message: `cannot reach tmux pane ${target}: ${why}`,
            recados: q.pending,
          });
        q.failed = why;
        q.pending = 0;
        return;
      }
      q.failed = null;
      const pane = parsePaneInfo(info.stdout);
      let how = pokeHow(pane, programsOf(ctx, agent));
      if (how === 'type' && !live) {
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
      } else if (how === 'type' && pane.inMode) {
        how = 'message';
      }
      if (live && how === 'message' && ctx.config.agents[agent]?.kind === 'codex' && live.session) {
        // Codex's pane shows `node`: never typed into; its idle session takes the line by `codex queue`
        q.pending = 0;
        const text = noticeText(agent, unread);
        const r = await run('codex', ['queue', '--thread', live.session, '--message', text], {
          timeoutMs: commandTimeoutMs(),
          cwd: ctx.board.repo,
        });
        if (r.code === 0) {
          ctx.log({ type: 'notified', agent, via: 'codex-queue', how: 'queue', target, unread, state: 'idle' });
          verifyWake(ctx, agent, q, target, q.wake ? q.wake.tries + 1 : 1);
        } else {
          ctx.log({
            type: 'notify_error',
            agent,
            via: 'codex-queue',
            target,
            message: r.error ?? (r.stderr.trim() || `codex queue exited with ${r.code}`),
          });
        }
        return;
      }
      if (live && how === 'type') {
        // the state may have changed while tmux answered: look once more right before typing
        const again = readAgentState(ctx.board, agent);
        if (!again || again.state !== 'idle') return;
      }
      q.busySince = null;
      const recados = q.pending;
      q.pending = 0;
      const text = noticeText(agent, unread);
      const r = await poke(tmux, target, how, text);
      q.lastAt = Date.now();
      if (r.code !== 0) {
        ctx.log({ type: 'notify_error', agent, via: 'tmux', target, message: tmuxFailure(r), recados });
      } else {
        ctx.log({
          type: 'notified',
          agent,
          via: 'tmux',
          how,
          target,
          recados,
          unread,
          command: pane.command,
          ...(live ? { state: 'idle' } : {}),
        });
        if (live && how === 'type') verifyWake(ctx, agent, q, target, q.wake ? q.wake.tries + 1 : 1);
      }
    } finally {
      q.flushing = false;
      if (q.pending && !live) schedule(ctx, agent, q);
    }
  }

  /** After typing into an idle agent: it must leave `idle` within WAKE_VERIFY_MS; else once more, then the person is told. */
  function verifyWake(ctx: WatchContext, agent: string, q: PaneQueue, target: string, tries: number): void {
    const at = Date.now();
    q.wake = { at, tries, timer: null };
    q.wake.timer = ctx.setTimer(WAKE_VERIFY_MS, async () => {
      const s = readAgentState(ctx.board, agent);
      const woke =
        !s || (Date.parse(s.at) >= at - 1000 && s.state !== 'idle') || unreadCount(ctx.board.inboxNew(agent)) === 0;
      q.wake = null;
      if (woke) {
        ctx.log({ type: 'woken', agent, target, tries });
        return;
      }
      if (tries < 2) {
        ctx.log({ type: 'wake_retry', agent, target });
        return flushPane(ctx, agent, q);
      }
      ctx.log({
        type: 'notify_error',
        agent,
        via: 'tmux',
        target,
        message: `${agent} did not wake up: still idle ${WAKE_VERIFY_MS / 1000} s after each of 2 notices`,
      });
      reportToPerson(
        ctx,
        agent,
        `${agent} did not wake up for its recados`,
        [
          `The board typed a notice into ${agent}'s pane (${target}) twice while it was idle, and it stayed idle.`,
          `Its unread recados wait in its inbox. Look at it: board peek ${agent} (or board attach ${agent}).`,
        ].join('\n'),
      );
    });
  }

  function reportToPerson(ctx: WatchContext, agent: string, subject: string, body: string): void {
    try {
      const to = reportRecipients(ctx.board, ctx.config, agent);
      for (const n of to) ensureMailboxes(ctx.board, n);
      if (to.length) ctx.sendFromBoard({ to, subject, body });
    } catch (e) {
      ctx.log({ type: 'notify_error', agent, via: 'report', message: String((e as Error)?.message ?? e) });
    }
  }

  /** Dead panes seen, by agent: when first seen (the tmux hook gets EXIT_GRACE_MS to report it first). */
  const deadSeen = new Map<string, number>();

  /**
   * A safety net under tmux's pane-died hook (`board up` sets it; it runs `board hook exit`):
   * an agent recorded as running whose pane is dead and whose exit was not recorded within
   * EXIT_GRACE_MS gets `board hook exit` run here (reported, restarted by its policy).
   * One `tmux display-message` per running agent every EXIT_CHECK_MS; none when none runs.
   */
  async function checkExits(ctx: WatchContext): Promise<void> {
    for (const s of readAllAgentStates(ctx.board).values()) {
      if (!s.target || s.state === 'stopped' || s.state === 'dead' || ctx.stopping) {
        deadSeen.delete(s.agent);
        continue;
      }
      const r = await tmuxOn(s.socket)([
        'display-message',
        '-p',
        '-t',
        s.target,
        '#{pane_dead} #{pane_dead_status} #{pane_dead_signal}',
      ]);
      const m = /^(\d) ?(\d*) ?(\d*)/.exec(r.stdout.trim());
      if (r.code !== 0 || !m || m[1] !== '1') {
        deadSeen.delete(s.agent);
        continue;
      }
      const first = deadSeen.get(s.agent) ?? Date.now();
      deadSeen.set(s.agent, first);
      if (Date.now() - first < EXIT_GRACE_MS) continue;
      deadSeen.delete(s.agent);
      const args = [
        packagePath('bin', 'board'),
        'hook',
        'exit',
        '--board',
        ctx.board.root,
        '--as',
        s.agent,
        '--code',
        m[2],
        '--signal',
        m[3],
        '--json',
      ];
      const env = { ...process.env, ...(s.socket ? { BOARD_TMUX_SOCKET: s.socket } : {}) };
      const x = await run(process.execPath, args, { timeoutMs: 60_000, env, cwd: ctx.board.repo });
      ctx.log({
        type: 'agent_exit',
        agent: s.agent,
        target: s.target,
        code: m[2] || null,
        signal: m[3] || null,
        recorded_by: 'watcher',
        ok: x.code === 0,
      });
    }
  }

  /** A state file changed: an agent that became idle with unread recados is woken. */
  function onStateChange(ctx: WatchContext, agent: string): void {
    if (!ctx.config.agents[agent] || ctx.stopping) return;
    stateTimers.get(agent)?.();
    stateTimers.set(
      agent,
      ctx.setTimer(50, () => {
        stateTimers.delete(agent);
        const s = readAgentState(ctx.board, agent);
        const q = queueOf(agent);
        if (q.wake && s && s.state !== 'idle' && Date.parse(s.at) >= q.wake.at - 1000) {
          // the wake worked: verified now rather than when the 10 s are up
          q.wake.timer?.();
          ctx.log({ type: 'woken', agent, target: s.target, tries: q.wake.tries, ms: Date.now() - q.wake.at });
          q.wake = null;
        }
        if (!s || s.state !== 'idle' || !s.target) return;
        if (!unreadCount(ctx.board.inboxNew(agent))) return;
        schedule(ctx, agent, q);
      }),
    );
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
        const r = await run('sh', ['-c', command], {
          input: JSON.stringify(recado) + '\n',
          timeoutMs: commandTimeoutMs(),
          env,
          cwd: ctx.board.repo,
        });
        if (r.code === 0) {
          ctx.log({ type: 'notified', agent, via: 'command', id: recado.id, ms: Date.now() - t0 });
        } else {
          const why =
            r.error ??
            (r.timedOut
              ? `killed after ${commandTimeoutMs() / 1000} s`
              : `exit ${r.code}${r.stderr.trim() ? `: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}` : ''}`);
          ctx.log({
            type: 'notify_error',
            agent,
            via: 'command',
            id: recado.id,
            message: `notify command failed (${why})`,
          });
        }
      }
      if (cq.dropped) {
        ctx.log({
          type: 'notify_error',
          agent,
          via: 'command',
          message: `${cq.dropped} recado(s) not notified: more than ${COMMAND_QUEUE_MAX} were waiting for the notify command (they are in the inbox)`,
        });
        cq.dropped = 0;
      }
    } finally {
      cq.running = false;
    }
  }

  return {
    name: 'notify',
    start(ctx: WatchContext) {
      try {
        ensureDir(ctx.board.agentsRunDir);
        stateWatch = watch(ctx.board.agentsRunDir, (_ev, name) => {
          const n = String(name ?? '');
          if (n.endsWith('.json')) onStateChange(ctx, n.slice(0, -5));
        });
        stateWatch.on('error', () => undefined);
      } catch (e) {
        ctx.log({
          type: 'notify_error',
          via: 'tmux',
          message: `cannot watch agents' states: ${String((e as Error)?.message ?? e)}`,
        });
      }
      ctx.every(EXIT_CHECK_MS, () => checkExits(ctx));
    },
    onRecadoDelivered(ev: RecadoDelivered, ctx: WatchContext) {
      for (const agent of ev.recipients) {
        const conf = ctx.config.agents[agent];
        if (!conf) continue;
        const live = conf.tmux ? null : readAgentState(ctx.board, agent);
        if (!conf.tmux && !conf.notify && !live?.target) continue;
        if (conf.tmux || live?.target) {
          const q = queueOf(agent);
          q.pending++;
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
          void drain(ctx, agent, cq).catch((e) =>
            ctx.log({ type: 'notify_error', agent, via: 'command', message: String((e as Error)?.message ?? e) }),
          );
        }
      }
    },
    async stop() {
      stateWatch?.close();
      for (const q of panes.values()) q.pending = 0;
      for (const cq of commands.values()) cq.queue = [];
      // a command still running gets a moment to finish, then its process group is ended
      for (let i = 0; i < 20 && children.size; i++) await sleep(100);
      for (const pid of children) {
        try {
          process.kill(-pid, 'SIGTERM');
        } catch {
          /* gone */
        }
      }
    },
  };
}
