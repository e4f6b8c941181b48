/**
 * Front-matter text → data, fast, for the shapes the board writes and people usually write;
 * `null` for anything else, which the `yaml` package then reads. Pure.
 *
 * Exactness is the contract: whenever `readSimpleYaml` returns data, it is exactly what the
 * `yaml` package (YAML 1.2, core schema, unique keys) gives for the same text; a property
 * test compares both on generated documents. It accepts, at the top level, a block mapping
 * of ASCII keys whose values are on one line:
 *   - plain scalars (resolved as the core schema does: null, bool, int, float, else string),
 *   - 'single' and "double" quoted scalars (the double-quoted escapes of YAML),
 *   - flow lists of such scalars, `[a, "b", 3]`,
 * or, after `key:` alone on its line, a block list (`- item` lines) of such scalars or one
 * level of `key: value` lines (a `claim:`). Comments and blank lines anywhere, CRLF line
 * ends. Anything else — anchors, aliases, tags, block scalars, multi-line scalars, flow
 * maps, deeper nesting, tabs, control characters, duplicate keys, errors — returns null.
 */
import { resolvePlain, type YamlScalar } from './yaml-scalar.js';

/* ----------------------------------------------------------- the split ---- */

export interface SplitFile {
  /** The front-matter text: from just after the opening `---` to just before the closing `\n---`. */
  matter: string;
  /** What lies between the front-matter and the body (the closing `---` line). */
  tail: string;
  body: string;
  /** True when the front-matter holds nothing but whitespace and comments (not parsed at all). */
  empty: boolean;
}

/**
 * Split a file that starts with a `---` line the way gray-matter does: the front-matter
 * ends at the first `\n---` (whatever follows it on that line), the body starts after it
 * and one line break. In linear time (gray-matter's own emptiness test is quadratic on
 * whitespace).
 */
export function splitFrontmatter(text: string): SplitFile {
  const str = text.slice(3);
  let close = str.indexOf('\n---');
  if (close === -1) close = str.length;
  const matter = str.slice(0, close);
  let body = close === str.length ? '' : str.slice(close + 4);
  if (body[0] === '\r') body = body.slice(1);
  if (body[0] === '\n') body = body.slice(1);
  const tail = text.slice(3 + matter.length, text.length - body.length);
  return { matter, tail, body, empty: onlyComments(matter) };
}

const WS = /\s/;
const TERMINATOR = /[\n\r\u2028\u2029]/;

/**
 * Whether the text is empty once every `^\s*#[^\n]+` (multiline) is removed and it is
 * trimmed: gray-matter's test for an empty front-matter, computed in one pass.
 */
function onlyComments(s: string): boolean {
  let lineStart = true;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (WS.test(c)) {
      if (TERMINATOR.test(c)) lineStart = true;
      continue;
    }
    if (c === '#' && lineStart && i + 1 < s.length && s[i + 1] !== '\n') {
      const nl = s.indexOf('\n', i);
      i = (nl === -1 ? s.length : nl) - 1;
      lineStart = false;
      continue;
    }
    return false;
  }
  return true;
}

/* ----------------------------------------------------------- the limits ---- */

/** The largest front-matter the board reads, in characters. */
export const MAX_FRONTMATTER_CHARS = 16 * 1024;
/** The most lines plus flow-collection items (`,`, `[`, `{`) a front-matter may have. */
export const MAX_FRONTMATTER_ITEMS = 200;

/**
 * Why a front-matter is too big to read (null when it is not). Checked before any parser
 * runs, in linear time, so that no file can make a read take long: the YAML parser's cost
 * grows with the number of nodes, and a duplicate-key check with their square.
 */
export function frontmatterTooBig(matter: string): { message: string; hint: string } | null {
  if (matter.length > MAX_FRONTMATTER_CHARS) {
    return {
      message: `front-matter is ${matter.length} characters, over the limit of ${MAX_FRONTMATTER_CHARS}`,
      hint: 'keep long text in the Markdown body, below the closing "---"',
    };
  }
  let items = 0;
  for (let i = 0; i < matter.length; i++) {
    const c = matter.charCodeAt(i);
    // \n , [ {, and the other line ends a regular expression's ^ sees (lone \r, U+2028, U+2029)
    if (
      c === 10 ||
      c === 44 ||
      c === 91 ||
      c === 123 ||
      c === 0x2028 ||
      c === 0x2029 ||
      (c === 13 && matter.charCodeAt(i + 1) !== 10)
    )
      items++;
  }
  if (items > MAX_FRONTMATTER_ITEMS) {
    return {
      message: `front-matter has ${items} lines and list items, over the limit of ${MAX_FRONTMATTER_ITEMS}`,
      hint: 'a ticket or recado has a few dozen fields; keep long lists and text in the Markdown body',
    };
  }
  return null;
}

/* ------------------------------------------------------------ the reader ---- */

export type SimpleValue = YamlScalar | YamlScalar[] | Record<string, YamlScalar | YamlScalar[]>;

export interface SimpleYaml {
  data: Record<string, SimpleValue>;
  /** The line (1-based, counting the opening `---` line as 1) of each top-level key. */
  lines: Map<string, number>;
}

/** Characters the fast reader leaves to the YAML parser wherever they appear. */
const UNSAFE_CHARS =
  /[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|\r(?!\n)|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** A quick first look: none of these, and the text has no unsafe character. */
const MAYBE_UNSAFE = /[\t\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;
const KEY_LINE = /^([A-Za-z_][A-Za-z0-9_./-]{0,199}):(?: |$)/;
const COMMENT_OR_END = /^ *(?:#.*)?$/;

const indentOf = (line: string) => {
  let n = 0;
  while (line.charCodeAt(n) === 32) n++;
  return n;
};
const isBlank = (line: string, indent: number) => indent === line.length || line[indent] === '#';

const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Set a new key as yaml's toJS does: an own property, even for names an object inherits
 * (`constructor`, `toString`; `__proto__` is left to the parser). Keys are never repeated here.
 */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (INHERITED.has(key))
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  else obj[key] = value;
}

/** A key's text as a string key, or null when YAML would read it as something else. */
function keyOf(raw: string): string | null {
  if (raw === '__proto__') return null;
  return typeof resolvePlain(raw) === 'string' ? raw : null;
}

/** One scalar at the start of `s` (flow: inside `[...]`): its value and the rest of `s`. */
function scalarAt(s: string, flow: boolean): { value: YamlScalar; rest: string } | null {
  const c = s[0];
  if (c === '"') return doubleQuoted(s);
  if (c === "'") {
    let i = 1;
    for (;;) {
      const q = s.indexOf("'", i);
      if (q === -1) return null;
      if (s[q + 1] === "'") {
        i = q + 2;
        continue;
      }
      return { value: s.slice(1, q).replaceAll("''", "'"), rest: s.slice(q + 1) };
    }
  }
  if (c === undefined || /[?:,[\]{}#&*!|>%@`' "-]/.test(c)) {
    // a "-" followed by a non-space is a plain scalar (-1, -x)
    if (!(c === '-' && s.length > 1 && s[1] !== ' ' && s[1] !== ',' && s[1] !== ']')) return null;
  }
  let end = s.length;
  const hash = s.indexOf(' #');
  if (hash !== -1) end = hash;
  if (flow) {
    const m = /[,[\]{}]/.exec(s);
    if (m && m.index < end) end = m.index;
  }
  const text = s.slice(0, end).replace(/ +$/, '');
  if (text === '' || text.includes(': ') || text.endsWith(':')) return null;
  return { value: resolvePlain(text), rest: s.slice(end) };
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
};

function doubleQuoted(s: string): { value: string; rest: string } | null {
  let out = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === '"') return { value: out, rest: s.slice(i + 1) };
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = s[++i];
    if (e !== undefined && Object.hasOwn(ESCAPES, e)) {
      out += ESCAPES[e];
      continue;
    }
    const len = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
    const hex = s.slice(i + 1, i + 1 + len);
    if (!len || hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) return null;
    const code = parseInt(hex, 16);
    if (code > 0x10ffff) return null;
    out += String.fromCodePoint(code);
    i += len;
  }
  return null; // not closed on this line
}

/** A whole one-line value: a scalar or a flow list, then at most a comment. */
function inlineValue(s: string): YamlScalar | YamlScalar[] | null | undefined {
  if (s[0] === '[') {
    const items: YamlScalar[] = [];
    let rest = s.slice(1).replace(/^ +/, '');
    if (rest[0] === ']') rest = rest.slice(1);
    else {
      for (;;) {
        const item = scalarAt(rest, true);
        if (!item) return undefined;
        items.push(item.value);
        rest = item.rest.replace(/^ +/, '');
        if (rest[0] === ']') {
          rest = rest.slice(1);
          break;
        }
        if (rest[0] !== ',') return undefined;
        rest = rest.slice(1).replace(/^ +/, '');
      }
    }
    return COMMENT_OR_END.test(rest) && (rest === '' || rest[0] === ' ') ? items : undefined;
  }
  const one = scalarAt(s, false);
  if (!one) return undefined;
  return one.rest === '' || (COMMENT_OR_END.test(one.rest) && one.rest[0] === ' ') ? one.value : undefined;
}

/**
 * Read a front-matter (as split off by `splitFrontmatter`) when it has only the shapes
 * above; null otherwise.
 */
export function readSimpleYaml(matter: string): SimpleYaml | null {
  if (MAYBE_UNSAFE.test(matter) && UNSAFE_CHARS.test(matter)) return null;
  const lines = matter.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
  const data: Record<string, SimpleValue> = {};
  const keyLines = new Map<string, number>();
  let i = 0;
  const nextContent = (from: number) => {
    let j = from;
    while (j < lines.length && isBlank(lines[j], indentOf(lines[j]))) j++;
    return j;
  };
  for (i = nextContent(0); i < lines.length; i = nextContent(i)) {
    const line = lines[i];
    if (indentOf(line) !== 0) return null;
    const m = KEY_LINE.exec(line);
    if (!m) return null;
    const key = keyOf(m[1]);
    if (key === null || keyLines.has(key)) return null;
    keyLines.set(key, i + 1);
    let a = m[0].length;
    while (line.charCodeAt(a) === 32) a++;
    const after = line.slice(a);
    i++;
    if (after !== '' && after[0] !== '#') {
      const v = inlineValue(after);
      if (v === undefined) return null;
      put(data, key, v);
      continue;
    }
    // `key:` alone: a block list, a one-level map, or null
    const j = nextContent(i);
    const next = j < lines.length ? lines[j] : '';
    const indent = indentOf(next);
    if (j < lines.length && (next.startsWith('- ', indent) || (next.length === indent + 1 && next[indent] === '-'))) {
      const items: YamlScalar[] = [];
      for (i = j; i < lines.length; i = nextContent(i + 1)) {
        const l = lines[i];
        if (indentOf(l) !== indent || !l.startsWith('- ', indent)) break;
        const v = inlineValue(l.slice(indent + 2).replace(/^ +/, ''));
        if (v === undefined || Array.isArray(v)) return null;
        items.push(v);
      }
      if (i < lines.length && indentOf(lines[i]) !== 0) return null;
      put(data, key, items);
    } else if (j < lines.length && indent > 0) {
      const map: Record<string, YamlScalar | YamlScalar[]> = {};
      const seen = new Set<string>();
      for (i = j; i < lines.length; i = nextContent(i + 1)) {
        const l = lines[i];
        const ind = indentOf(l);
        if (ind === 0) break;
        if (ind !== indent) return null;
        const mm = KEY_LINE.exec(l.slice(indent));
        if (!mm) return null;
        const k = keyOf(mm[1]);
        if (k === null || seen.has(k)) return null;
        seen.add(k);
        const rest = l.slice(indent + mm[0].length).replace(/^ +/, '');
        if (rest === '' || rest[0] === '#') return null;
        const v = inlineValue(rest);
        if (v === undefined) return null;
        put(map, k, v);
      }
      put(data, key, map);
    } else {
      put(data, key, null);
    }
  }
  return { data, lines: keyLines };
}
