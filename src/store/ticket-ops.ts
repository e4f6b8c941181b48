/**
 * Closing, reopening and editing a ticket: one function each, called by `board close`,
 * `board reopen`, `board edit` and by the web board, so that the checks and the refusals
 * are the same wherever a person acts. Announcements follow (store/events.ts).
 */
import { activeClaim, checkClaimRespected } from '../core/claims.js';
import { BoardError, conflict, usageError } from '../core/errors.js';
import type { Board } from './board.js';
import { afterTicketChange } from './events.js';
import { mutateTicket, type MutateResult } from './tickets.js';

export interface CloseOptions {
  actor: string;
  cancel?: boolean;
  force?: boolean;
  now?: Date;
}

/** Mark a ticket done (or cancelled) and end its claim; refused while someone else holds it. */
export async function closeTicket(board: Board, id: string, opts: CloseOptions): Promise<MutateResult> {
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
  if (result.changed) await afterTicketChange(board, result.before, result.after, opts.actor);
  return result;
}

/** Put a done or cancelled ticket back to todo. */
export async function reopenTicket(board: Board, id: string, opts: { actor: string }): Promise<MutateResult> {
  const result = await mutateTicket(board, id, { actor: opts.actor }, (t, e) => {
    if (t.status !== 'done' && t.status !== 'cancelled') {
      throw conflict(`${id} is not closed (status ${t.status})`, { hint: 'only done or cancelled tickets can be reopened' });
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
export async function editTicket(board: Board, id: string, c: TicketChanges, opts: { actor: string; force?: boolean; now?: Date }): Promise<MutateResult> {
  if (c.status === 'done') throw usageError('use `board close ID` to mark a ticket done', { hint: 'close checks the claim and ends it' });
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
        if (p) throw new BoardError(p.kind, p.message, { field: p.field, hint: `${p.hint}; people can use --force`, data: p.data });
      },
    },
    (t, e) => {
      let any = false;
      const set = (k: string, v: unknown) => { e.set(k, v); any = true; };
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
      if (c.body !== undefined) { e.setBody(c.body.endsWith('\n') || c.body === '' ? c.body : c.body + '\n'); any = true; }
      if (!any) throw usageError('nothing to change', { hint: 'give at least one of --title, --status, --deps, --add-dep, --body, ... (see --help)' });
    },
  );
  if (result.changed) await afterTicketChange(board, result.before, result.after, opts.actor);
  return result;
}
