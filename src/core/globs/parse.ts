/** Reading a lock glob: brace expansion, segments, classes; refused globs say why (GlobError). */
import {
  complement,
  GlobError,
  MAX_ALTERNATIVES,
  normalizeSet,
  POSIX_CLASSES,
  withoutSlash,
  type ParsedGlob,
  type Segment,
  type Token,
} from './model.js';

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
    if (chars[i] === '\\') {
      i++;
      continue;
    }
    if (chars[i] !== '{') continue;
    let depth = 0;
    let end = -1;
    const commas: number[] = [];
    for (let j = i; j < chars.length; j++) {
      const c = chars[j];
      if (c === '\\') {
        j++;
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}') {
        depth--;
        if (depth === 0) {
          end = j;
          break;
        }
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
    if (Math.abs(b - a) + 1 > limit)
      throw new GlobError(inner, `{${inner}} expands to more than ${limit} alternatives`);
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
      if (set.length === 0)
        throw new GlobError(glob, `"${glob}": the character class can match no character (a class never matches "/")`);
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
    if (!(cps[i] >= 0x61 && cps[i] <= 0x7a)) return -1;
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
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[' && chars[i + 1] === ':') {
      const end = chars.indexOf(':', i + 2);
      if (end > 0 && chars[end + 1] === ']') {
        i = end + 1;
      }
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
    throw new GlobError(
      glob,
      `"${glob}": a lock cannot be negated; list the paths the ticket reserves (escape a leading "!" as "\\!")`,
    );
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
