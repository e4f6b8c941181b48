/**
 * `board doctor` checks for claims: reservations of different agents that overlap (possible
 * when locks are edited after a claim), and claims whose lease ran out.
 */
import { activeClaim } from '../core/claims.js';
import { overlappingPatterns } from '../core/globs.js';
import type { Board } from './board.js';
import type { Check, Finding } from './doctor.js';
import { loadBoard } from './tickets.js';

export const checkClaims: Check = (board: Board): Finding[] => {
  let loaded;
  try {
    loaded = loadBoard(board);
  } catch {
    return []; // reported by the ticket check
  }
  const now = new Date();
  const out: Finding[] = [];
  const held = [...loaded.tickets.values()]
    .map((t) => ({ t, c: activeClaim(t, now) }))
    .filter((x) => x.c && x.t.locks.length)
    .sort((a, b) => (a.t.id < b.t.id ? -1 : 1));
  for (let i = 0; i < held.length; i++) {
    for (let j = i + 1; j < held.length; j++) {
      const a = held[i];
      const b = held[j];
      if (a.c!.by === b.c!.by) continue;
      const pairs = overlappingPatterns(a.t.locks, b.t.locks);
      if (!pairs.length) continue;
      out.push({
        severity: 'warning',
        file: board.rel(board.ticketFile(b.t.id)),
        field: 'locks',
        message: `${a.t.id} (claimed by ${a.c!.by}) and ${b.t.id} (claimed by ${b.c!.by}) reserve overlapping paths: ${pairs.map((p) => `${p.mine} / ${p.theirs}`).join(', ')}`,
        hint: 'their locks were changed after the claims; narrow one of them, or release one ticket',
      });
    }
  }
  for (const t of loaded.tickets.values()) {
    if (t.claim && !activeClaim(t, now)) {
      out.push({
        severity: 'warning',
        file: board.rel(board.ticketFile(t.id)),
        field: 'claim',
        message: `${t.id}: the lease of ${t.claim.by} ran out at ${t.claim.expires}`,
        hint: `anyone may claim it now; \`board release ${t.id}\` clears it (the watcher does it when running)`,
      });
    }
  }
  return out;
};
