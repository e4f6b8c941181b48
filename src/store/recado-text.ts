/**
 * The text of a recado file: writing its front-matter (plain scalars where YAML reads them
 * back as the same string, else quoted) and reading it fast when it is a few `key: text`
 * lines, with the YAML parser for anything else.
 */
import type { Document } from 'yaml';
import { parseFrontmatter, serialize, setField, yaml } from './frontmatter.js';

/* -------------------------------------------------------------- rendering ---- */

const PLAIN = /^[A-Za-z_][A-Za-z0-9_ .\/()-]*$/;
const PLAIN_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
const PLAIN_ID = /^[a-z0-9][a-z0-9._-]*$/;
const WORDS = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n']);

/**
 * A YAML scalar for a string: plain when that cannot be read as anything else (a number,
 * true/null, an indicator, a comment, a key), else double-quoted (a JSON string is a valid
 * YAML double-quoted scalar).
 */
export function yamlString(s: string): string {
  const plain =
    !WORDS.has(s.toLowerCase()) && (PLAIN.test(s) && !s.endsWith(' ')) ||
    PLAIN_TIME.test(s) ||
    (!WORDS.has(s) && PLAIN_ID.test(s) && /[a-z]/.test(s) && !/^(0x|0o|\d+e)/.test(s) && !/^[\d.]+$/.test(s) && !s.endsWith('.'));
  return plain ? s : JSON.stringify(s);
}

/**
 * The Markdown text of a recado: front-matter in the order given, then the body. Strings and
 * lists of strings (the fields the board knows) are written directly; anything else (keys a
 * sender added) goes through the yaml library.
 */
export function renderRecado(fields: Record<string, unknown>, body: string): string {
  const text = (body === '' || body.endsWith('\n')) ? body : body + '\n';
  const simple = Object.values(fields).every((v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')));
  if (simple) {
    let fm = '';
    for (const [k, v] of Object.entries(fields)) {
      fm += `${k}: ${Array.isArray(v) ? `[${v.map(yamlString).join(', ')}]` : yamlString(v as string)}\n`;
    }
    return `---\n${fm}---\n${text}`;
  }
  const Y = yaml();
  const doc = new Y.Document({}) as Document;
  for (const [k, v] of Object.entries(fields)) setField(doc, k, v);
  return serialize(doc, body === '' || body.endsWith('\n') ? body : body + '\n');
}

/* ---------------------------------------------------------------- parsing ---- */

const FAST_KEY = /^([a-z_][a-z0-9_]{0,63}): (.+)$/;

function fastScalar(v: string): string | undefined {
  if (v.startsWith('"')) {
    if (!v.endsWith('"') || v.length < 2) return undefined;
    try {
      const s = JSON.parse(v);
      return typeof s === 'string' ? s : undefined;
    } catch {
      return undefined;
    }
  }
  return yamlString(v) === v ? v : undefined;
}

/**
 * The front-matter of a recado, fast: most recados are a few `key: text` lines, which are
 * read here directly (about 10x faster than the YAML parser, which is most of the cost of
 * routing one). Returns null for anything else — comments, nesting, numbers, anything that is
 * not plainly a string or a one-line list of strings — which the full parser then reads, so
 * the result is always what the YAML parser gives.
 */
export function fastFrontmatter(raw: string): { data: Record<string, unknown>; body: string } | null {
  if (!raw.startsWith('---\n')) return null;
  const close = raw.indexOf('\n---', 3);
  const after = close + 4;
  if (close < 3 || (after !== raw.length && raw[after] !== '\n')) return null;
  const data: Record<string, unknown> = {};
  for (const line of raw.slice(4, close + 1).split('\n')) {
    if (line === '') continue;
    const m = FAST_KEY.exec(line);
    if (!m || m[1] in data) return null;
    const v = m[2];
    if (v.startsWith('[')) {
      if (!v.endsWith(']')) return null;
      const inner = v.slice(1, -1);
      const items = inner === '' ? [] : inner.split(', ').map(fastScalar);
      if (items.some((x) => x === undefined || x.includes(',') || /[[\]{}]/.test(x))) return null;
      data[m[1]] = items;
    } else {
      const x = fastScalar(v);
      if (x === undefined) return null;
      data[m[1]] = x;
    }
  }
  return { data, body: after === raw.length ? '' : raw.slice(after + 1) };
}

/** A recado file's front-matter and body (fast when it is simple, else the YAML parser). */
export function parseRecadoText(raw: string, display: string): { data: Record<string, unknown>; body: string } {
  const fast = fastFrontmatter(raw);
  if (fast) return fast;
  const { data, body } = parseFrontmatter(raw, display);
  return { data, body };
}

