/**
 * The model of a lock glob (segments of tokens) and the character sets its classes stand
 * for. What the language means: docs/design/globs.md.
 */

/** A set of code points as sorted, disjoint, inclusive ranges. Never contains `/`. */
export type CharSet = ReadonlyArray<readonly [number, number]>;

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
  constructor(
    readonly glob: string,
    message: string,
  ) {
    super(message);
    this.name = 'GlobError';
  }
}

export const MAX_ALTERNATIVES = 64;
export const SLASH = 0x2f;
export const MAX_CP = 0x10ffff;
export const ALL: CharSet = [
  [0, SLASH - 1],
  [SLASH + 1, MAX_CP],
];

/* ----------------------------------------------------------- character sets ---- */

export function normalizeSet(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = ranges.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function withoutSlash(set: CharSet): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [a, b] of set) {
    if (a <= SLASH && SLASH <= b) {
      if (a < SLASH) out.push([a, SLASH - 1]);
      if (SLASH < b) out.push([SLASH + 1, b]);
    } else out.push([a, b]);
  }
  return out;
}

export function complement(set: CharSet): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [a, b] of set) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return withoutSlash(out);
}

export function intersect(x: CharSet, y: CharSet): Array<[number, number]> {
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

export function setOf(tok: Token): CharSet {
  switch (tok.t) {
    case 'lit':
      return [[tok.cp, tok.cp]];
    case 'class':
      return tok.set;
    default:
      return ALL;
  }
}

/** A readable character from a set: prefer letters and digits, then anything printable. */
export function pickChar(set: CharSet): number | null {
  if (set.length === 0) return null;
  for (const pref of [
    [0x78, 0x78],
    [0x61, 0x7a],
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x2d, 0x2d],
    [0x21, 0x7e],
  ] as const) {
    const hit = intersect(set, [pref])[0];
    if (hit) return hit[0];
  }
  return set[0][0];
}

export const POSIX_CLASSES: Record<string, Array<[number, number]>> = {
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  digit: [[0x30, 0x39]],
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  upper: [[0x41, 0x5a]],
  lower: [[0x61, 0x7a]],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
  space: [
    [0x09, 0x0d],
    [0x20, 0x20],
  ],
  blank: [
    [0x09, 0x09],
    [0x20, 0x20],
  ],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
};
