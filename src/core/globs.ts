/**
 * `locks:` globs: what they mean, when two of them overlap, and matching a file path.
 * Pure (picomatch is plain JavaScript, loaded on first use).
 *
 * The language (one definition, used by both the overlap test and the matcher):
 * - A glob is a `/`-separated path relative to the repository root. `./` at the start, empty
 *   segments (`a//b`) and `.` segments are dropped; a trailing `/` means "the folder and
 *   everything under it" (`src/` is `src/**`). A bare path (`src/auth`) names that path only:
 *   write `src/auth/**` to reserve a folder.
 * - `**` as a whole segment matches zero or more segments (any depth, dot folders included).
 * - Inside a segment: `*` matches any run of characters (possibly empty) other than `/`,
 *   `?` exactly one such character, `[abc]` / `[a-z]` one character of the set, `[!a]` or
 *   `[^a]` one character not in it (never `/`), `[[:alpha:]]` and the other POSIX classes
 *   (ASCII), `\x` the character x literally. `**` inside a segment (`a**`) is the same as `*`.
 *   Dot files are matched like any other name (`*` matches `.env`); matching is
 *   case-sensitive.
 * - Braces: `{a,b}` (nested allowed) and ranges `{1..5}`, `{a..e}` are expanded into
 *   alternatives before anything else, at most 64 per glob. `{x}` without a comma or range
 *   is literal, as in bash.
 * - An unclosed `[` is a literal `[`, unbalanced braces are literal, and extended globs
 *   (`@(a|b)`, `+(x)`) are not supported: `(`, `)`, `|`, `+`, `@`, `!` are ordinary
 *   characters. Refused, with the reason: a leading `!` (negation means nothing in a
 *   reservation), `..` segments, a class that can match no character, a character above
 *   U+FFFF inside a class, more than 64 brace alternatives.
 *
 * Overlap (precise): two globs overlap when there exists a path, made of non-empty segments
 * other than `.` and `..`, matched by both. It is decided exactly for this language,
 * segment by segment, by a search over pairs of positions (like intersecting two regular
 * languages): `**` may swallow zero or more whole segments of the other side, two segment
 * patterns overlap when some non-empty string matches both (`*` against any run, `?` and
 * classes against one character of their intersection), and a small automaton keeps the
 * common name from being empty, `.` or `..` (so `[.]` against `*` is no overlap: no file is
 * called "."). When a glob cannot be read (it is refused above), the answer is "overlap":
 * unsure means reserved. Every positive answer comes with an example path matched by both.
 *
 * Matching a concrete path (`board check-paths`): the path is split into segments, `**` is
 * handled here (zero or more segments), and each other segment is matched by picomatch on a
 * canonical rendering of the parsed segment (every literal escaped, negated classes as
 * `[^…]`) with `dot`, no braces, no extglobs, no negation and no literal-bracket fallback.
 * So the matcher and the overlap test read the same language. (picomatch reading a glob raw
 * has quirks this avoids: `[!a]` is not a negation without `posix`, `[ab]` also matches the
 * literal text "[ab]", in `*.*` the last star needs a character, and a trailing `/**` after
 * a wildcard segment (`src/*` + `/**`) does not match zero segments.)
 */
import { createRequire } from 'node:module';

/* ---------------------------------------------------------------- the model ---- */

/** A set of code points as sorted, disjoint, inclusive ranges. Never contains `/`. */
type CharSet = ReadonlyArray<readonly [number, number]>;

export type Token =
  | { t: 'lit'; cp: number }
  | { t: 'any' }
  | { t: 'star' }
  /** `neg` and `written` describe the class as written (for rendering); `set` is its meaning. */
  | { t: 'class'; set: CharSet; neg: boolean; written: CharSet };

export type Segment = { t: 'globstar' } | { t: 'seg'; toks: Token[] };

export interface ParsedGlob {
  source: string;
  /** Brace-expanded alternatives; each is a list of segments. */
  alternatives: Segment[][];
}

export class GlobError extends Error {
  constructor(readonly glob: string, message: string) {
    super(message);
    this.name = 'GlobError';
  }
}

export const MAX_ALTERNATIVES = 64;
const SLASH = 0x2f;
const MAX_CP = 0x10ffff;
const ALL: CharSet = [[0, SLASH - 1], [SLASH + 1, MAX_CP]];

/* ----------------------------------------------------------- character sets ---- */

function normalizeSet(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = ranges.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

function withoutSlash(set: CharSet): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of set) {
    if (a <= SLASH && SLASH <= b) {
      if (a < SLASH) out.push([a, SLASH - 1]);
      if (SLASH < b) out.push([SLASH + 1, b]);
    } else out.push([a, b]);
  }
  return out;
}

function complement(set: CharSet): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [a, b] of set) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return withoutSlash(out);
}

function intersect(x: CharSet, y: CharSet): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < x.length && j < y.length) {
    const lo = Math.max(x[i][0], y[j][0]);
    const hi = Math.min(x[i][1], y[j][1]);
    if (lo <= hi) out.push([lo, hi]);
    if (x[i][1] < y[j][1]) i++;
    else j++;
  }
  return out;
}

function setOf(tok: Token): CharSet {
  switch (tok.t) {
    case 'lit': return [[tok.cp, tok.cp]];
    case 'class': return tok.set;
    default: return ALL;
  }
}

/** A readable character from a set: prefer letters and digits, then anything printable. */
function pickChar(set: CharSet): number | null {
  if (set.length === 0) return null;
  for (const pref of [[0x78, 0x78], [0x61, 0x7a], [0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x2d, 0x2d], [0x21, 0x7e]] as const) {
    const hit = intersect(set, [pref])[0];
    if (hit) return hit[0];
  }
  return set[0][0];
}

const POSIX_CLASSES: Record<string, Array<[number, number]>> = {
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  digit: [[0x30, 0x39]],
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  upper: [[0x41, 0x5a]],
  lower: [[0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
};

/* ------------------------------------------------------------------ parsing ---- */

/** Split a comma-separated list of globs, keeping commas inside braces and classes: `a/{b,c},d`. */
export function splitGlobList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      cur += c + value[++i];
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') inClass = value.indexOf(']', i + 2) > 0;
    else if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter(Boolean);
}

/** Expand `{a,b}` and `{1..3}` (nested), bash style. Unbalanced braces stay literal. */
export function expandBraces(glob: string, limit = MAX_ALTERNATIVES): string[] {
  // find the first top-level `{` that has a matching `}` with a `,` or `..` inside
  const chars = [...glob];
  for (let i = 0; i < chars.length; i++) {
    if (chars[i] === '\\') { i++; continue; }
    if (chars[i] !== '{') continue;
    let depth = 0;
    let end = -1;
    const commas: number[] = [];
    for (let j = i; j < chars.length; j++) {
      const c = chars[j];
      if (c === '\\') { j++; continue; }
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) { end = j; break; }
      } else if (c === ',' && depth === 1) commas.push(j);
    }
    if (end < 0) return [glob]; // unbalanced: literal
    const pre = chars.slice(0, i).join('');
    const post = chars.slice(end + 1).join('');
    const inner = chars.slice(i + 1, end).join('');
    let parts: string[];
    if (commas.length) {
      parts = [];
      let from = i + 1;
      for (const c of [...commas, end]) {
        parts.push(chars.slice(from, c).join(''));
        from = c + 1;
      }
    } else {
      const range = rangeItems(inner, limit);
      if (!range) {
        // `{x}`: literal braces; keep looking after it
        const rest = expandBraces(post, limit);
        return rest.map((r) => `${pre}{${inner}}${r}`);
      }
      parts = range;
    }
    const out: string[] = [];
    for (const p of parts) {
      for (const e of expandBraces(pre + p + post, limit)) {
        out.push(e);
        if (out.length > limit) throw new GlobError(glob, `"${glob}" expands to more than ${limit} alternatives`);
      }
    }
    return out;
  }
  return [glob];
}

function rangeItems(inner: string, limit: number): string[] | null {
  let m = /^(-?\d+)\.\.(-?\d+)$/.exec(inner);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    if (Math.abs(b - a) + 1 > limit) throw new GlobError(inner, `{${inner}} expands to more than ${limit} alternatives`);
    const step = a <= b ? 1 : -1;
    const out: string[] = [];
    for (let n = a; n !== b + step; n += step) out.push(String(n));
    return out;
  }
  m = /^([A-Za-z])\.\.([A-Za-z])$/.exec(inner);
  if (m) {
    const a = m[1].codePointAt(0)!;
    const b = m[2].codePointAt(0)!;
    const step = a <= b ? 1 : -1;
    const out: string[] = [];
    for (let n = a; n !== b + step; n += step) out.push(String.fromCodePoint(n));
    return out;
  }
  return null;
}

/** Parse one brace-free segment into tokens. */
function parseSegment(glob: string, seg: string): Token[] {
  const cps = [...seg].map((c) => c.codePointAt(0)!);
  const toks: Token[] = [];
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    if (c === 0x5c /* \ */) {
      if (i + 1 < cps.length) toks.push({ t: 'lit', cp: cps[++i] });
      else toks.push({ t: 'lit', cp: c });
      continue;
    }
    if (c === 0x2a /* * */) {
      if (toks[toks.length - 1]?.t !== 'star') toks.push({ t: 'star' });
      continue;
    }
    if (c === 0x3f /* ? */) {
      toks.push({ t: 'any' });
      continue;
    }
    if (c === 0x5b /* [ */) {
      const cls = parseClass(glob, cps, i);
      if (cls) {
        toks.push(cls.tok);
        i = cls.end;
        continue;
      }
      toks.push({ t: 'lit', cp: c }); // no closing `]`: a literal `[`
      continue;
    }
    toks.push({ t: 'lit', cp: c });
  }
  return toks;
}

/** `[...]` starting at cps[start]; null when there is no closing `]`. */
function parseClass(glob: string, cps: number[], start: number): { tok: Token; end: number } | null {
  let i = start + 1;
  let neg = false;
  if (cps[i] === 0x21 /* ! */ || cps[i] === 0x5e /* ^ */) {
    neg = true;
    i++;
  }
  const ranges: Array<[number, number]> = [];
  let first = true;
  for (; i < cps.length; i++) {
    let c = cps[i];
    if (c === 0x5d /* ] */ && !first) {
      const written = normalizeSet(ranges);
      if (written.some(([, b]) => b > 0xffff)) {
        throw new GlobError(glob, `"${glob}": character classes support characters up to U+FFFF only`);
      }
      const set = neg ? complement(written) : normalizeSet(withoutSlash(written));
      if (set.length === 0) throw new GlobError(glob, `"${glob}": the character class can match no character (a class never matches "/")`);
      return { tok: { t: 'class', set, neg, written }, end: i };
    }
    first = false;
    if (c === 0x5b /* [ */ && cps[i + 1] === 0x3a /* : */) {
      const close = findPosixEnd(cps, i + 2);
      if (close > 0) {
        const name = String.fromCodePoint(...cps.slice(i + 2, close));
        const posix = POSIX_CLASSES[name];
        if (!posix) throw new GlobError(glob, `"${glob}": unknown character class [:${name}:]`);
        ranges.push(...posix.map(([a, b]) => [a, b] as [number, number]));
        i = close + 1; // at the `]` closing "[:name:]"
        continue;
      }
    }
    if (c === 0x5c /* \ */ && i + 1 < cps.length) c = cps[++i];
    if (cps[i + 1] === 0x2d /* - */ && i + 2 < cps.length && cps[i + 2] !== 0x5d) {
      let hi = cps[i + 2];
      let skip = 2;
      if (hi === 0x5c && i + 3 < cps.length) {
        hi = cps[i + 3];
        skip = 3;
      }
      if (hi < c) throw new GlobError(glob, `"${glob}": reversed range in a character class`);
      ranges.push([c, hi]);
      i += skip;
      continue;
    }
    ranges.push([c, c]);
  }
  return null;
}

function findPosixEnd(cps: number[], from: number): number {
  for (let i = from; i + 1 < cps.length; i++) {
    if (cps[i] === 0x3a && cps[i + 1] === 0x5d) return i;
    if (!((cps[i] >= 0x61 && cps[i] <= 0x7a))) return -1;
  }
  return -1;
}

/** Split a brace-free glob into segments, normalising `./`, `//`, `.` and a trailing `/`. */
function parseAlternative(glob: string, alt: string): Segment[] {
  const trailingSlash = alt.endsWith('/');
  const raw = splitSegments(alt).filter((s) => s !== '' && s !== '.');
  if (raw.includes('..')) throw new GlobError(glob, `"${glob}" must not contain ".." segments`);
  const segs: Segment[] = raw.map((s) => (s === '**' ? { t: 'globstar' } : { t: 'seg', toks: parseSegment(glob, s) }));
  if (trailingSlash && segs.length) segs.push({ t: 'globstar' });
  // `**/**` is the same as `**`
  const out: Segment[] = [];
  for (const s of segs) if (!(s.t === 'globstar' && out[out.length - 1]?.t === 'globstar')) out.push(s);
  if (out.length === 0) throw new GlobError(glob, `"${glob}" names no path`);
  return out;
}

/** Split on `/` outside character classes and escapes. */
function splitSegments(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\' && i + 1 < chars.length && chars[i + 1] !== '/') {
      cur += c + chars[++i];
      continue;
    }
    if (c === '[') {
      const close = classEnd(chars, i);
      if (close > 0) {
        cur += chars.slice(i, close + 1).join('');
        i = close;
        continue;
      }
    }
    if (c === '/') {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

function classEnd(chars: string[], start: number): number {
  let i = start + 1;
  if (chars[i] === '!' || chars[i] === '^') i++;
  let first = true;
  for (; i < chars.length; i++) {
    const c = chars[i];
    if (c === ']' && !first) return i;
    first = false;
    if (c === '\\') { i++; continue; }
    if (c === '[' && chars[i + 1] === ':') {
      const end = chars.indexOf(':', i + 2);
      if (end > 0 && chars[end + 1] === ']') { i = end + 1; continue; }
    }
  }
  return -1;
}

const parsedCache = new Map<string, ParsedGlob>();

/** Parse a lock glob. Throws GlobError with the reason when it is refused. */
export function parseGlob(glob: string): ParsedGlob {
  const hit = parsedCache.get(glob);
  if (hit) return hit;
  if (glob.length === 0) throw new GlobError(glob, 'an empty lock pattern names no path');
  if (glob.startsWith('!')) {
    throw new GlobError(glob, `"${glob}": a lock cannot be negated; list the paths the ticket reserves (escape a leading "!" as "\\!")`);
  }
  if (glob.startsWith('/')) throw new GlobError(glob, `"${glob}" must be relative to the repository root`);
  const alternatives = expandBraces(glob).map((alt) => parseAlternative(glob, alt));
  const parsed = { source: glob, alternatives };
  if (parsedCache.size > 4096) parsedCache.clear();
  parsedCache.set(glob, parsed);
  return parsed;
}

/** Why a glob is refused, or undefined when it is fine. */
export function globProblem(glob: string): string | undefined {
  try {
    parseGlob(glob);
    return undefined;
  } catch (e) {
    if (e instanceof GlobError) return e.message;
    throw e;
  }
}

/* ------------------------------------------------------------------ overlap ---- */

const DOT = 0x2e;
const NOT_DOT: CharSet = [[0, DOT - 1], [DOT + 1, MAX_CP]];

/*
 * A segment name must be non-empty and neither "." nor "..". The search tracks that with a
 * four-state automaton over the characters chosen so far: 0 nothing yet, 1 ".", 2 "..",
 * 3 anything else (a valid name, whatever follows).
 */
const afterChar = (state: number, dot: boolean): number => (state === 3 ? 3 : dot ? (state === 2 ? 3 : state + 1) : 3);

/** A valid segment name (non-empty, not "." or "..") matched by both patterns, or null. Exact. */
export function segmentsIntersect(p: Token[], q: Token[]): string | null {
  const P = p.length;
  const Q = q.length;
  const W = Q + 1;
  const idx = (i: number, j: number, st: number) => ((i * W + j) << 2) | st;
  // ok[idx(i,j,st)]: from automaton state st, P[i:] and Q[j:] can finish on a common suffix
  // leading to a valid name. how: 1 skip P's star, 2 skip Q's star, 3 consume ".", 4 consume another character
  const size = (P + 1) * W * 4;
  const ok = new Uint8Array(size);
  const how = new Uint8Array(size);
  ok[idx(P, Q, 3)] = 1;
  for (let i = P; i >= 0; i--) {
    for (let j = Q; j >= 0; j--) {
      const a = p[i];
      const b = q[j];
      // two stars may also consume a character together: it only changes the automaton state
      const both = a && b ? intersect(setOf(a), setOf(b)) : null;
      const ni = a?.t === 'star' ? i : i + 1;
      const nj = b?.t === 'star' ? j : j + 1;
      const canDot = both !== null && intersect(both, [[DOT, DOT]]).length > 0;
      const canOther = both !== null && intersect(both, NOT_DOT).length > 0;
      // states 3, 2, 1, 0: consuming moves to a higher state or stays at 3, so compute 3 first
      for (let st = 3; st >= 0; st--) {
        const k = idx(i, j, st);
        if (i === P && j === Q) continue;
        if (ni === i && nj === j && st === 3) {
          // both stars, name already valid: consuming more changes nothing; only skips count
          if (ok[idx(i + 1, j, st)]) { ok[k] = 1; how[k] = 1; }
          else if (ok[idx(i, j + 1, st)]) { ok[k] = 1; how[k] = 2; }
          continue;
        }
        if (a?.t === 'star' && ok[idx(i + 1, j, st)]) { ok[k] = 1; how[k] = 1; continue; }
        if (b?.t === 'star' && ok[idx(i, j + 1, st)]) { ok[k] = 1; how[k] = 2; continue; }
        if (canOther && ok[idx(ni, nj, afterChar(st, false))]) { ok[k] = 1; how[k] = 4; continue; }
        if (canDot && ok[idx(ni, nj, afterChar(st, true))]) { ok[k] = 1; how[k] = 3; }
      }
    }
  }
  if (!ok[idx(0, 0, 0)]) return null;
  let s = '';
  let i = 0;
  let j = 0;
  let st = 0;
  while (!(i === P && j === Q && st === 3)) {
    const h = how[idx(i, j, st)];
    if (h === 1) i++;
    else if (h === 2) j++;
    else {
      const a = p[i];
      const b = q[j];
      const both = intersect(setOf(a), setOf(b));
      const dot = h === 3;
      s += String.fromCodePoint(dot ? DOT : pickChar(intersect(both, NOT_DOT))!);
      st = afterChar(st, dot);
      if (a.t !== 'star') i++;
      if (b.t !== 'star') j++;
    }
  }
  return s;
}

const ANY_NAME: Token[] = [{ t: 'star' }];

/** An example valid name matched by one segment pattern, or null when it matches none. */
function sampleSegment(toks: Token[]): string | null {
  if (toks[0]?.t === 'star') {
    // prefer "x.ts" to ".ts" for `*.ts`
    const withX = segmentsIntersect(toks, [{ t: 'lit', cp: 0x78 }, { t: 'star' }]);
    if (withX !== null) return withX;
  }
  return segmentsIntersect(toks, ANY_NAME);
}

/** Example path matched by both segment lists, or null when there is none. Exact. */
export function alternativesOverlap(a: Segment[], b: Segment[]): string | null {
  const A = a.length;
  const B = b.length;
  const W = B + 1;
  const ok = new Uint8Array((A + 1) * W);
  const how = new Uint8Array((A + 1) * W);
  const segMemo = new Map<number, string | null>();
  const segCommon = (i: number, j: number): string | null => {
    const k = i * W + j;
    if (!segMemo.has(k)) {
      const x = a[i];
      const y = b[j];
      let v: string | null;
      if (x.t === 'globstar' && y.t === 'seg') v = sampleSegment(y.toks);
      else if (y.t === 'globstar' && x.t === 'seg') v = sampleSegment(x.toks);
      else if (x.t === 'seg' && y.t === 'seg') v = segmentsIntersect(x.toks, y.toks);
      else v = 'x';
      segMemo.set(k, v);
    }
    return segMemo.get(k)!;
  };
  ok[A * W + B] = 1;
  for (let i = A; i >= 0; i--) {
    for (let j = B; j >= 0; j--) {
      if (i === A && j === B) continue;
      const x = a[i];
      const y = b[j];
      if (x?.t === 'globstar' && ok[(i + 1) * W + j]) { ok[i * W + j] = 1; how[i * W + j] = 1; continue; }
      if (y?.t === 'globstar' && ok[i * W + j + 1]) { ok[i * W + j] = 1; how[i * W + j] = 2; continue; }
      if (x && y && !(x.t === 'globstar' && y.t === 'globstar')) {
        const ni = x.t === 'globstar' ? i : i + 1;
        const nj = y.t === 'globstar' ? j : j + 1;
        if (ok[ni * W + nj] && segCommon(i, j) !== null) { ok[i * W + j] = 1; how[i * W + j] = 3; }
      }
    }
  }
  if (!ok[0]) return null;
  const parts: string[] = [];
  let i = 0;
  let j = 0;
  while (!(i === A && j === B)) {
    const h = how[i * W + j];
    if (h === 1) i++;
    else if (h === 2) j++;
    else {
      parts.push(segCommon(i, j)!);
      if (a[i].t !== 'globstar') i++;
      if (b[j].t !== 'globstar') j++;
    }
  }
  return parts.length ? parts.join('/') : 'x';
}

export interface GlobOverlap {
  overlap: boolean;
  /** A path matched by both (when they overlap and the globs could be read). */
  example?: string;
  /** Set when a glob could not be read: the answer is "overlap" to be safe. */
  unsure?: string;
}

/** Do two lock globs overlap: is there a path matched by both? (see the top of this file) */
export function globsOverlap(a: string, b: string): GlobOverlap {
  let pa: ParsedGlob;
  let pb: ParsedGlob;
  try {
    pa = parseGlob(a);
    pb = parseGlob(b);
  } catch (e) {
    if (e instanceof GlobError) return { overlap: true, unsure: e.message };
    throw e;
  }
  for (const x of pa.alternatives) {
    for (const y of pb.alternatives) {
      const example = alternativesOverlap(x, y);
      if (example !== null) return { overlap: true, example };
    }
  }
  return { overlap: false };
}

export interface PatternOverlap extends GlobOverlap {
  mine: string;
  theirs: string;
}

/** Every pair of overlapping patterns between two lock lists. */
export function overlappingPatterns(mine: readonly string[], theirs: readonly string[]): PatternOverlap[] {
  const out: PatternOverlap[] = [];
  for (const a of mine) {
    for (const b of theirs) {
      const r = globsOverlap(a, b);
      if (r.overlap) out.push({ mine: a, theirs: b, ...r });
    }
  }
  return out;
}

/* ----------------------------------------------------------------- matching ---- */

const require = createRequire(import.meta.url);
type Picomatch = typeof import('picomatch');
let pm: Picomatch | undefined;
const picomatch = (): Picomatch => (pm ??= require('picomatch') as Picomatch);

/** The picomatch options that make it read the canonical rendering exactly as defined above. */
export const PICOMATCH_OPTIONS = {
  dot: true,
  nobrace: true,
  noextglob: true,
  nonegate: true,
  literalBrackets: false,
  posix: false,
  windows: false,
} as const;

function escapeLiteral(cp: number): string {
  const c = String.fromCodePoint(cp);
  return /[A-Za-z0-9]/.test(c) || cp > 0x7f ? c : `\\${c}`;
}

function escapeInClass(cp: number): string {
  const c = String.fromCodePoint(cp);
  return /[A-Za-z0-9]/.test(c) || cp > 0x7f ? c : `\\${c}`;
}

/** The canonical picomatch pattern of one segment pattern (never contains `/` or `**`). */
export function renderSegment(toks: Token[]): string {
  return toks
    .map((t) => {
      switch (t.t) {
        case 'lit': return escapeLiteral(t.cp);
        case 'any': return '?';
        case 'star': return '*';
        case 'class': {
          const ranges = t.neg ? t.written : t.set;
          const body = ranges.map(([lo, hi]) => (lo === hi ? escapeInClass(lo) : `${escapeInClass(lo)}-${escapeInClass(hi)}`)).join('');
          return `[${t.neg ? '^' : ''}${body}]`;
        }
      }
    })
    .join('');
}

/** The canonical rendering of one parsed alternative (for messages and tests). */
export function renderAlternative(segs: Segment[]): string {
  return segs.map((s) => (s.t === 'globstar' ? '**' : renderSegment(s.toks))).join('/');
}

/** Match path segments against one alternative: `**` here, each segment by picomatch. */
function alternativeMatcher(segs: Segment[]): (parts: string[]) => boolean {
  const tests = segs.map((s) => (s.t === 'globstar' ? null : picomatch()(renderSegment(s.toks), PICOMATCH_OPTIONS)));
  return (parts) => {
    // reach[j]: the first i glob segments can match the first j path segments
    const N = parts.length;
    let reach = new Uint8Array(N + 1);
    reach[0] = 1;
    for (const test of tests) {
      const next = new Uint8Array(N + 1);
      if (test === null) {
        let any = 0;
        for (let j = 0; j <= N; j++) {
          any |= reach[j];
          next[j] = any; // `**`: zero or more segments
        }
      } else {
        for (let j = 0; j < N; j++) if (reach[j] && test(parts[j])) next[j + 1] = 1;
      }
      reach = next;
    }
    return reach[N] === 1;
  };
}

/** Normalise a repository-relative file path: forward slashes, no `./`, no empty segments. */
export function normalizePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

/** A predicate telling whether a repository-relative path is matched by the glob. */
export function globMatcher(glob: string): (path: string) => boolean {
  let parsed: ParsedGlob;
  try {
    parsed = parseGlob(glob);
  } catch (e) {
    if (e instanceof GlobError) return () => true; // unreadable: reserved, to be safe
    throw e;
  }
  const tests = parsed.alternatives.map(alternativeMatcher);
  return (path) => {
    const p = normalizePath(path);
    if (p === '') return false;
    const parts = p.split('/');
    return tests.some((t) => t(parts));
  };
}
