/**
 * When two lock globs overlap: decided exactly, segment by segment, with an example path
 * (how: docs/design/globs.md).
 */
import {
  GlobError,
  intersect,
  MAX_CP,
  pickChar,
  setOf,
  type CharSet,
  type ParsedGlob,
  type Segment,
  type Token,
} from './model.js';
import { parseGlob } from './parse.js';

const DOT = 0x2e;
const NOT_DOT: CharSet = [
  [0, DOT - 1],
  [DOT + 1, MAX_CP],
];

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
          if (ok[idx(i + 1, j, st)]) {
            ok[k] = 1;
            how[k] = 1;
          } else if (ok[idx(i, j + 1, st)]) {
            ok[k] = 1;
            how[k] = 2;
          }
          continue;
        }
        if (a?.t === 'star' && ok[idx(i + 1, j, st)]) {
          ok[k] = 1;
          how[k] = 1;
          continue;
        }
        if (b?.t === 'star' && ok[idx(i, j + 1, st)]) {
          ok[k] = 1;
          how[k] = 2;
          continue;
        }
        if (canOther && ok[idx(ni, nj, afterChar(st, false))]) {
          ok[k] = 1;
          how[k] = 4;
          continue;
        }
        if (canDot && ok[idx(ni, nj, afterChar(st, true))]) {
          ok[k] = 1;
          how[k] = 3;
        }
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
      if (x?.t === 'globstar' && ok[(i + 1) * W + j]) {
        ok[i * W + j] = 1;
        how[i * W + j] = 1;
        continue;
      }
      if (y?.t === 'globstar' && ok[i * W + j + 1]) {
        ok[i * W + j] = 1;
        how[i * W + j] = 2;
        continue;
      }
      if (x && y && !(x.t === 'globstar' && y.t === 'globstar')) {
        const ni = x.t === 'globstar' ? i : i + 1;
        const nj = y.t === 'globstar' ? j : j + 1;
        if (ok[ni * W + nj] && segCommon(i, j) !== null) {
          ok[i * W + j] = 1;
          how[i * W + j] = 3;
        }
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
