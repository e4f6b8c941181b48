/** Sending a recado now, without the watcher: `board send` and the board's own notices. */
import { existsSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardConfig } from '../../core/config.js';
import { invalid, notFound } from '../../core/errors.js';
import { BOARD_SENDER, checkAgentName, isAgentName, RESERVED_AGENT_NAMES } from '../../core/names.js';
import {
  draftFromData,
  isoSeconds,
  recadoFromData,
  resolutionProblem,
  resolveRecipients,
  sentOfId,
  stampedFields,
  type RecadoJson,
} from '../../core/recado.js';
import { stage } from '../atomic.js';
import type { Board } from '../board.js';
import { readConfig } from '../config.js';
import { checkNoLink, ensureDir } from '../nolink.js';
import { renderRecado } from '../recado-text.js';
import { deliverCopies, partialDelivery } from './deliver.js';
import { errnoOf as code, newRecadoId, outgoingDir, outgoingName } from './paths.js';

export interface SendResult {
  id: string;
  /** Agents that got a copy. */
  delivered: string[];
  /** Named recipients that were skipped (no such agent; only for the board's own notices). */
  skipped: string[];
  /** With a fixed id: agents that already had it, unread or read (another sender was first). */
  already: string[];
}

export interface NewRecado {
  from: string;
  /** Agent names, `all`, `@role`. */
  to: string[];
  subject?: string | null;
  body: string;
  ticket?: string | null;
  reply_to?: string | null;
}

export interface SendOptions {
  config?: BoardConfig;
  now?: Date;
  /** Use this id (the board's bounce notices have fixed ids). */
  id?: string;
  /**
   * Skip recipients that are not agents instead of refusing (the board's notices: any name
   * with an inbox folder counts, as well as the agents in board.yaml).
   */
  lenient?: boolean;
}

export function hasInbox(board: Board, name: string): boolean {
  return isAgentName(name) && !RESERVED_AGENT_NAMES.has(name) && existsSync(join(board.inboxDir, name));
}

/**
 * Send a recado now, without the watcher: check it, stamp it, write it into run/outgoing
 * (so that the watcher finishes it if this process dies half-way), deliver a copy to every
 * recipient, remove it from run/outgoing. Refuses (exit 2/3) before writing anything.
 */
export function sendRecado(board: Board, r: NewRecado, opts: SendOptions = {}): SendResult & { recado: RecadoJson } {
  const from = r.from === BOARD_SENDER && opts.lenient ? BOARD_SENDER : checkAgentName(r.from, 'sender name');
  if (RESERVED_AGENT_NAMES.has(from) && !(from === BOARD_SENDER && opts.lenient)) {
    throw invalid(`"${from}" is reserved and cannot send recados`, {
      field: 'from',
      hint: 'send as an agent: --as NAME',
    });
  }
  const data: Record<string, unknown> = {
    to: r.to,
    subject: r.subject ?? undefined,
    ticket: r.ticket ?? undefined,
    reply_to: r.reply_to ?? undefined,
  };
  const { draft, problems } = draftFromData(data, r.body, from);
  if (problems.length) throw invalid(problems[0].message, { field: problems[0].field, hint: problems[0].hint });

  const groups = draft.to.some((t) => t === 'all' || t.startsWith('@'));
  const config = opts.config ?? (opts.lenient && !groups ? undefined : readConfig(board));
  const agents = config?.agents ?? {};
  const alsoKnown = new Set(opts.lenient ? draft.to.filter((t) => hasInbox(board, t)) : []);
  const res = resolveRecipients(draft.to, agents, from, alsoKnown);
  const problem = resolutionProblem(res);
  if (problem && !opts.lenient) {
    throw (res.unknown.length ? notFound : invalid)(problem.message, {
      field: 'to',
      hint: problem.hint,
      data: { unknown: res.unknown, empty: res.empty },
    });
  }

  const now = opts.now ?? new Date();
  const id = opts.id ?? newRecadoId(now);
  const sent = sentOfId(id) ?? isoSeconds(now);
  const fields = stampedFields(draft, { id, from, sent });
  const body = r.body === '' || r.body.endsWith('\n') ? r.body : r.body + '\n';
  const text = renderRecado(fields, body);
  const recado = recadoFromData(fields, body, id, false);
  if (res.recipients.length === 0) return { id, delivered: [], skipped: res.unknown, already: [], recado };

  const dir = outgoingDir(board);
  const pending = join(dir, outgoingName({ id, from, orig: null }));
  checkNoLink(pending);
  const tmp = stage(board.tmpDir, text, { fsync: false });
  try {
    try {
      renameSync(tmp, pending);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
      ensureDir(dir);
      renameSync(tmp, pending);
    }
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* gone */
    }
    throw e;
  }
  // a fixed id may have been delivered (and read) before: then look in cur/ too
  const d = deliverCopies(board, text, id, res.recipients, opts.id === undefined);
  // a recipient whose inbox cannot be written now: the stamped file stays in run/outgoing
  // and the watcher delivers the rest when it can (the others have theirs already)
  if (d.failed.length) throw partialDelivery(board, id, d.failed);
  unlinkSync(pending);
  if (opts.id === undefined)
    return { id, delivered: [...d.delivered, ...d.already].sort(), skipped: res.unknown, already: [], recado };
  return { id, delivered: d.delivered.sort(), skipped: res.unknown, already: d.already.sort(), recado };
}

/* ------------------------------------------------------ the board's notices ---- */

export interface BoardNotice {
  /** Agent names, `all` or `@role`. */
  to: string[];
  subject: string;
  body: string;
  ticket?: string;
  reply_to?: string;
  /**
   * A fixed recado id (deterministic announcements): each recipient gets it at most once,
   * however many processes send it; one who already has it (unread or read) is in `already`.
   */
  id?: string;
}

/**
 * CONTRACT (used by claims, waves, enforcement and git sync): deliver one recado from
 * "board" to each named agent's `inbox/<agent>/new/`, atomically, through the same delivery
 * path as every recado. `to` may also say `all` or `@role`. Names that are neither an agent
 * in board.yaml nor have an inbox folder are skipped (returned in `skipped`).
 */
export function sendFromBoard(
  board: Board,
  notice: BoardNotice,
  now = new Date(),
  opts: { id?: string; config?: BoardConfig } = {},
): SendResult {
  const r = sendRecado(
    board,
    {
      from: BOARD_SENDER,
      to: notice.to,
      subject: notice.subject,
      body: notice.body,
      ticket: notice.ticket,
      reply_to: notice.reply_to,
    },
    { lenient: true, now, id: opts.id ?? notice.id, config: opts.config },
  );
  return { id: r.id, delivered: r.delivered, skipped: r.skipped, already: r.already };
}
