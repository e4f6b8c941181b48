/**
 * `locks:` globs: what they mean, when two of them overlap, and matching a file path. Pure.
 * The language and how overlaps are decided: docs/design/globs.md. The parts, by job:
 * globs/model.ts, globs/parse.ts, globs/overlap.ts, globs/match.ts.
 */
export { GlobError, MAX_ALTERNATIVES, type ParsedGlob, type Segment, type Token } from './globs/model.js';
export { expandBraces, globProblem, parseGlob, splitGlobList } from './globs/parse.js';
export {
  alternativesOverlap,
  globsOverlap,
  overlappingPatterns,
  segmentsIntersect,
  type GlobOverlap,
  type PatternOverlap,
} from './globs/overlap.js';
export { globMatcher, normalizePath, PICOMATCH_OPTIONS, renderAlternative, renderSegment } from './globs/match.js';
