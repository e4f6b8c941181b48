/**
 * Matching a repository path against a lock glob (`board check-paths`): `**` here, each
 * other segment by picomatch on a canonical rendering, so that matcher and overlap test read
 * one language (docs/design/globs.md). Pure: picomatch is plain JavaScript, loaded on first use.
 */
import { createRequire } from 'node:module';
import { GlobError, type ParsedGlob, type Segment, type Token } from './model.js';
import { parseGlob } from './parse.js';

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
        case 'lit':
          return escapeLiteral(t.cp);
        case 'any':
          return '?';
        case 'star':
          return '*';
        case 'class': {
          const ranges = t.neg ? t.written : t.set;
          const body = ranges
            .map(([lo, hi]) => (lo === hi ? escapeInClass(lo) : `${escapeInClass(lo)}-${escapeInClass(hi)}`))
            .join('');
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
