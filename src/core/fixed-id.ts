/**
 * Fixed recado ids: the id of a recado the board sends (an announcement, a refused edit, a
 * lease that ran out) comes from the facts that make it true, never from who noticed them or
 * when. Whoever computes it (a command, the watcher, a watcher restarted half-way) gets the
 * same id, and delivery never creates an inbox file that exists already: each is told once.
 *
 * The id is `board-<kind>-[<hint>-]<hex>`, the hex the first digits of the SHA-256 of the parts
 * joined by NUL. Ids already delivered are on disk, so neither the parts nor their order of an
 * existing kind ever change.
 */
import { createHash } from 'node:crypto';

export function fixedRecadoId(
  kind: string,
  parts: readonly string[],
  opts: { hexDigits?: number; hint?: string } = {},
): string {
  const h = createHash('sha256')
    .update(parts.join('\0'))
    .digest('hex')
    .slice(0, opts.hexDigits ?? 24);
  return opts.hint === undefined ? `board-${kind}-${h}` : `board-${kind}-${opts.hint}-${h}`;
}
