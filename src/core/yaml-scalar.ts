/**
 * YAML scalars as the board reads them (YAML 1.2, core schema): what a plain scalar means,
 * and how to write a string so that it reads back as that same string. Pure.
 *
 * The resolution rules are the core schema's, in its order: null, bool, int (octal,
 * decimal, hex), float (.inf/.nan, exponent, decimal); anything else is a string. In this
 * schema `yes`, `no`, `on`, `off` and timestamps are strings.
 */

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** Every pattern above in one (a quick "is it a string" test). */
const NOT_A_STRING = new RegExp(
  `^(?:${[NULL, BOOL, INT_OCT, INT, INT_HEX, FLOAT_NAN, FLOAT_EXP, FLOAT].map((r) => r.source.slice(1, -1)).join('|')})$`,
);

export type YamlScalar = string | number | boolean | null;

/** The value of a plain (unquoted) scalar's text in the YAML 1.2 core schema. */
export function resolvePlain(s: string): YamlScalar {
  // most plain scalars are words: only these first characters can start anything but a string
  const c = s.charCodeAt(0);
  const maybe =
    s === '' ||
    (c >= 48 && c <= 57) ||
    c === 43 ||
    c === 45 ||
    c === 46 ||
    c === 126 || // 0-9 + - . ~
    c === 110 ||
    c === 78 ||
    c === 116 ||
    c === 84 ||
    c === 102 ||
    c === 70; // n N t T f F
  if (!maybe || !NOT_A_STRING.test(s)) return s;
  if (NULL.test(s)) return null;
  if (BOOL.test(s)) return s[0] === 't' || s[0] === 'T';
  if (INT_OCT.test(s)) return parseInt(s.slice(2), 8);
  if (INT.test(s)) return parseInt(s, 10);
  if (INT_HEX.test(s)) return parseInt(s.slice(2), 16);
  if (FLOAT_NAN.test(s)) {
    if (s.slice(-3).toLowerCase() === 'nan') return NaN;
    return s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (FLOAT_EXP.test(s) || FLOAT.test(s)) return parseFloat(s);
  return s;
}

/**
 * Words and shapes that other YAML readers (YAML 1.1: PyYAML, js-yaml 3, Ruby) take for a
 * boolean, null, number or date. The board's reader takes them as strings, but the board
 * quotes them anyway, so a file it writes means the same thing to every reader. (ISO
 * timestamps in the board's own UTC form, `2026-11-21T09:00:00Z`, stay plain: that is how
 * every board file writes its times.)
 */
const OTHER_READERS = new Set(['yes', 'no', 'on', 'off', 'y', 'n', 'true', 'false', 'null', '~']);
const NUMBER_LIKE = /^[-+]?[0-9.][0-9a-fA-FxXoObB_:.eE+-]*$|^[-+]?\.(?:inf|nan)$/i;
const BOARD_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z$/;

/** Characters that may not start a plain scalar (YAML indicators), or that need care. */
const BAD_START = /^[-?:,[\]{}#&*!|>'"%@`\s]/;
/**
 * Characters a plain scalar the board writes may hold: printable ASCII and printable
 * Unicode, no flow indicators (so the same text works inside `[a, b]`), no `#`.
 */
const PLAIN_CHARS = /^[^\x00-\x1f\x7f-\x9f,[\]{}#\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]*$/;

/** Whether `s`, written without quotes (in a block value or a flow list), reads back as `s`. */
export function isPlainSafe(s: string): boolean {
  if (s === '' || s.length > 1000) return false;
  if (BAD_START.test(s) || /\s$/.test(s)) return false;
  if (!PLAIN_CHARS.test(s)) return false;
  // ": " starts a mapping; a trailing ":" too; a ":" before a flow indicator or the end
  if (/:(?:\s|$)/.test(s)) return false;
  if (resolvePlain(s) !== s) return false;
  if (OTHER_READERS.has(s.toLowerCase())) return false;
  if (NUMBER_LIKE.test(s) && !BOARD_TIME.test(s)) return false;
  return true;
}

/**
 * A YAML scalar for a string: plain when it reads back as the same string in YAML 1.2 and
 * cannot be taken for anything else by another reader, else double-quoted (a JSON string
 * is a valid YAML double-quoted scalar).
 */
export function yamlString(s: string): string {
  return isPlainSafe(s) ? s : JSON.stringify(s);
}
