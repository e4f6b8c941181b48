/**
 * The watcher's outbox route: read and check an outbox file, take it (step 1 of delivery,
 * see deliver.ts), then deliver, wait or bounce it; keep what is refused in rejected/.
 */
import { existsSync, lstatSync, readdirSync, renameSync, unlinkSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import type { BoardConfig } from '../../core/config.js';
import { BoardError } from '../../core/errors.js';
import { BOARD_SENDER } from '../../core/names.js';
import {
  bounceIdOf,
  bounceNotice,
  draftFromData,
  isoSeconds,
  MAX_RECADO_BYTES,
  recadoFromData,
  recipientTokens,
  resolutionProblem,
  resolveRecipients,
  sentOfId,
  stampedFields,
  type RecadoDraft,
  type RecadoJson,
} from '../../core/recado.js';
import { writeAtomic } from '../atomic.js';
import type { Board } from '../board.js';
import { checkNoLink, ensureDir } from '../nolink.js';
import { readBoardFile } from '../read.js';
import { parseRecadoText, renderRecado } from '../recado-text.js';
import { deliverCopies, type DeliveryResult } from './deliver.js';
import {
  errnoOf as code,
  newRecadoId,
  outgoingDir,
  outgoingName,
  parseOutgoingName,
  type OutgoingName,
} from './paths.js';
import { hasInbox, sendRecado, type SendResult } from './send.js';

/** What reading a file in an outbox (or taken from one) gave. */
export type Inspection = (
  | { ok: true; raw: string; draft: RecadoDraft; body: string }
  | { ok: false; definitive: boolean; message: string; hint?: string; subject?: string | null; ticket?: string | null }
) & {
  /** When the file last changed (ms since 1970: the later of mtime and ctime). */
  changed: number;
};

/**
 * Read and check an outbox file. Not yet valid (`definitive: false`): it may still be being
 * written. Definitive: it cannot become a recado by being written further (too big, a link,
 * binary). Returns null when the file is gone. `known` is a previous inspection of the same
 * file, reused when the text did not change.
 */
export function inspectRecadoFile(path: string, display: string, from: string, known?: Inspection): Inspection | null {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (e) {
    if (code(e) === 'ENOENT') return null;
    throw e;
  }
  const changed = Math.max(st.mtimeMs, st.ctimeMs);
  if (st.isSymbolicLink())
    return {
      ok: false,
      definitive: true,
      message: 'it is a symbolic link; the board does not follow links',
      hint: 'write the recado as a regular file',
      changed,
    };
  if (!st.isFile()) return { ok: false, definitive: true, message: 'it is not a regular file', changed };
  if (st.size > MAX_RECADO_BYTES) {
    return {
      ok: false,
      definitive: true,
      message: `it is ${st.size} bytes, over the limit of ${MAX_RECADO_BYTES} bytes`,
      hint: 'keep recados short; put large material in the repository and name the path',
      changed,
    };
  }
  let raw: string;
  try {
    raw = readBoardFile(path, { display, maxBytes: MAX_RECADO_BYTES });
  } catch (e) {
    if (e instanceof BoardError) {
      if (e.kind === 'not_found') return null;
      return {
        ok: false,
        definitive: true,
        message: e.message.replace(`${display} `, 'it ').replace(`${display}: `, ''),
        hint: e.details.hint,
        changed,
      };
    }
    throw e;
  }
  if (known?.ok && known.raw === raw) return { ...known, changed };
  let parsed;
  try {
    parsed = parseRecadoText(raw, display);
  } catch (e) {
    if (!(e instanceof BoardError)) throw e;
    const message =
      raw.length === 0
        ? 'the file is empty'
        : e.message.startsWith(`${display}: `)
          ? e.message.slice(display.length + 2)
          : e.message;
    return { ok: false, definitive: false, message, hint: e.details.hint, changed };
  }
  const { draft, problems } = draftFromData(parsed.data, parsed.body, from);
  if (problems.length) {
    return {
      ok: false,
      definitive: false,
      message: problems[0].message,
      hint: problems[0].hint,
      subject: draft.subject,
      ticket: draft.ticket,
      changed,
    };
  }
  return { ok: true, raw, draft, body: parsed.body, changed };
}

/**
 * Step 1: take an outbox file (see the top of this file). Returns the taken file, or null
 * when the file is gone (taken already, or removed by its writer).
 */
export function takeOutboxFile(
  board: Board,
  path: string,
  from: string,
  now = new Date(),
): { id: string; name: string; path: string } | null {
  const id = newRecadoId(now);
  const name = outgoingName({ id, from, orig: basename(path) });
  const target = join(outgoingDir(board), name);
  checkNoLink(path);
  checkNoLink(target);
  try {
    renameSync(path, target);
  } catch (e) {
    if (code(e) !== 'ENOENT') throw e;
    if (existsSync(outgoingDir(board))) return null;
    ensureDir(outgoingDir(board));
    try {
      renameSync(path, target);
    } catch (e2) {
      if (code(e2) === 'ENOENT') return null;
      throw e2;
    }
  }
  return { id, name, path: target };
}

export interface RejectInfo {
  reason: string;
  hint?: string;
  /** The sender, when there is a valid one. */
  from?: string | null;
  /** Where the file was found (relative to the repository). */
  original: string;
  id?: string;
}

/**
 * Keep a refused file verbatim in rejected/ with `<name>.reason` beside it (the reason is
 * written first, then the file moved in one rename, so the file is never lost). Returns
 * both paths. Used for recados; other refusals may use it too.
 */
export function keepRejected(
  board: Board,
  src: string,
  name: string,
  info: RejectInfo,
  now = new Date(),
): { file: string; reasonFile: string } {
  const dir = board.rejectedDir;
  const file = join(dir, name);
  const reasonFile = `${file}.reason`;
  const lines = [
    `reason: ${JSON.stringify(info.reason)}`,
    info.hint ? `hint: ${JSON.stringify(info.hint)}` : null,
    info.from ? `from: ${info.from}` : null,
    `file: ${JSON.stringify(info.original)}`,
    info.id ? `id: ${info.id}` : null,
    `at: ${isoSeconds(now)}`,
  ].filter((l) => l !== null);
  ensureDir(dir);
  writeAtomic(board.tmpDir, reasonFile, lines.join('\n') + '\n', { fsync: false });
  checkNoLink(src);
  checkNoLink(file);
  renameSync(src, file);
  return { file, reasonFile };
}

const safePart = (s: string, max: number) =>
  s
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, max) || '_';

/**
 * Refuse an outbox file that has no valid sender (outbox/<not an agent>/, or a file right
 * in outbox/): it goes straight to rejected/, and nobody can be told.
 */
export function rejectUnsent(
  board: Board,
  path: string,
  folder: string | null,
  reason: string,
  hint: string,
  now = new Date(),
): { file: string; reasonFile: string } | null {
  const id = newRecadoId(now);
  const name = `${id}+${safePart(folder ?? '-', 64)}+${safePart(basename(path), 160)}`;
  if (!existsSync(path)) return null;
  try {
    return keepRejected(board, path, name, { reason, hint, original: board.rel(path), id }, now);
  } catch (e) {
    if (code(e) === 'ENOENT') return null;
    throw e;
  }
}

export type RouteResult =
  | { kind: 'gone' }
  | { kind: 'retry'; message: string }
  | {
      kind: 'delivered';
      recado: RecadoJson;
      /** Every recipient; `delivered` are the ones that got their copy in this run. */
      recipients: string[];
      delivered: string[];
      paths: string[];
      /** Where the sender dropped it (relative to the repository), or null for `board send`. */
      source: string | null;
      /**
       * Recipients whose copy could not be written now (disk full, no permission, a link in
       * the way). When there are any, the file stays in run/outgoing: route it again later.
       */
      failed: DeliveryResult['failed'];
    }
  | {
      kind: 'rejected';
      id: string;
      from: string;
      reason: string;
      hint?: string;
      source: string;
      file: string;
      reasonFile: string;
      /** The bounce recado sent to the sender (null when nobody could be told). */
      notice: (SendResult & { recado: RecadoJson }) | null;
    };

export interface RouteOptions {
  /** The current configuration. */
  config: BoardConfig;
  /** Re-read board.yaml (an agent may have been added a moment ago); returns the new one. */
  reloadConfig?: () => BoardConfig;
  /** Stop waiting for the file to become valid: if it still is not, it bounces now. */
  giveUp?: boolean;
  /** What the outbox attempt read just before taking the file. */
  known?: Inspection;
  /** The file was taken a moment ago under a new id: no copy of it can exist yet (skips two looks per recipient). */
  fresh?: boolean;
  /** An empty file of the caller's to write the stamped copy into (see watch/spares.ts), or null. */
  spare?: () => string | null;
  now?: Date;
}

/**
 * Steps 2-4 for one file in run/outgoing: decide (deliver, wait, bounce) and act. Every run
 * of it on the same file leads to the same end, so it is what the watcher runs both for a
 * file it has just taken and for one it finds in run/outgoing when it starts.
 */
export function routeOutgoing(board: Board, name: string, opts: RouteOptions): RouteResult {
  const on = parseOutgoingName(name);
  if (!on) return { kind: 'gone' };
  const path = join(outgoingDir(board), name);
  if (on.orig === null) return resumeStamped(board, path, on, opts);

  const source = board.rel(join(board.outboxDir, on.from, on.orig));
  if (!isOutboxFileName(on.orig)) {
    // not a .md file: it can never be sent, so it is bounced (not left lying in the outbox)
    return bounce(
      board,
      path,
      on,
      source,
      {
        reason: `only .md files are sent from an outbox, and "${on.orig}" does not end in .md`,
        hint: `rename it to end in .md (for example ${on.orig.replace(/\.[^.]*$/, '')}.md) and drop it into your outbox again`,
      },
      opts,
    );
  }
  const ins = inspectRecadoFile(path, source, on.from, opts.known);
  if (ins === null) return { kind: 'gone' };
  if (!ins.ok) {
    if (!ins.definitive && !opts.giveUp) return { kind: 'retry', message: ins.message };
    return bounce(
      board,
      path,
      on,
      source,
      { reason: ins.message, hint: ins.hint, subject: ins.subject, ticket: ins.ticket },
      opts,
    );
  }

  let config = opts.config;
  let res = resolveRecipients(ins.draft.to, config.agents, on.from);
  if (resolutionProblem(res) && opts.reloadConfig) {
    config = opts.reloadConfig();
    res = resolveRecipients(ins.draft.to, config.agents, on.from);
  }
  const problem = resolutionProblem(res);
  if (problem)
    return bounce(
      board,
      path,
      on,
      source,
      { reason: problem.message, hint: problem.hint, subject: ins.draft.subject, ticket: ins.draft.ticket },
      opts,
    );

  const sent = sentOfId(on.id) ?? isoSeconds(opts.now ?? new Date());
  const fields = stampedFields(ins.draft, { id: on.id, from: on.from, sent });
  const text = renderRecado(fields, ins.body);
  // Each recipient's copy is written aside from the stamped text and linked into its inbox;
  // the taken file (the sender's text) is kept until every copy is in place.
  const d = deliverCopies(board, text, on.id, res.recipients, opts.fresh, opts.spare);
  if (!d.failed.length) {
    try {
      unlinkSync(path);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
  }
  return {
    kind: 'delivered',
    recado: recadoFromData(fields, ins.body, on.id, false),
    recipients: res.recipients,
    delivered: d.delivered,
    paths: d.paths,
    source,
    failed: d.failed,
  };
}

function bounce(
  board: Board,
  path: string,
  on: OutgoingName,
  source: string,
  why: { reason: string; hint?: string; subject?: string | null; ticket?: string | null },
  opts: RouteOptions,
): RouteResult {
  const now = opts.now ?? new Date();
  const name = outgoingName(on);
  // absolute paths: the sender reads the notice in its own worktree, where .board/ may not be
  const kept = join(board.rejectedDir, name);
  const original = join(board.outboxDir, on.from, on.orig ?? name);
  const n = bounceNotice({
    reason: why.reason,
    hint: why.hint,
    original,
    kept,
    subject: why.subject,
    ticket: why.ticket,
    agents: Object.keys(opts.config.agents).sort(),
  });
  // the notice first, under a fixed id: a crash before the rename below repeats it harmlessly
  const notice = sendRecado(
    board,
    { from: BOARD_SENDER, to: [on.from], subject: n.subject, body: n.body, ticket: why.ticket ?? undefined },
    { lenient: true, now, id: bounceIdOf(on.id), config: opts.config },
  );
  const { file, reasonFile } = keepRejected(
    board,
    path,
    name,
    { reason: why.reason, hint: why.hint, from: on.from, original: source, id: on.id },
    now,
  );
  return {
    kind: 'rejected',
    id: on.id,
    from: on.from,
    reason: why.reason,
    hint: why.hint,
    source,
    file,
    reasonFile,
    notice,
  };
}

/** A recado `board send` (or the board) stamped and did not finish delivering: finish it. */
function resumeStamped(board: Board, path: string, on: OutgoingName, opts: RouteOptions): RouteResult {
  let raw: string;
  try {
    raw = readBoardFile(path, { display: board.rel(path) });
  } catch (e) {
    if (e instanceof BoardError && e.kind === 'not_found') return { kind: 'gone' };
    throw e;
  }
  let data: Record<string, unknown>;
  let body: string;
  try {
    ({ data, body } = parseRecadoText(raw, board.rel(path)));
  } catch (e) {
    if (!(e instanceof BoardError)) throw e;
    const { file, reasonFile } = keepRejected(board, path, outgoingName(on), {
      reason: `unreadable stamped recado: ${e.message}`,
      from: on.from,
      original: board.rel(path),
      id: on.id,
    });
    return {
      kind: 'rejected',
      id: on.id,
      from: on.from,
      reason: e.message,
      source: board.rel(path),
      file,
      reasonFile,
      notice: null,
    };
  }
  const tokens = recipientTokens(data.to).tokens;
  const alsoKnown = new Set(tokens.filter((t) => hasInbox(board, t)));
  const res = resolveRecipients(tokens, opts.config.agents, on.from, alsoKnown);
  const d = deliverCopies(board, raw, on.id, res.recipients, false, opts.spare);
  if (!d.failed.length) {
    try {
      unlinkSync(path);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
  }
  return {
    kind: 'delivered',
    recado: recadoFromData(data, body, on.id, false),
    recipients: res.recipients,
    delivered: d.delivered,
    paths: d.paths,
    source: null,
    failed: d.failed,
  };
}

/** Names in run/outgoing, oldest first (ids start with the time). */
export function listOutgoing(board: Board): string[] {
  try {
    return readdirSync(outgoingDir(board))
      .filter((n) => parseOutgoingName(n) !== null)
      .sort();
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw e;
  }
}

/** Is this the name of a file the watcher sends from an outbox folder? (`*.md`, not hidden) */
export function isOutboxFileName(name: string): boolean {
  return name.endsWith('.md') && !name.startsWith('.') && name.length > 3;
}

/** A file the watcher leaves alone in an outbox: hidden (`.name`), or an editor's backup or partial file. */
export function isIgnoredOutboxName(name: string): boolean {
  return name.startsWith('.') || /(~|\.swp|\.swx|\.tmp|\.part)$/i.test(name);
}

/**
 * A file in an outbox that is neither a recado (`*.md`) nor ignored: bounced to its sender
 * once it has not changed for STRAY_QUIET_MS (an editor's file renamed within that time is
 * never bounced).
 */
export function isStrayOutboxName(name: string): boolean {
  return !isOutboxFileName(name) && !isIgnoredOutboxName(name);
}

export const STRAY_QUIET_MS = 5_000;
