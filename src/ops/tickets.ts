/**
 * The ticket operations every face of the board calls — the CLI commands, the web board, the
 * MCP server and the watcher's requests by recado — so that a claim, a close or a refusal is
 * one piece of code and reads the same everywhere. Each one checks its input, makes the
 * change with the store's atomic write, and sends the announcements the change makes true.
 */
import { activeClaim, checkClaimRespected } from '../core/claims.js';
import { BoardError, conflict, usageError } from '../core/errors.js';
import { workValue, type TicketWork } from '../core/integrate.js';
import { checkTicketId } from '../core/names.js';
import { ticketJson as coreTicketJson, type Ticket, type TicketJson } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { claimNext, claimTicket, releaseClaim, renewClaim, type ClaimResult } from '../store/claims.js';
import { afterTicketChange } from '../store/events.js';
import { loadGraph } from '../store/graph-index.js';
import {
  createTicket,
  loadBoard,
  mutateTicket,
  problemError,
  readTicket,
  type MutateResult,
  type NewTicketFields,
} from '../store/tickets.js';
import type { Confirmation } from '../git/remote.js';
import { loadConfig } from '../store/config.js';

export interface ActOptions {
  /** Who is acting (a valid agent name). */
  actor: string;
  /** With board.yaml `sync.claims: remote`: decide on this clone only (unconfirmed; reconciled at the next sync). */
  offline?: boolean;
}

/** How the git remote confirmed an operation (`mode: local` when `sync.claims` is local). */
export interface Confirmed {
  confirmation: Confirmation;
}

/**
 * Run one claim, next, renew, release or close so that, with `sync.claims: remote`, it holds
 * only once a push to the remote's audit branch was accepted (git/remote.ts); otherwise as is.
 * Announcements follow only the confirmed change.
 */
async function confirmed<R extends MutateResult>(
  board: Board,
  opts: ActOptions,
  op: () => Promise<R>,
): Promise<R & Confirmed> {
  if (loadConfig(board).sync.claims !== 'remote') {
    // decided on this clone, as always (git is not even loaded)
    const local: Confirmation = { mode: 'local', confirmed: false, remote: null, clone: null, retries: 0 };
    return { ...(await announced(board, await op(), opts.actor)), confirmation: local };
  }
  const { confirmOnRemote } = await import('../git/remote.js');
  const { value, confirmation } = await confirmOnRemote(
    board,
    { actor: opts.actor, offline: opts.offline },
    op,
    (r) => r,
  );
  return { ...(await announced(board, value, opts.actor)), confirmation };
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
  if (file.problems.length) throw problemError(board.rel(board.ticketFile(id)), file.problems[0], file);
  // only the graph of the rest of the board is needed (not every ticket's title and body)
  return coreTicketJson(file.ticket, loadGraph(board).derived(file.ticket.id));
}

/** Take a ticket (exactly one of concurrent claimers wins; the others get exit 4). */
export async function claim(board: Board, id: string, opts: LeaseOptions): Promise<ClaimResult & Confirmed> {
  checkTicketId(id);
  return confirmed(board, opts, () => claimTicket(board, id, { actor: opts.actor, leaseMs: opts.leaseMs }));
}

/** Extend the actor's claim. */
export async function renew(board: Board, id: string, opts: LeaseOptions): Promise<ClaimResult & Confirmed> {
  checkTicketId(id);
  return confirmed(board, opts, () => renewClaim(board, id, { actor: opts.actor, leaseMs: opts.leaseMs }));
}

/** Give a ticket back. */
export async function release(
  board: Board,
  id: string,
  opts: ActOptions & { force?: boolean },
): Promise<MutateResult & Confirmed> {
  checkTicketId(id);
  return confirmed(board, opts, () => releaseClaim(board, id, { actor: opts.actor, force: opts.force }));
}

/** Claim the best ready ticket for the actor (exit 3 when nothing is ready; exit 4 while the actor holds one, unless `also`). */
export async function next(board: Board, opts: LeaseOptions & { also?: boolean }): Promise<ClaimResult & Confirmed> {
  return confirmed(
    board,
    opts,
    async () => (await claimNext(board, { actor: opts.actor, leaseMs: opts.leaseMs, also: opts.also })).result,
  );
}

export interface CloseOptions extends ActOptions {
  /** Close as cancelled instead of done. */
  cancel?: boolean;
  /** Close although another agent holds the claim (for people). */
  force?: boolean;
  /** Record these commits (`A..B`, or `B`) as the ticket's work instead of the holder's branch. */
  commits?: string;
  now?: Date;
}

export interface CloseResult extends MutateResult {
  status: 'done' | 'cancelled';
  /** The work recorded by this close (closing as done), or null. */
  work: TicketWork | null;
  /** Why the work could not be recorded (a git failure; `board integrate` looks again). */
  workError?: string;
}

/**
 * Mark a ticket done (or cancelled) and end its claim. Allowed to the claim holder, or to
 * anyone when the ticket is unclaimed or its lease ran out (`force` for people). Closing as
 * done records the ticket's work (git/integrate-work.ts) in its `work:` field.
 */
export async function close(board: Board, id: string, opts: CloseOptions): Promise<CloseResult & Confirmed> {
  checkTicketId(id);
  const status = opts.cancel ? 'cancelled' : 'done';
  const now = opts.now ?? new Date();
  if (opts.commits !== undefined && opts.cancel)
    throw usageError('--commits records the work of a ticket closed as done; not with --cancel');
  const found = status === 'done' ? await findCloseWork(board, id, opts) : { work: null };
  const work = found.work;
  const recording = opts.commits !== undefined;
  const result = await confirmed(board, opts, () =>
    mutateTicket(board, id, { actor: opts.actor, now }, (t, e) => {
      const held = activeClaim(t, now);
      if (held && held.by !== opts.actor && !opts.force) {
        throw conflict(`${id} is claimed by ${held.by} since ${held.at}`, {
          hint: `only ${held.by} can close it until ${held.expires}; people can use --force`,
          data: { holder: held.by, since: held.at, expires: held.expires },
        });
      }
      if (t.status === status && !t.claim && !(work && recording)) return false;
      e.set('status', status);
      e.set('claim', undefined);
      if (work && (t.status !== 'done' || recording)) {
        e.set('work', workValue(work));
        if (recording) e.set('integrate', undefined); // new work: integrate it again
      }
    }),
  );
  return { ...result, status, work: result.changed ? work : null, ...(found.error ? { workError: found.error } : {}) };
}

/** The work a close records; a git failure does not stop the close (it is said, and `board integrate` looks again). */
async function findCloseWork(
  board: Board,
  id: string,
  opts: CloseOptions,
): Promise<{ work: TicketWork | null; error?: string }> {
  const peek = readTicket(board, id).ticket;
  if (peek.status === 'done' && opts.commits === undefined) return { work: null }; // already closed: its work is recorded
  const by = peek.claim?.by ?? opts.actor;
  const { findWorkFor } = await import('../git/integrate-work.js');
  try {
    return { work: await findWorkFor(board, loadConfig(board), { by, commits: opts.commits, ticketId: id }) };
  } catch (e) {
    if (opts.commits !== undefined || (e instanceof BoardError && e.kind === 'invalid')) throw e;
    return { work: null, error: String((e as Error)?.message ?? e).split('\n')[0] };
  }
}

/** Put a done or cancelled ticket back to todo. */
export async function reopen(board: Board, id: string, opts: ActOptions): Promise<MutateResult> {
  checkTicketId(id);
  const result = await mutateTicket(board, id, { actor: opts.actor }, (t, e) => {
    if (t.status !== 'done' && t.status !== 'cancelled') {
      throw conflict(`${id} is not closed (status ${t.status})`, {
        hint: 'only done or cancelled tickets can be reopened',
      });
    }
    e.set('status', 'todo');
    e.set('claim', undefined);
  });
  await afterTicketChange(board, result.before, result.after, opts.actor);
  return result;
}

/** The fields an edit may change (already checked); undefined: unchanged. */
export interface TicketChanges {
  title?: string;
  status?: string;
  assignee?: string | null;
  priority?: number;
  locks?: string[];
  labels?: string[];
  deps?: string[];
  addDep?: string[];
  rmDep?: string[];
  body?: string;
}

/**
 * Change fields or the body of a ticket. Refused when it would take the ticket from another
 * agent's claim (unless `force`), and for status done (closing is `closeTicket`).
 */
export async function edit(
  board: Board,
  id: string,
  c: TicketChanges,
  opts: ActOptions & { force?: boolean; now?: Date },
): Promise<MutateResult> {
  checkTicketId(id);
  if (c.status === 'done')
    throw usageError('use `board close ID` to mark a ticket done', { hint: 'close checks the claim and ends it' });
  const now = opts.now ?? new Date();
  const result = await mutateTicket(
    board,
    id,
    {
      actor: opts.actor,
      now,
      check: (before, after) => {
        if (opts.force) return;
        const p = checkClaimRespected(before, after, opts.actor, now)[0];
        if (p)
          throw new BoardError(p.kind, p.message, {
            field: p.field,
            hint: `${p.hint}; people can use --force`,
            data: p.data,
          });
      },
    },
    (t, e) => {
      let any = false;
      const set = (k: string, v: unknown) => {
        e.set(k, v);
        any = true;
      };
      if (c.title !== undefined) set('title', c.title);
      if (c.status !== undefined) set('status', c.status);
      if (c.assignee !== undefined) set('assignee', c.assignee);
      if (c.priority !== undefined) set('priority', c.priority);
      if (c.locks) set('locks', c.locks);
      if (c.labels) set('labels', c.labels);
      if (c.deps || c.addDep || c.rmDep) {
        let next = c.deps ?? [...t.deps];
        for (const d of c.addDep ?? []) if (!next.includes(d)) next.push(d);
        next = next.filter((d) => !(c.rmDep ?? []).includes(d));
        set('deps', next);
      }
      if (c.body !== undefined) {
        e.setBody(c.body.endsWith('\n') || c.body === '' ? c.body : c.body + '\n');
        any = true;
      }
      if (!any)
        throw usageError('nothing to change', {
          hint: 'give at least one of --title, --status, --deps, --add-dep, --body, ... (see --help)',
        });
    },
  );
  return announced(board, result, opts.actor);
}

/** Create a ticket (`board new`); announces its assignment when it has an assignee. */
export async function create(board: Board, f: NewTicketFields, opts: ActOptions): Promise<Ticket> {
  const ticket = createTicket(board, f, opts.actor);
  if (ticket.assignee) await afterTicketChange(board, null, ticket, opts.actor);
  return ticket;
}
