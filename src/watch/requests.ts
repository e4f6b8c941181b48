/**
 * The requests plugin: carries out the requests agents make by file (a recado `to: board`
 * with `claim: ID`, `renew:`, `release:`, `close:`, `cancel:` or `next:`; core/requests.ts)
 * with the very operations the CLI, the web board and MCP use (ops/tickets.ts), so the rules, the single winner
 * among concurrent claimers and the refusals are the same, and answers each by a recado
 * from `board` to the sender: "claimed until ...", or refused and why.
 *
 * The host hands a request over as soon as the router sees it (before any delivery); it is
 * then already in run/requests/ (store/requests.ts says what a killed watcher finds there).
 */

import { BoardError } from '../core/errors.js';
import { draftFromData } from '../core/recado.js';
import { BY_FILE, parseBoardRequest, requestWords, type BoardRequest } from '../core/requests.js';
import type { Ticket } from '../core/ticket.js';
import { claim, close, next, release, renew } from '../ops/tickets.js';
import { parseRecadoText } from '../store/recado-text.js';
import {
  finishRequest,
  pendingRequests,
  readAnswer,
  readRequestText,
  writeAnswer,
  type RequestAnswer,
  type TakenRequest,
} from '../store/requests.js';
import type { BoardRequestEvent, WatchContext, WatchPlugin } from './plugin.js';
import { createHash } from 'node:crypto';

const answerId = (name: string) => `board-answer-${createHash('sha256').update(name).digest('hex').slice(0, 24)}`;

async function carryOut(ctx: WatchContext, from: string, r: BoardRequest): Promise<RequestAnswer> {
  const board = ctx.board;
  const words = requestWords(r);
  const claimed = (t: Ticket, what: string): RequestAnswer => ({
    ok: true,
    op: words,
    ticket: t.id,
    subject: `${t.id}: ${what} until ${t.claim?.expires}`,
    body: [
      `You hold ${t.id} "${t.title}" until ${t.claim?.expires} (status ${t.status}).`,
      `Its file: ${board.ticketFile(t.id)}`,
      `Renew before then (renew: ${t.id}), close it when done (close: ${t.id}), or give it back (release: ${t.id}).`,
      '',
      BY_FILE,
      '',
    ].join('\n'),
  });
  try {
    switch (r.op) {
      case 'claim':
      case 'renew': {
        const res = await (r.op === 'claim' ? claim : renew)(board, r.id, { actor: from });
        return claimed(res.after, res.renewal ? 'renewed' : 'claimed');
      }
      case 'next': {
        const res = await next(board, { actor: from, also: r.also });
        return claimed(res.after, 'claimed');
      }
      case 'release':
      case 'close':
      case 'cancel': {
        const res =
          r.op === 'release'
            ? await release(board, r.id, { actor: from })
            : await close(board, r.id, { actor: from, cancel: r.op === 'cancel' });
        const done =
          r.op === 'release'
            ? res.changed
              ? 'released'
              : 'was not claimed'
            : res.changed
              ? `closed (${res.after.status})`
              : `was already ${res.after.status}`;
        return {
          ok: true,
          op: words,
          ticket: r.id,
          subject: `${r.id}: ${done}`,
          body: [
            `${r.id} "${res.after.title}" ${done}; it is ${res.after.status} now and nobody holds it.`,
            '',
            BY_FILE,
            '',
          ].join('\n'),
        };
      }
    }
  } catch (e) {
    if (!(e instanceof BoardError)) throw e;
    const id = r.op === 'next' ? null : r.id;
    return {
      ok: false,
      op: words,
      ticket: id,
      error: e.kind,
      subject: id ? `${id}: ${r.op} refused` : 'next: refused',
      body: [
        `Your request "${words}" was refused: ${e.message}`,
        ...(e.details.hint ? [`What to do: ${e.details.hint}`] : []),
        '',
        BY_FILE,
        '',
      ].join('\n'),
    };
  }
}

export class RequestsPlugin implements WatchPlugin {
  readonly name = 'requests';

  async start(ctx: WatchContext): Promise<void> {
    for (const r of pendingRequests(ctx.board)) await this.handle(ctx, r); // left by a killed watcher
  }

  async onBoardRequest(ev: BoardRequestEvent, ctx: WatchContext): Promise<void> {
    await this.handle(ctx, ev.request);
  }

  private async handle(ctx: WatchContext, taken: TakenRequest): Promise<void> {
    let answer = readAnswer(taken);
    if (!answer) {
      const text = readRequestText(taken);
      if (text === null) return finishRequest(taken);
      let parsed: ReturnType<typeof parseBoardRequest>;
      try {
        const { data, body } = parseRecadoText(text, taken.name);
        parsed = parseBoardRequest(draftFromData(data, body, taken.from).draft.extra);
      } catch (e) {
        parsed = { problem: String((e as Error)?.message ?? e), hint: 'fix the front-matter and send it again' };
      }
      answer =
        'request' in parsed
          ? await carryOut(ctx, taken.from, parsed.request)
          : {
              ok: false,
              op: 'unknown',
              ticket: null,
              error: 'invalid',
              subject: 'request refused: not understood',
              body: `Your recado to the board was not understood: ${parsed.problem}.\nWhat to do: ${parsed.hint}\n\n${BY_FILE}\n`,
            };
      writeAnswer(ctx.board, taken, answer);
    }
    ctx.sendFromBoard({
      to: [taken.from],
      subject: answer.subject,
      body: answer.body,
      ticket: answer.ticket ?? undefined,
      id: answerId(taken.name),
    });
    finishRequest(taken);
    ctx.log({
      type: 'request',
      from: taken.from,
      op: answer.op,
      ok: answer.ok,
      ...(answer.ticket ? { id: answer.ticket } : {}),
      ...(answer.error ? { error: answer.error } : {}),
      subject: answer.subject,
    });
  }
}

export function requestsPlugin(): WatchPlugin {
  return new RequestsPlugin();
}
