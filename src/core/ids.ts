/**
 * Collision-free ticket ids without a shared counter.
 *
 * Several agents, branches and clones create tickets at once, so ids are random base-36
 * suffixes behind a configurable prefix (`T-4k9x`). The length grows with the board so that
 * the chance that two clones, each unaware of the other, draw the same id stays below
 * about 1% (birthday bound n^2 / 2N), and a local collision is caught at creation
 * (the file is created with an exclusive link) and retried with a longer suffix.
 */

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
export const MIN_ID_LENGTH = 4;
export const MAX_ID_LENGTH = 12;

/** Suffix length for a board that already has `count` tickets. */
export function idLengthFor(count: number): number {
  const n = Math.max(count, 1) * 2; // room for the board to double before the next length
  for (let len = MIN_ID_LENGTH; len < MAX_ID_LENGTH; len++) {
    if ((n * n) / (2 * 36 ** len) < 0.01) return len;
  }
  return MAX_ID_LENGTH;
}

/** Build an id from random bytes (one byte per character; modulo bias is irrelevant here). */
export function idFromBytes(prefix: string, bytes: Uint8Array, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[bytes[i % bytes.length] % 36];
  return prefix + s;
}
