import { invalid } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parse a duration: a bare number of seconds ("90"), or a number with a unit
 * ("90s", "30m", "2h", "1d", "500ms"). Returns milliseconds.
 */
export function parseDuration(input: string | number, what = 'duration'): number {
  if (typeof input === 'number') {
    if (Number.isFinite(input) && input > 0) return Math.round(input * 1000);
  } else {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(input);
    if (m) {
      const ms = Math.round(Number(m[1]) * UNIT_MS[m[2] ?? 's']);
      if (ms > 0) return ms;
    }
  }
  throw invalid(`invalid ${what} ${JSON.stringify(input)}`, {
    field: what,
    hint: 'give seconds ("90") or a number with a unit: 90s, 30m, 2h, 1d',
  });
}

export function formatDuration(ms: number): string {
  const neg = ms < 0;
  let s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const out = h ? (m ? `${h}h${m}m` : `${h}h`) : m ? (s ? `${m}m${s}s` : `${m}m`) : `${s}s`;
  return neg ? `-${out}` : out;
}
