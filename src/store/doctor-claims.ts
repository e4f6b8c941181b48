/**
 * `board doctor` checks for claims: reservations of different agents that overlap (possible
 * when locks are edited after a claim), claims whose lease ran out, and rules a hand edit made
 * while no watcher ran breaks (done with an open dependency, a claim the board never wrote).
 */
import { activeClaim } from '../core/claims.js';
import { overlappingPatterns } from '../core/globs.js';
import type { Board } from './board.js';
import type { Check, Finding } from './doctor.js';
import { RESOLVED } from '../core/ticket.js';
import type { Claim } from '../core/ticket.js';
import { lastReceiptText } from './receipts.js';
import { loadBoard } from './tickets.js';

/** Whether the board's last write of ticket `id` (its newest receipt) holds this very claim. */
function claimVouched(board: Board, id: string, c: Claim): boolean {
  const text = lastReceiptText(board, id);
  return !!text && text.includes(`by: ${c.by}`) && text.includes(c.at) && text.includes(c.expires);
}

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
  // rules a hand edit made while no watcher ran can break: the watcher judges them when it starts
  for (const t of [...loaded.tickets.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    const file = board.rel(board.ticketFile(t.id));
    if (t.status === 'done') {
      const open = t.deps.filter((d) => {
        const x = loaded.tickets.get(d);
        return x && !RESOLVED.has(x.status);
      });
      if (open.length) {
        out.push({
          severity: 'error',
          file,
          field: 'status',
          message: `${t.id} is done while its dependencies ${open.join(', ')} are open`,
          hint: 'a hand edit made while no watcher ran; start the watcher (it undoes it), or close the dependencies',
        });
      }
    }
    const c = activeClaim(t, now);
    if (c && !claimVouched(board, t.id, c)) {
      out.push({
        severity: 'error',
        file,
        field: 'claim',
        message: `the claim of ${t.id} by ${c.by} has no board receipt: it was written by hand`,
        hint: `claims are written by the board only: start the watcher (it undoes it), then board claim ${t.id} --as ${c.by}`,
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
