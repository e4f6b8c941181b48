/**
 * Claims on disk: claim, renew, release, next, and which files are reserved.
 *
 * Exactly one winner: every claim is a `mutateTicket` (ticket lock + compare-and-swap on the
 * version read, tickets.ts). Of any number of concurrent claimers, the first to replace the
 * version it read writes its claim; every other one finds its version gone, reads again,
 * and is refused by the claim decision because the ticket is now held. That holds with a
 * stale lock (two holders of the lock still cannot both replace one version) and over an
 * expired lease (the takeover is the same single replacement of one version).
 *
 * Reservations: a ticket with `locks:` is claimed during the board's reservation turn
 * (reserve.ts), so two claimers of different tickets with overlapping locks are decided one
 * after the other, each seeing the claims written before it.
 */
import { BoardError, conflict, notFound } from '../core/errors.js';
import {
  activeClaim,
  decideClaim,
  nextCandidates,
  reservedFiles,
  type ClaimRefusal,
  type Reservation,
} from '../core/claims.js';
import { globMatcher } from '../core/globs.js';
import { RESOLVED, type Claim, type Ticket } from '../core/ticket.js';
import type { Board } from './board.js';
import { withReservationTurn, type Turn } from './reserve.js';
import { loadBoard, mutateTicket, problemError, readTicket, type MutateResult } from './tickets.js';

export interface ClaimOptions {
  /** Who claims. */
  actor: string;
  /** Lease length; default: the board's `lease:` setting. */
  leaseMs?: number;
  now?: Date;
}

export interface ClaimResult extends MutateResult {
  /** The claim as written. */
  claim: Claim;
  /** True when the actor already held the ticket and the lease was extended. */
  renewal: boolean;
}

export interface ReleaseOptions {
  actor: string;
  /** Release a claim held by someone else (for people). */
  force?: boolean;
  now?: Date;
}

/** A refusal of the claim decision as the error the CLI reports (exit 4). */
export function refusalError(r: ClaimRefusal): BoardError {
  return new BoardError('conflict', r.message, { field: r.field, hint: r.hint, data: r.data });
}

/** Thrown inside a write that turns out to need the reservation turn (its locks appeared). */
class NeedsTurn extends Error {}

async function take(board: Board, id: string, opts: ClaimOptions, mode: 'claim' | 'renew'): Promise<ClaimResult> {
  const peek = readTicket(board, id);
  if (peek.problems.length) throw problemError(board.rel(board.ticketFile(id)), peek.problems[0], peek.parsed);
  // Held by someone else when we looked: refuse at once, without queueing for the lock (a
  // refusal never makes a winner, so answering from this read is safe).
  const held = activeClaim(peek.ticket, opts.now ?? new Date());
  if (held && held.by !== opts.actor) {
    const d = decideClaim({
      ticket: peek.ticket,
      derived: { wave: null, blocked_by: [] },
      openWave: null,
      policy: 'flow',
      others: [],
      actor: opts.actor,
      now: opts.now ?? new Date(),
      leaseMs: 0,
      mode,
    });
    if (!d.ok) throw refusalError(d.refusal);
  }

  const run = async (turn: Turn | null): Promise<ClaimResult> => {
    // read inside the turn: the other claims seen here are all the ones that count
    const loaded = loadBoard(board);
    const now = opts.now ?? new Date();
    const leaseMs = opts.leaseMs ?? loaded.config.leaseMs;
    let claim: Claim | undefined;
    let renewal = false;
    const result = await mutateTicket(
      board,
      id,
      {
        actor: opts.actor,
        now,
        check: () => {
          if (turn && !turn.held())
            throw conflict(`the claim of ${id} took too long and its turn was taken over; try again`);
        },
      },
      (t, e) => {
        if (t.locks.length && !turn) throw new NeedsTurn();
        const d = decideClaim({
          ticket: t,
          derived: loaded.derived(id),
          openWave: loaded.graph.openWave,
          policy: loaded.graph.policy,
          others: loaded.tickets.values(),
          actor: opts.actor,
          now,
          leaseMs,
          mode,
        });
        if (!d.ok) throw refusalError(d.refusal);
        claim = d.claim;
        renewal = d.renewal;
        e.set('claim', { ...d.claim });
        if (t.status !== 'in_progress') e.set('status', 'in_progress');
      },
    );
    return { ...result, claim: claim!, renewal };
  };

  if (peek.ticket.locks.length) return withReservationTurn(board, run);
  try {
    return await run(null);
  } catch (e) {
    if (e instanceof NeedsTurn) return withReservationTurn(board, run);
    throw e;
  }
}

/**
 * Claim a ticket for `actor`: a lease of `leaseMs`, status in_progress. Exactly one of any
 * number of concurrent claimers wins; the others get exit 4 naming the holder. Claiming a
 * ticket one already holds renews it.
 */
export function claimTicket(board: Board, id: string, opts: ClaimOptions): Promise<ClaimResult> {
  return take(board, id, opts, 'claim');
}

/** Extend the holder's lease (a lapsed one is taken again if nobody else took it). */
export function renewClaim(board: Board, id: string, opts: ClaimOptions): Promise<ClaimResult> {
  return take(board, id, opts, 'renew');
}

/**
 * End a claim: the claim is removed and an in_progress ticket goes back to todo. Allowed to
 * the holder, to anyone once the lease ran out, and with `force`. A ticket that is not
 * claimed is left alone (`changed: false`).
 */
export function releaseClaim(board: Board, id: string, opts: ReleaseOptions): Promise<MutateResult> {
  const now = opts.now ?? new Date();
  return mutateTicket(board, id, { actor: opts.actor, now }, (t, e) => {
    const held = activeClaim(t, now);
    if (held && held.by !== opts.actor && !opts.force) {
      throw conflict(`${id} is claimed by ${held.by} since ${held.at}`, {
        field: 'claim',
        hint: `only ${held.by} can release it before ${held.expires}; people can use --force`,
        data: { holder: held.by, since: held.at, expires: held.expires },
      });
    }
    if (!t.claim) return false;
    e.set('claim', undefined);
    if (t.status === 'in_progress') e.set('status', 'todo');
  });
}

export interface NextResult {
  result: ClaimResult;
  /** Candidates tried first and lost (taken meanwhile, reserved paths, ...). */
  skipped: Array<{ id: string; reason: string }>;
}

/**
 * Claim the best ready ticket for `actor` (core/claims.ts `nextCandidates` gives the order).
 * A candidate lost to a concurrent claimer, or refused, moves on to the next one. Exit 3
 * when nothing is left for `actor`.
 */
export async function claimNext(board: Board, opts: ClaimOptions & { also?: boolean }): Promise<NextResult> {
  const loaded = loadBoard(board);
  const broken = new Set(loaded.broken.map((b) => b.id));
  const now = opts.now ?? new Date();
  if (!opts.also) {
    // no hoarding: one ticket at a time unless asked for more
    const held = [...loaded.tickets.values()]
      .filter((t) => !RESOLVED.has(t.status) && activeClaim(t, now)?.by === opts.actor)
      .map((t) => t.id)
      .sort();
    if (held.length) {
      throw conflict(`${opts.actor} already holds ${held.join(', ')}`, {
        hint: `finish it first (board close ${held[0]}) or release it (board release ${held[0]}); to take another one as well: board next --also`,
        data: { holding: held },
      });
    }
  }
  const candidates = nextCandidates(
    [...loaded.tickets.values()].filter((t) => !broken.has(t.id)),
    (id) => ({ derived: loaded.derived(id), openWave: loaded.graph.openWave, policy: loaded.graph.policy }),
    opts.actor,
    now,
  );
  const skipped: NextResult['skipped'] = [];
  for (const c of candidates) {
    try {
      const result = await claimTicket(board, c.id, opts);
      return { result, skipped };
    } catch (e) {
      if (e instanceof BoardError && (e.kind === 'conflict' || e.kind === 'not_found' || e.kind === 'invalid')) {
        skipped.push({ id: c.id, reason: e.message });
        continue;
      }
      throw e;
    }
  }
  const tried = skipped
    .slice(0, 3)
    .map((s) => s.reason)
    .join('; ');
  throw notFound(
    skipped.length
      ? `nothing ready for ${opts.actor}: ${skipped.length === 1 ? 'the one candidate was' : `all ${skipped.length} candidates were`} refused (${tried}${skipped.length > 3 ? '; ...' : ''})`
      : `nothing ready for ${opts.actor}`,
    {
      hint: 'tickets assigned to you or unassigned, todo, with their dependencies done and in the open wave, are picked; see `board list --ready`',
      data: { skipped },
    },
  );
}

/**
 * Which of `files` (repository-relative paths) are reserved by a ticket actively claimed by
 * someone other than `actor`, with the ticket, holder and pattern.
 */
export function checkPaths(board: Board, files: readonly string[], actor: string, now = new Date()): Reservation[] {
  const loaded = loadBoard(board);
  return reservedFiles(files, loaded.tickets.values(), actor, now, globMatcher);
}

export type { Reservation, Ticket };
