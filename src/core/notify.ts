/**
 * Poking a conversation when a recado lands for its agent (opt-in per agent in board.yaml:
 * `tmux: TARGET`, `notify: COMMAND`, `notify_every: 30s`). Pure decisions: the one-line
 * notice, how a pane is poked, when the next notice may go out. The watcher plugin
 * (watch/notify.ts) runs tmux and the commands.
 */
import { mayType } from './agents.js';

/** At most one tmux notice per agent per this long, unless board.yaml says `notify_every:`. */
export const DEFAULT_NOTIFY_EVERY_MS = 30_000;
/** A first notice waits this long, so that a burst of recados becomes one notice. */
export const GATHER_MS = 250;
/** A busy pane is looked at again after this long ... */
export const BUSY_RETRY_MS = 2_000;
/** ... and after this long busy, the notice goes to the status line instead (display-message). */
export const BUSY_GIVE_UP_MS = 60_000;
/** Between typing the notice and pressing Enter: TUIs that detect pastes take an Enter that follows typed text at once as a newline. */
export const ENTER_DELAY_MS = 500;
/** A `notify:` command is killed after this long. */
export const COMMAND_TIMEOUT_MS = 10_000;
/** Recados waiting for a `notify:` command of one agent beyond this many are not notified (they are in the inbox anyway). */
export const COMMAND_QUEUE_MAX = 100;

/** C0 and C1 controls, DEL, line/paragraph separators and bidi controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Text made safe for a terminal: control and bidi characters removed (newlines kept when asked, tabs as spaces). */
export function terminalSafe(s: string, opts: { keepNewlines?: boolean } = {}): string {
  if (!opts.keepNewlines) return s.replace(UNSAFE, '');
  return s
    .split('\n')
    .map((l) => l.replace(/\t/g, '        ').replace(UNSAFE, ''))
    .join('\n');
}

/** One line, no control or bidi characters, bounded. */
export function oneLine(s: string, max: number): string {
  const flat = s.replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The notice typed into an agent's pane: a fixed line with no text chosen by a sender (not
 * even a subject), only the agent's own name and a count. It starts with the word "recado":
 * never `/`, `!` or `#` (command, shell and memory prefixes of agent CLIs), and never a digit
 * (which would pick an option in a menu the program may be showing).
 */
export function noticeText(agent: string, count: number): string {
  const n = Math.max(1, Math.floor(count));
  return `recado: ${n} new for ${agent} (board inbox)`;
}

/** Text for tmux's display-message, which expands formats: `#{...}`, and `#(...)` would run a command. */
export function escapeFormat(text: string): string {
  return text.replace(/#/g, '##');
}

export interface PaneInfo {
  command: string;
  /** In copy mode or another mode: keys would go to tmux, not the program. */
  inMode: boolean;
  dead: boolean;
}

export type PokeHow = 'type' | 'message';

/**
 * How to poke a pane: type the notice (then Enter) only when its foreground program is a
 * known agent CLI (core/agents.ts AGENT_PROGRAMS, plus `programs:` from board.yaml); any
 * other program — a shell, `script`, `sudo`, `ssh`, `docker`/`kubectl exec`, a REPL, an
 * editor — gets the notice on tmux's status line (`display-message`) instead.
 */
export function pokeHow(pane: PaneInfo, extraPrograms: readonly string[] = []): PokeHow {
  if (pane.dead || pane.inMode) return 'message';
  return mayType(pane.command, extraPrograms) ? 'type' : 'message';
}

/**
 * The tmux format that `parsePaneInfo` reads. Flags first, the command last: separated by
 * plain spaces, because tmux prints control characters such as a tab as `_` when the locale
 * is not UTF-8 (a watcher started from cron or a bare environment).
 */
export const PANE_INFO_FORMAT = '#{pane_in_mode} #{pane_dead} #{pane_current_command}';

export function parsePaneInfo(line: string): PaneInfo {
  const m = /^(\d+) (\d+) (.*)$/.exec(line.replace(/\n$/, ''));
  if (!m) return { command: '', inMode: false, dead: false };
  return { command: m[3], inMode: m[1] === '1', dead: m[2] === '1' };
}

/** When the next notice for an agent may go out, given the last one (ms since 1970, or null). */
export function nextNoticeAt(lastAt: number | null, now: number, everyMs: number): number {
  const earliest = lastAt === null ? now : lastAt + everyMs;
  return Math.max(earliest, now + GATHER_MS);
}
