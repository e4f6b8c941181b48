/**
 * Running conversations: what each agent's program is (`kind:` presets, `command:`), its live
 * state and how hook events and process exits move it, when a notice may be typed into its
 * pane, and when a dead program is restarted. Pure: no fs, no clock (times are passed in).
 */

/** The live state of an agent's conversation. */
export const AGENT_STATES = ['starting', 'working', 'waiting', 'idle', 'stopped', 'dead'] as const;
export type AgentStateName = (typeof AGENT_STATES)[number];

export const AGENT_KINDS = ['claude', 'codex', 'gemini', 'generic'] as const;
export type AgentKind = (typeof AGENT_KINDS)[number];

export const RESTART_POLICIES = ['never', 'on-failure'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

/** At most this many restarts ... */
export const RESTART_MAX = 3;
/** ... within this long. */
export const RESTART_WINDOW_MS = 10 * 60_000;
/** Hook events renew the agent's active claims at most once per this long. */
export const RENEW_EVERY_MS = 60_000;
/** The Stop hook blocks at most this many times in a row (then the agent may stop; a notice wakes it). */
export const STOP_BLOCKS_MAX = 3;
/** A woken agent must be working within this long, else the wake is tried again (once), then reported. */
export const WAKE_VERIFY_MS = 10_000;
/** A program without hooks that printed within this long counts as working. */
export const PANE_ACTIVE_MS = 5_000;

/**
 * The program each kind runs, as a `sh -c` script: the prompt is read from the file named by
 * BOARD_PROMPT_FILE and given the way that CLI takes an opening prompt in interactive mode.
 * `exec` replaces the shell, so the pane's foreground program is the CLI itself.
 */
export const KIND_COMMANDS: Record<Exclude<AgentKind, 'generic'>, string> = {
  claude: 'claude "$(cat "$BOARD_PROMPT_FILE")"',
  codex: 'codex "$(cat "$BOARD_PROMPT_FILE")"',
  gemini: 'gemini -i "$(cat "$BOARD_PROMPT_FILE")"',
};

/** The shell script a pane runs for an agent (`command:` wins over the kind's preset). */
export function launchScript(kind: AgentKind, command: string | null): string | null {
  const c = command ?? (kind === 'generic' ? null : KIND_COMMANDS[kind]);
  return c ? `exec ${c}` : null;
}

/**
 * Programs a notice may be typed into: agent CLIs whose input line takes a typed line as a
 * prompt. Everything else — shells, `script`, `sudo`, `ssh`, `docker`/`kubectl exec`, REPLs,
 * editors, pagers, a bare `node` or `python` — never gets keys. Extend it with
 * `programs:` in board.yaml (top level, or per agent).
 */
export const AGENT_PROGRAMS: readonly string[] = [
  'claude',
  'gemini',
  'aider',
  'goose',
  'opencode',
  'cursor-agent',
  'amp',
  'qwen',
  'crush',
  'cline',
  'kiro-cli',
  'copilot',
  'auggie',
];

/** The program name tmux shows (`pane_current_command`), reduced to its base name. */
export function programName(command: string): string {
  return command.trim().replace(/^-/, '').split('/').pop() ?? '';
}

/** Whether a pane whose foreground program is `command` may be typed into. */
export function mayType(command: string, extra: readonly string[] = []): boolean {
  const p = programName(command);
  return p !== '' && (AGENT_PROGRAMS.includes(p) || extra.includes(p));
}

/* ------------------------------------------------------------ live state ---- */

export interface AgentRunState {
  agent: string;
  state: AgentStateName;
  /** ISO time the state began. */
  since: string;
  /** The last tool (while working). */
  tool: string | null;
  /** What the agent waits for (while waiting): the notification text or type. */
  detail: string | null;
  /** The last event seen and when (ISO). */
  event: string | null;
  at: string;
  /** The agent's program reports its state by hooks (else it is read from the pane). */
  hooks: boolean;
  /** tmux target of its pane (a pane id), when launched by `board up`. */
  target: string | null;
  /** The tmux server it runs in (BOARD_TMUX_SOCKET at launch), null: the default one. */
  socket: string | null;
  /** `board down` asked it to stop: its exit is not a failure. */
  stopping: boolean;
  /** Stop hooks blocked in a row (reset by a prompt or a Stop that lets it stop). */
  blocks: number;
  /** Last time its claims were renewed by activity (ISO). */
  renewed: string | null;
  /** Times (ISO) of restarts after a failure, newest last. */
  restarts: string[];
  /** Exit of the program (when stopped or dead). */
  exit: { code: number | null; signal: string | null } | null;
  /** The CLI's session (thread) id, from its hooks' `session_id` (Codex: for `codex queue`). */
  session?: string | null;
}

export function initialState(agent: string, now: string): AgentRunState {
  return {
    agent,
    state: 'starting',
    since: now,
    tool: null,
    detail: null,
    event: 'launched',
    at: now,
    hooks: false,
    target: null,
    socket: null,
    stopping: false,
    blocks: 0,
    renewed: null,
    restarts: [],
    exit: null,
  };
}

/** A hook event, as Claude Code (and Codex) name them, with the fields that matter. */
export interface HookEvent {
  name: string;
  session?: string | null;
  tool?: string | null;
  /** Notification: `notification_type` (permission_prompt, idle_prompt, ...). */
  notification?: string | null;
  message?: string | null;
}

function move(s: AgentRunState, state: AgentStateName, now: string, patch: Partial<AgentRunState> = {}): AgentRunState {
  return { ...s, ...patch, state, since: s.state === state ? s.since : now };
}

/**
 * The state after a hook event. Unknown events only update `event`/`at`. A Stop that the
 * board blocked (it handed over recados) keeps the agent working: pass `blocked`.
 */
export function applyHook(
  s: AgentRunState,
  ev: HookEvent,
  now: string,
  opts: { blocked?: boolean } = {},
): AgentRunState {
  const base: AgentRunState = {
    ...s,
    event: ev.name,
    at: now,
    hooks: true,
    exit: null,
    session: ev.session ?? s.session ?? null,
  };
  if (s.state === 'stopped' || s.state === 'dead') {
    // hooks of a program that ran after its recorded one ended: not the pane board up started
    Object.assign(base, { target: null, socket: null, stopping: false });
  }
  switch (ev.name) {
    case 'SessionStart':
      return base.state === 'working' ? base : move(base, 'idle', now, { tool: null, detail: null });
    case 'UserPromptSubmit':
      return move(base, 'working', now, { tool: null, detail: null, blocks: 0 });
    case 'PreToolUse':
    case 'PostToolUse':
    case 'PermissionRequest':
      if (ev.name === 'PermissionRequest')
        return move(base, 'waiting', now, { detail: 'permission', tool: ev.tool ?? base.tool });
      return move(base, 'working', now, { tool: ev.tool ?? base.tool, detail: null });
    case 'Notification': {
      const type = ev.notification ?? '';
      if (type === 'idle_prompt') return move(base, 'idle', now, { tool: null, detail: null });
      if (
        type === 'permission_prompt' ||
        type === 'elicitation_dialog' ||
        /permission|waiting for your input|needs your/i.test(ev.message ?? '')
      ) {
        return move(base, 'waiting', now, { detail: type || 'input' });
      }
      return base;
    }
    case 'Stop':
      if (opts.blocked) return move(base, 'working', now, { blocks: base.blocks + 1 });
      return move(base, 'idle', now, { tool: null, detail: null, blocks: 0 });
    case 'SessionEnd':
      return move(base, 'stopped', now, { tool: null, detail: null });
    default:
      return base;
  }
}

/** Whether a Stop hook may block (hand over recados) now: never an endless loop. */
export function mayBlockStop(s: AgentRunState | null, stopHookActive: boolean): boolean {
  const blocks = s?.blocks ?? 0;
  return !stopHookActive || blocks < STOP_BLOCKS_MAX;
}

/** Whether hook activity should renew the agent's claims now. */
export function renewDue(s: AgentRunState, nowMs: number): boolean {
  if (s.state !== 'working') return false;
  const last = s.renewed ? Date.parse(s.renewed) : NaN;
  return !(nowMs - last < RENEW_EVERY_MS);
}

/** What a program's exit means: asked to stop or exit 0 → stopped; anything else → dead. */
export function applyExit(
  s: AgentRunState,
  exit: { code: number | null; signal: string | null },
  now: string,
): AgentRunState {
  const failed = !s.stopping && !(exit.code === 0 && !exit.signal);
  return move({ ...s, event: 'exit', at: now, exit }, failed ? 'dead' : 'stopped', now, { tool: null, detail: null });
}

/** Restarts still counted (within the window). */
export function recentRestarts(s: AgentRunState, nowMs: number): string[] {
  return s.restarts.filter((t) => nowMs - Date.parse(t) < RESTART_WINDOW_MS);
}

/** Whether a dead agent is restarted now. */
export function shouldRestart(s: AgentRunState, policy: RestartPolicy, nowMs: number): boolean {
  return s.state === 'dead' && policy === 'on-failure' && recentRestarts(s, nowMs).length < RESTART_MAX;
}

/**
 * The state of a program without hooks, read from its pane: gone → stopped/dead (from the
 * recorded state), printed lately → working, else idle.
 */
export function paneState(
  s: AgentRunState,
  pane: { alive: boolean; dead: boolean; activityMs: number | null } | null,
  nowMs: number,
): AgentRunState {
  if (s.state === 'stopped' || s.state === 'dead') return s;
  const iso = new Date(nowMs).toISOString();
  if (!pane || pane.dead || !pane.alive) {
    return move(s, s.stopping ? 'stopped' : 'dead', iso, {
      detail: pane ? 'its program exited' : 'its tmux pane is gone',
    });
  }
  if (s.hooks) return s;
  const active = pane.activityMs !== null && nowMs - pane.activityMs < PANE_ACTIVE_MS;
  return move(
    s,
    active ? 'working' : 'idle',
    active ? iso : new Date(Math.min(nowMs, (pane.activityMs ?? nowMs) + PANE_ACTIVE_MS)).toISOString(),
  );
}

/** A one-line description of a state, e.g. "working (Bash) since 12:03:04". */
export function describeState(s: Pick<AgentRunState, 'state' | 'tool' | 'detail'>): string {
  if (s.state === 'working' && s.tool) return `working (${s.tool})`;
  if (s.state === 'waiting') return `waiting (${s.detail ?? 'input'})`;
  return s.state;
}
