/**
 * Escaping text that came from a file before it reaches a terminal. Titles, subjects, bodies
 * and names are written by agents, so they are hostile: a raw ESC or BEL could clear the
 * screen, set the window title or write the clipboard (OSC 52), and a bidi override could
 * make a line read differently from what it holds. This is the ONE function that makes such
 * text inert; every human output of the CLI goes through it (`--json` keeps the exact text).
 *
 * Escaped (shown as `\xHH` or `\uHHHH`, so the reader sees that something was there):
 *  - C0 controls U+0000–U+001F except newline and tab (and a CR right before a newline),
 *    DEL U+007F, C1 controls U+0080–U+009F (ESC, BEL, CSI, OSC, … included);
 *  - the bidi controls U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069;
 *  - with `oneLine`: also newline, tab and every CR (a title or subject stays on one line).
 */

const CONTROL =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g;
const CONTROL_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const hex = (c: string): string => {
  const n = c.charCodeAt(0);
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  if (c === '\t') return '\\t';
  return n < 0x100 ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
};

/** `s` with every terminal control and bidi override made visible and inert. */
export function escapeText(s: string, opts: { oneLine?: boolean } = {}): string {
  return s.replace(opts.oneLine ? CONTROL_ONE_LINE : CONTROL, hex);
}

/** Does `s` hold anything `escapeText` would change? */
export function hasControls(s: string, opts: { oneLine?: boolean } = {}): boolean {
  return escapeText(s, opts) !== s;
}

/**
 * Escape a whole output line but keep the exact colour sequences the CLI itself writes
 * (`ESC [ <n> m` for the codes in `keep`). Used by the output functions when colour is on;
 * without colour nothing is kept.
 */
export function escapeLine(line: string, keep: ReadonlySet<string> | null): string {
  if (!keep) return escapeText(line);
  return line.replace(/\u001b\[(\d{1,2})m|[^\u001b]+|\u001b/g, (m, n: string | undefined) =>
    n !== undefined && keep.has(n) ? m : escapeText(m),
  );
}
