/**
 * Handing a ticket to a reviewer and back. `review ID --to NAME`: status review, NAME the
 * assignee, the author's claim handed to NAME (a fresh lease), the author kept as
 * `review_of:`, and NAME told. The reviewer closes it (they hold the claim) or sends it back
 * (`--back`): status in_progress, the claim and the assignment back to the author, who is told.
 */
import { activeClaim, newLease } from '../core/claims.js';
import { conflict, invalid } from '../core/errors.js';
import { checkAgentName } from '../core/names.js';
import type { Board } from '../store/board.js';
import { sendFromBoard } from '../store/mailbox.js';
import { loadBoard, mutateTicket, type MutateResult } from '../store/tickets.js';

export interface ReviewResult {
  id: string;
  status: string;
  assignee: string | null;
  claim: string | null;
  told: string[];
}

export async function sendToReview(
  board: Board,
  id: string,
  reviewer: string,
  actor: string,
  opts: { force?: boolean; now?: Date } = {},
): Promise<ReviewResult> {
  checkAgentName(reviewer, 'reviewer');
  const now = opts.now ?? new Date();
  const { config } = loadBoard(board);
  if (!config.agents[reviewer])
    throw invalid(`${reviewer} is not an agent of this board`, { hint: '`board agent list` shows the agents' });
  let author = actor;
  const r = await mutateTicket(board, id, { actor, now }, (t, e) => {
    if (t.status === 'done' || t.status === 'cancelled') throw conflict(`${id} is ${t.status}: reopen it first`);
    const held = activeClaim(t, now);
    if (held && held.by !== actor && !opts.force) {
      throw conflict(`${id} is claimed by ${held.by}: only they can send it to review`, {
        hint: 'people can use --force',
        data: { holder: held.by },
      });
    }
    if (reviewer === (held?.by ?? actor))
      throw invalid(`${reviewer} cannot review their own work`, { hint: 'name another agent with --to' });
    author = held?.by ?? actor;
    e.set('status', 'review');
    e.set('assignee', reviewer);
    e.set('claim', { ...newLease(reviewer, now, config.leaseMs) });
    e.set('review_of', author);
  });
  const told = sendFromBoard(
    board,
    {
      to: [reviewer],
      ticket: id,
      subject: `please review ${id}`,
      body: [
        `${author} asks you to review ${id} (board show ${id}). The claim is yours now.`,
        `Good: board close ${id} --as ${reviewer}`,
        `Not yet: board review ${id} --back --note "what to change" --as ${reviewer}`,
      ].join('\n'),
    },
    now,
    { config },
  ).delivered;
  return result(r, told);
}

export async function sendBack(
  board: Board,
  id: string,
  actor: string,
  note: string | null,
  opts: { force?: boolean; now?: Date } = {},
): Promise<ReviewResult> {
  const now = opts.now ?? new Date();
  const { config } = loadBoard(board);
  let author: string | null = null;
  const r = await mutateTicket(board, id, { actor, now }, (t, e) => {
    if (t.status !== 'review') throw conflict(`${id} is not in review (status ${t.status})`);
    const held = activeClaim(t, now);
    if (held && held.by !== actor && !opts.force) {
      throw conflict(`${id} is being reviewed by ${held.by}: only they can send it back`, {
        hint: 'people can use --force',
        data: { holder: held.by },
      });
    }
    const of = t.extra.review_of;
    author = typeof of === 'string' && /^[a-z0-9][a-z0-9._-]{0,63}$/.test(of) ? of : null;
    e.set('status', 'in_progress');
    e.set('assignee', author ?? undefined);
    e.set('claim', author ? { ...newLease(author, now, config.leaseMs) } : undefined);
    e.set('review_of', undefined);
  });
  const told = author
    ? sendFromBoard(
        board,
        {
          to: [author],
          ticket: id,
          subject: `${id} is back from review`,
          body: `${actor} sent ${id} back to you (the claim is yours again).${note ? `\nTheir note:\n\n${note}` : ''}`,
        },
        now,
        { config },
      ).delivered
    : [];
  return result(r, told);
}

function result(r: MutateResult, told: string[]): ReviewResult {
  return { id: r.after.id, status: r.after.status, assignee: r.after.assignee, claim: r.after.claim?.by ?? null, told };
}
