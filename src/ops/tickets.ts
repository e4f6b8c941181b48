/**
 * The ticket operations every face of the board calls — the CLI commands, the web board, the
 * MCP server and the watcher's requests by recado — so that a claim, a close or a refusal is
 * one piece of code and reads the same everywhere. Each one checks its input, makes the
 * change with the store's atomic write, and sends the announcements the change makes true.
 */
import { activeClaim } from '../core/claims.js';
import { conflict } from '../core/errors.js';
import { checkTicketId } from '../core/names.js';
import type { Ticket, TicketJson } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { claimNext, claimTicket, releaseClaim, renewClaim, type ClaimResult } from '../store/claims.js';
import { afterTicketChange } from '../store/events.js';
import { loadBoard, mutateTicket, problemError, readTicket, type MutateResult } from '../store/tickets.js';

export interface ActOptions {
  /** Who is acting (a valid agent name). */
  actor: string;
}

export interface LeaseOptions extends ActOptions {
  /** Lease length in ms; default: board.yaml `lease`. */
  leaseMs?: number;
}

async function announced<R extends MutateResult>(board: Board, r: R, actor: string): Promise<R> {
  if (r.changed) await afterTicketChange(board, r.before, r.after, actor);
  return r;
}

/** The ticket shape of `list --json` / `show --json` (derived fields included). */
export function ticketJson(board: Board, t: Ticket): TicketJson {
  return loadBoard(board).json(t);
}

/** One ticket, read fresh from its file (the rest of the board may come from the cache). */
export function showTicket(board: Board, id: string): TicketJson {
  const file = readTicket(board, checkTicketId(id));
  if (file.problems.length) throw problemError(board.rel(board.ticketFile(id)), file.problems[0], file.parsed);
  return ticketJson(board, file.ticket);
}

/** Take a ticket (exactly one of concurrent claimers wins; the others get exit 4). */
export async function claim(board: Board, id: string, opts: LeaseOptions): Promise<ClaimResult> {
  checkTicketId(id);
  return announced(board, await claimTicket(board, id, { actor: opts.actor, leaseMs: opts.leaseMs }), opts.actor);
}

/** Extend the actor's claim. */
export async function renew(board: Board, id: string, opts: LeaseOptions): Promise<ClaimResult> {
  checkTicketId(id);
  return announced(board, await renewClaim(board, id, { actor: opts.actor, leaseMs: opts.leaseMs }), opts.actor);
}

/** Give a ticket back. */
export async function release(board: Board, id: string, opts: ActOptions & { force?: boolean }): Promise<MutateResult> {
  checkTicketId(id);
  return announced(board, await releaseClaim(board, id, { actor: opts.actor, force: opts.force }), opts.actor);
}

/** Claim the best ready ticket for the actor (exit 3 when nothing is ready). */
export async function next(board: Board, opts: LeaseOptions): Promise<ClaimResult> {
  const { result } = await claimNext(board, { actor: opts.actor, leaseMs: opts.leaseMs });
  return announced(board, result, opts.actor);
}

export interface CloseOptions extends ActOptions {
  /** Close as cancelled instead of done. */
  cancel?: boolean;
  /** Close although another agent holds the claim (for people). */
  force?: boolean;
  now?: Date;
}

/**
 * Mark a ticket done (or cancelled) and end its claim. Allowed to the claim holder, or to
 * anyone when the ticket is unclaimed or its lease ran out (`force` for people).
 */
export async function close(board: Board, id: string, opts: CloseOptions): Promise<MutateResult & { status: 'done' | 'cancelled' }> {
  checkTicketId(id);
  const status = opts.cancel ? 'cancelled' : 'done';
  const now = opts.now ?? new Date();
  const result = await mutateTicket(board, id, { actor: opts.actor, now }, (t, e) => {
    const held = activeClaim(t, now);
    if (held && held.by !== opts.actor && !opts.force) {
      throw conflict(`${id} is claimed by ${held.by} since ${held.at}`, {
        hint: `only ${held.by} can close it until ${held.expires}; people can use --force`,
        data: { holder: held.by, since: held.at, expires: held.expires },
      });
    }
    if (t.status === status && !t.claim) return false;
    e.set('status', status);
    e.set('claim', undefined);
  });
  return { ...(await announced(board, result, opts.actor)), status };
}
