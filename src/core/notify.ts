/**
 * Poking a conversation when a recado lands for its agent (opt-in per agent in board.yaml:
 * `tmux: TARGET`, `notify: COMMAND`, `notify_every: 30s`). Pure decisions: the one-line
 * notice, how a pane is poked, when the next notice may go out. The watcher plugin
 * (watch/notify.ts) runs tmux and the commands.
 */

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

export interface NoticeItem {
  from: string;
  subject: string;
  ticket: string | null;
}

/** One line, no control characters, bounded: safe to type into a pane. */
export function oneLine(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * The notice for new recados, the latest being the last item. It starts with the word
 * "recado": never `/`, `!` or `#` (Claude Code's command, shell and memory prefixes), and
 * never a digit (which would pick an option in a menu the program may be showing).
 */
export function noticeText(agent: string, items: NoticeItem[]): string {
  const last = items[items.length - 1];
  const what = `"${oneLine(last.subject, 80)}"${last.ticket ? ` [${last.ticket}]` : ''}`;
  const head = items.length === 1 ? `recado for ${agent} from ${last.from}: ${what}` : `recados for ${agent}: ${items.length} new (latest from ${last.from}: ${what})`;
  return oneLine(`${head}. Read ${items.length === 1 ? 'it' : 'them'}: board inbox --as ${agent}`, 300);
}

/** Programs a notice is never typed into (it would run as a command or edit a file): shells, editors, pagers. */
const NO_TYPING = new Set([
  'sh', 'bash', 'zsh', 'fish', 'dash', 'ksh', 'tcsh', 'csh', 'ash', 'nu', 'xonsh', 'pwsh', 'elvish', 'login',
  'vi', 'vim', 'nvim', 'view', 'emacs', 'nano', 'micro', 'helix', 'hx', 'kak', 'joe', 'mcedit', 'ed',
  'less', 'more', 'most', 'man', 'top', 'htop', 'btop', 'watch', 'tmux', 'screen', 'ssh', 'mosh',
]);

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
 * How to poke a pane: type the notice (then Enter) into a conversation program (Claude Code,
 * another agent CLI), or show it on the status line (`display-message`) when a shell, an
 * editor or a pager runs there (typing would run or change something).
 */
export function pokeHow(pane: PaneInfo): PokeHow {
  if (pane.dead) return 'message';
  const cmd = pane.command.trim().replace(/^-/, '').split('/').pop() ?? '';
  return NO_TYPING.has(cmd) ? 'message' : 'type';
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
