/**
 * Recados on disk: delivery into inboxes, the outbox → inbox route the watcher runs, bounces,
 * and reading inboxes. `board send`, the board's own notices (`sendFromBoard`) and the
 * watcher all deliver through `deliverCopies`, so there is one delivery path.
 *
 * HOW DELIVERY STAYS EXACTLY-ONCE (Maildir style: every step is a rename or a link, and
 * every step can be run again after a crash without changing the outcome):
 *
 *   outbox/<from>/<name>.md
 *     │  1. take: rename → run/outgoing/<id>+<from>+<name>
 *     │     One atomic rename: the file is in the outbox or taken, never both, never neither.
 *     │     The id (and with it the `sent` time, which is the time in the id) is fixed in the
 *     │     taken file's name, so whatever happens next is retried under the same id.
 *     ▼
 *   run/outgoing/<id>+<from>+<name>            (git-ignored; the watcher resumes it on start)
 *     │  2. stamp: the recado with id, from (the folder) and sent is written aside, once.
 *     │  3. deliver: for each recipient, link the stamped file as inbox/<to>/new/<id>.md.
 *     │     link() refuses an existing target (EEXIST): a copy delivered before a crash is
 *     │     never delivered twice, and no reader sees half a file.
 *     │     A recipient may already have READ its copy before the crash (moved it from new/
 *     │     to cur/): delivery first looks in cur/ and skips; and because the reader may move
 *     │     it between that look and the link, it looks in cur/ again after linking and
 *     │     removes the copy it just made if the read one is there. Copies are recognised by
 *     │     the id in their name, which is the same for every attempt.
 *     │  4. remove the taken file, last: until then a restart resumes from step 2.
 *     ▼
 *   inbox/<to>/new/<id>.md  (→ cur/ once read)
 *
 * A bounce follows the same rule: the notice to the sender (fixed id `<id>.bounce`) is
 * delivered first, then the reason is written and the taken file renamed into rejected/.
 * A crash before the rename repeats the bounce under the same ids; after it, nothing is left
 * to do. `board send` and `sendFromBoard` write the stamped recado into run/outgoing as
 * `<id>=<from>` first, so one killed half-way through a broadcast is finished by the watcher.
 *
 * What is not covered: a recipient that DELETES (rather than reads) its copy during the
 * instant between a crash and the restart gets it again. Power loss is not covered either:
 * files are not fsync'd one by one (a process killed at any instant loses nothing; the
 * kernel still holds what it wrote).
 *
 * Copies to several recipients are hard links of one stamped file: inbox files are
 * read-only by convention (reading moves them, nothing edits them).
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync, constants, existsSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync,
  type Stats,
} from 'node:fs';
import { basename, join } from 'node:path';
import type { BoardConfig } from '../core/config.js';
import { readConfig } from './config.js';
import { BoardError, invalid, notFound } from '../core/errors.js';
import { BOARD_SENDER, checkAgentName, isAgentName, RESERVED_AGENT_NAMES } from '../core/names.js';
import {
  bounceIdOf, bounceNotice, draftFromData, isoSeconds, isRecadoId, MAX_RECADO_BYTES, recadoFromData, recadoId,
  recipientTokens, resolutionProblem, resolveRecipients, sentOfId, stampedFields, type RecadoDraft, type RecadoJson,
} from '../core/recado.js';
import { stage, writeAllSync, writeAtomic } from './atomic.js';
import { systemError } from '../core/io-errors.js';
import { checkNoLink, ensureDir } from './nolink.js';
import type { Board } from './board.js';
import type { Finding } from './doctor.js';
import { readBoardFile } from './read.js';
import { fastFrontmatter, parseRecadoText, renderRecado, yamlString } from './recado-text.js';

export { fastFrontmatter, parseRecadoText, renderRecado, yamlString };

/* ------------------------------------------------------------------ paths ---- */

export function outgoingDir(board: Board): string {
  return join(board.runDir, 'outgoing');
}

/**
 * A file in run/outgoing. `<id>+<from>+<name>`: taken from outbox/<from>/<name> (`orig` is
 * the name); `<id>=<from>`: already stamped by `board send` or the board. Ids and agent
 * names never contain `+` or `=`.
 */
export interface OutgoingName {
  id: string;
  from: string;
  orig: string | null;
}

const RAW_NAME = /^([A-Za-z0-9][A-Za-z0-9._-]{0,127})\+([a-z0-9][a-z0-9._-]{0,63})\+(.+)$/;
const STAMPED_NAME = /^([A-Za-z0-9][A-Za-z0-9._-]{0,127})=([a-z0-9][a-z0-9._-]{0,63})$/;

export function parseOutgoingName(name: string): OutgoingName | null {
  let m = RAW_NAME.exec(name);
  if (m) return { id: m[1], from: m[2], orig: m[3] };
  m = STAMPED_NAME.exec(name);
  if (m) return { id: m[1], from: m[2], orig: null };
  return null;
}

export function outgoingName(o: OutgoingName): string {
  if (o.orig === null) return `${o.id}=${o.from}`;
  const room = 240 - o.id.length - o.from.length;
  const orig = o.orig.length > room ? o.orig.slice(0, room - 3) + '.md' : o.orig;
  return `${o.id}+${o.from}+${orig}`;
}

export function newRecadoId(now = new Date()): string {
  return recadoId(now.getTime(), randomBytes(8));
}

const code = (e: unknown) => (e as NodeJS.ErrnoException)?.code;

/* --------------------------------------------------------------- delivery ---- */

/**
 * Put one copy of the stamped recado `text` into `to`'s inbox as `new/<id>.md`, unless `to`
 * already has it (unread in new/, or read in cur/). Each recipient gets its OWN file (its own
 * inode, written aside then linked in), so no recipient can change another's copy. Safe to
 * run any number of times, also concurrently with itself and with the recipient reading: see
 * the top of this file. Returns the path delivered, or null when `to` already had it.
 */
export function deliverOne(board: Board, text: string, id: string, to: string, fresh = false, spare?: () => string | null): string | null {
  const name = `${id}.md`;
  const cur = join(board.inboxCur(to), name);
  const target = join(board.inboxNew(to), name);
  checkNoLink(target); // exit 2 when inbox/<to>/ or inbox/<to>/new/ is a link
  // (`fresh`: the id was drawn a moment ago by this process, so no copy can have been read yet)
  if (!fresh && existsSync(cur)) return null; // read before a crash: already delivered
  if (!fresh && existsSync(target)) return null; // delivered before (a resumed delivery)
  const copy = writeAside(board, text, spare);
  try {
    try {
      linkSync(copy, target);
    } catch (e) {
      if (code(e) === 'EEXIST') return null; // delivered before (a resumed delivery)
      if (code(e) !== 'ENOENT') throw e;
      ensureDir(board.inboxNew(to));
      ensureDir(board.inboxCur(to));
      try {
        linkSync(copy, target);
      } catch (e2) {
        if (code(e2) === 'EEXIST') return null;
        throw e2;
      }
    }
  } finally {
    try { unlinkSync(copy); } catch { /* gone */ }
  }
  // The recipient may have moved an earlier copy to cur/ between the first look and the
  // link: then the copy just made is a second one. Remove it (same id, same text).
  if (!fresh && existsSync(cur)) {
    try { unlinkSync(target); } catch { /* the reader took it too: it overwrote cur/ with the same text */ }
    return null;
  }
  return target;
}

export interface DeliveryResult {
  /** Recipients that got a copy now. */
  delivered: string[];
  /** Recipients that already had it (a resumed delivery). */
  already: string[];
  /** Paths of the copies made now. */
  paths: string[];
  /**
   * Recipients whose copy could not be written (disk full, no permission, a link in the way),
   * with why. The others got theirs: one broken inbox never holds back the rest.
   */
  failed: { to: string; error: unknown }[];
}

export function deliverCopies(board: Board, text: string, id: string, recipients: string[], fresh = false, spare?: () => string | null): DeliveryResult {
  const r: DeliveryResult = { delivered: [], already: [], paths: [], failed: [] };
  for (const to of recipients) {
    let p: string | null;
    try {
      p = deliverOne(board, text, id, to, fresh, spare);
    } catch (error) {
      r.failed.push({ to, error });
      continue;
    }
    if (p) {
      r.delivered.push(to);
      r.paths.push(p);
    } else {
      r.already.push(to);
    }
  }
  return r;
}

/** Write `text` into a new file aside (a spare if one is given, else a fresh one in tmp/). */
function writeAside(board: Board, text: string, spare?: () => string | null): string {
  const p = spare?.();
  if (p) {
    try {
      checkNoLink(p);
      const fd = openSync(p, constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW);
      try {
        writeAllSync(fd, text, p);
      } finally {
        closeSync(fd);
      }
      return p;
    } catch {
      try { unlinkSync(p); } catch { /* gone */ }
    }
  }
  return stage(board.tmpDir, text, { fsync: false });
}

/** The error for recipients whose copy could not be written; the rest were delivered. */
function partialDelivery(board: Board, id: string, failed: DeliveryResult['failed']): BoardError {
  const first = failed[0];
  const why = systemError(first.error, (p) => board.rel(p))?.message ?? String((first.error as Error)?.message ?? first.error);
  return new BoardError(first.error instanceof BoardError ? first.error.kind : 'io', `recado ${id} not yet delivered to ${failed.map((f) => f.to).join(', ')}: ${why}`, {
    file: first.error instanceof BoardError ? first.error.details.file : board.rel(board.inboxNew(first.to)),
    hint: `it waits in ${board.rel(outgoingDir(board))}/; the watcher delivers it once the inbox can be written again (${(first.error instanceof BoardError ? first.error.details.hint : systemError(first.error)?.details.hint) ?? 'fix the folder'})`,
    data: { id, failed: failed.map((f) => f.to) },
  });
}

/* ------------------------------------------------------------------ config ---- */

/**
 * board.yaml read directly, without the derived cache: the mailbox loads the YAML parser
 * anyway, and on a large board the cache file (every ticket) costs more to load than
 * board.yaml to parse.
 */
export { readConfig };

/* ------------------------------------------------------------ sending now ---- */

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

function hasInbox(board: Board, name: string): boolean {
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
    throw invalid(`"${from}" is reserved and cannot send recados`, { field: 'from', hint: 'send as an agent: --as NAME' });
  }
  const data: Record<string, unknown> = { to: r.to, subject: r.subject ?? undefined, ticket: r.ticket ?? undefined, reply_to: r.reply_to ?? undefined };
  const { draft, problems } = draftFromData(data, r.body, from);
  if (problems.length) throw invalid(problems[0].message, { field: problems[0].field, hint: problems[0].hint });

  const groups = draft.to.some((t) => t === 'all' || t.startsWith('@'));
  const config = opts.config ?? (opts.lenient && !groups ? undefined : readConfig(board));
  const agents = config?.agents ?? {};
  const alsoKnown = new Set(opts.lenient ? draft.to.filter((t) => hasInbox(board, t)) : []);
  const res = resolveRecipients(draft.to, agents, from, alsoKnown);
  const problem = resolutionProblem(res);
  if (problem && !opts.lenient) {
    throw (res.unknown.length ? notFound : invalid)(problem.message, { field: 'to', hint: problem.hint, data: { unknown: res.unknown, empty: res.empty } });
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
    try { unlinkSync(tmp); } catch { /* gone */ }
    throw e;
  }
  // a fixed id may have been delivered (and read) before: then look in cur/ too
  const d = deliverCopies(board, text, id, res.recipients, opts.id === undefined);
  // a recipient whose inbox cannot be written now: the stamped file stays in run/outgoing
  // and the watcher delivers the rest when it can (the others have theirs already)
  if (d.failed.length) throw partialDelivery(board, id, d.failed);
  unlinkSync(pending);
  if (opts.id === undefined) return { id, delivered: [...d.delivered, ...d.already].sort(), skipped: res.unknown, already: [], recado };
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
export function sendFromBoard(board: Board, notice: BoardNotice, now = new Date(), opts: { id?: string; config?: BoardConfig } = {}): SendResult {
  const r = sendRecado(
    board,
    { from: BOARD_SENDER, to: notice.to, subject: notice.subject, body: notice.body, ticket: notice.ticket, reply_to: notice.reply_to },
    { lenient: true, now, id: opts.id ?? notice.id, config: opts.config },
  );
  return { id: r.id, delivered: r.delivered, skipped: r.skipped, already: r.already };
}

/* ------------------------------------------------- the watcher's outbox route ---- */

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
  if (st.isSymbolicLink()) return { ok: false, definitive: true, message: 'it is a symbolic link; the board does not follow links', hint: 'write the recado as a regular file', changed };
  if (!st.isFile()) return { ok: false, definitive: true, message: 'it is not a regular file', changed };
  if (st.size > MAX_RECADO_BYTES) {
    return { ok: false, definitive: true, message: `it is ${st.size} bytes, over the limit of ${MAX_RECADO_BYTES} bytes`, hint: 'keep recados short; put large material in the repository and name the path', changed };
  }
  let raw: string;
  try {
    raw = readBoardFile(path, { display, maxBytes: MAX_RECADO_BYTES });
  } catch (e) {
    if (e instanceof BoardError) {
      if (e.kind === 'not_found') return null;
      return { ok: false, definitive: true, message: e.message.replace(`${display} `, 'it ').replace(`${display}: `, ''), hint: e.details.hint, changed };
    }
    throw e;
  }
  if (known?.ok && known.raw === raw) return { ...known, changed };
  let parsed;
  try {
    parsed = parseRecadoText(raw, display);
  } catch (e) {
    if (!(e instanceof BoardError)) throw e;
    const message = raw.length === 0 ? 'the file is empty' : e.message.startsWith(`${display}: `) ? e.message.slice(display.length + 2) : e.message;
    return { ok: false, definitive: false, message, hint: e.details.hint, changed };
  }
  const { draft, problems } = draftFromData(parsed.data, parsed.body, from);
  if (problems.length) {
    return { ok: false, definitive: false, message: problems[0].message, hint: problems[0].hint, subject: draft.subject, ticket: draft.ticket, changed };
  }
  return { ok: true, raw, draft, body: parsed.body, changed };
}

/**
 * Step 1: take an outbox file (see the top of this file). Returns the taken file, or null
 * when the file is gone (taken already, or removed by its writer).
 */
export function takeOutboxFile(board: Board, path: string, from: string, now = new Date()): { id: string; name: string; path: string } | null {
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
export function keepRejected(board: Board, src: string, name: string, info: RejectInfo, now = new Date()): { file: string; reasonFile: string } {
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

const safePart = (s: string, max: number) => s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._-]+/, '').slice(0, max) || '_';

/**
 * Refuse an outbox file that has no valid sender (outbox/<not an agent>/, or a file right
 * in outbox/): it goes straight to rejected/, and nobody can be told.
 */
export function rejectUnsent(board: Board, path: string, folder: string | null, reason: string, hint: string, now = new Date()): { file: string; reasonFile: string } | null {
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
    return bounce(board, path, on, source, {
      reason: `only .md files are sent from an outbox, and "${on.orig}" does not end in .md`,
      hint: `rename it to end in .md (for example ${on.orig.replace(/\.[^.]*$/, '')}.md) and drop it into your outbox again`,
    }, opts);
  }
  const ins = inspectRecadoFile(path, source, on.from, opts.known);
  if (ins === null) return { kind: 'gone' };
  if (!ins.ok) {
    if (!ins.definitive && !opts.giveUp) return { kind: 'retry', message: ins.message };
    return bounce(board, path, on, source, { reason: ins.message, hint: ins.hint, subject: ins.subject, ticket: ins.ticket }, opts);
  }

  let config = opts.config;
  let res = resolveRecipients(ins.draft.to, config.agents, on.from);
  if (resolutionProblem(res) && opts.reloadConfig) {
    config = opts.reloadConfig();
    res = resolveRecipients(ins.draft.to, config.agents, on.from);
  }
  const problem = resolutionProblem(res);
  if (problem) return bounce(board, path, on, source, { reason: problem.message, hint: problem.hint, subject: ins.draft.subject, ticket: ins.draft.ticket }, opts);

  const sent = sentOfId(on.id) ?? isoSeconds(opts.now ?? new Date());
  const fields = stampedFields(ins.draft, { id: on.id, from: on.from, sent });
  const text = renderRecado(fields, ins.body);
  // Each recipient's copy is written aside from the stamped text and linked into its inbox;
  // the taken file (the sender's text) is kept until every copy is in place.
  const d = deliverCopies(board, text, on.id, res.recipients, opts.fresh, opts.spare);
  if (!d.failed.length) {
    try { unlinkSync(path); } catch (e) { if (code(e) !== 'ENOENT') throw e; }
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
    reason: why.reason, hint: why.hint, original, kept, subject: why.subject, ticket: why.ticket,
    agents: Object.keys(opts.config.agents).sort(),
  });
  // the notice first, under a fixed id: a crash before the rename below repeats it harmlessly
  const notice = sendRecado(
    board,
    { from: BOARD_SENDER, to: [on.from], subject: n.subject, body: n.body, ticket: why.ticket ?? undefined },
    { lenient: true, now, id: bounceIdOf(on.id), config: opts.config },
  );
  const { file, reasonFile } = keepRejected(board, path, name, { reason: why.reason, hint: why.hint, from: on.from, original: source, id: on.id }, now);
  return { kind: 'rejected', id: on.id, from: on.from, reason: why.reason, hint: why.hint, source, file, reasonFile, notice };
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
    const { file, reasonFile } = keepRejected(board, path, outgoingName(on), { reason: `unreadable stamped recado: ${e.message}`, from: on.from, original: board.rel(path), id: on.id });
    return { kind: 'rejected', id: on.id, from: on.from, reason: e.message, source: board.rel(path), file, reasonFile, notice: null };
  }
  const tokens = recipientTokens(data.to).tokens;
  const alsoKnown = new Set(tokens.filter((t) => hasInbox(board, t)));
  const res = resolveRecipients(tokens, opts.config.agents, on.from, alsoKnown);
  const d = deliverCopies(board, raw, on.id, res.recipients, false, opts.spare);
  if (!d.failed.length) {
    try { unlinkSync(path); } catch (e) { if (code(e) !== 'ENOENT') throw e; }
  }
  return { kind: 'delivered', recado: recadoFromData(data, body, on.id, false), recipients: res.recipients, delivered: d.delivered, paths: d.paths, source: null, failed: d.failed };
}

/** Names in run/outgoing, oldest first (ids start with the time). */
export function listOutgoing(board: Board): string[] {
  try {
    return readdirSync(outgoingDir(board)).filter((n) => parseOutgoingName(n) !== null).sort();
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

/* ---------------------------------------------------------------- reading ---- */

export interface InboxEntry {
  recado: RecadoJson;
  agent: string;
  box: 'new' | 'cur';
  path: string;
}

export interface BrokenRecado {
  file: string;
  message: string;
}

function readEntry(board: Board, agent: string, box: 'new' | 'cur', name: string): InboxEntry | BrokenRecado | null {
  const path = join(box === 'new' ? board.inboxNew(agent) : board.inboxCur(agent), name);
  const display = board.rel(path);
  try {
    const { data, body } = parseRecadoText(readBoardFile(path, { display }), display);
    return { recado: recadoFromData(data, body, name.slice(0, -3), box === 'cur'), agent, box, path };
  } catch (e) {
    if (e instanceof BoardError) return e.kind === 'not_found' ? null : { file: display, message: e.message };
    throw e;
  }
}

function mdNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.md') && !n.startsWith('.'));
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return [];
    throw e;
  }
}

const bySent = (a: InboxEntry, b: InboxEntry) => a.recado.sent.localeCompare(b.recado.sent) || a.recado.id.localeCompare(b.recado.id);

export function checkInbox(board: Board, agent: string): void {
  checkAgentName(agent);
  if (!existsSync(join(board.inboxDir, agent))) {
    throw notFound(`no inbox for ${agent}`, { hint: `\`board agent add ${agent}\` creates it; \`board agent list\` shows the agents` });
  }
}

/** An agent's recados: unread ones (new/), and with `all` the read ones too, oldest first. */
export function listInbox(board: Board, agent: string, opts: { all?: boolean } = {}): { entries: InboxEntry[]; broken: BrokenRecado[] } {
  checkInbox(board, agent);
  const entries: InboxEntry[] = [];
  const broken: BrokenRecado[] = [];
  const curNames = new Set(mdNames(board.inboxCur(agent)));
  for (const name of mdNames(board.inboxNew(agent))) {
    if (curNames.has(name)) continue; // a second copy of one already read (see deliverOne)
    const e = readEntry(board, agent, 'new', name);
    if (e && 'recado' in e) entries.push(e);
    else if (e) broken.push(e);
  }
  if (opts.all) {
    for (const name of curNames) {
      const e = readEntry(board, agent, 'cur', name);
      if (e && 'recado' in e) entries.push(e);
      else if (e) broken.push(e);
    }
  }
  entries.sort(bySent);
  return { entries, broken };
}

/**
 * One recado of `agent`'s inbox by id; with `markRead`, moved from new/ to cur/ (a rename:
 * safe against concurrent readers and a concurrent delivery). Exit 3 when it is not there.
 */
export function readRecado(board: Board, agent: string, id: string, opts: { markRead?: boolean } = {}): InboxEntry {
  checkInbox(board, agent);
  if (!isRecadoId(id)) throw invalid(`invalid recado id ${JSON.stringify(id)}`, { hint: '`board inbox` shows the ids' });
  const name = `${id}.md`;
  const fresh = join(board.inboxNew(agent), name);
  const cur = join(board.inboxCur(agent), name);
  if (opts.markRead && existsSync(fresh)) {
    checkNoLink(fresh);
    checkNoLink(cur);
    ensureDir(board.inboxCur(agent));
    try {
      if (existsSync(cur)) unlinkSync(fresh); // already read once: drop the second copy
      else renameSync(fresh, cur);
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e; // another reader moved it: it is in cur/ now
    }
  }
  for (const box of ['cur', 'new'] as const) {
    const e = readEntry(board, agent, box, name);
    if (e && 'recado' in e) return e;
    if (e) throw invalid(e.message, { file: e.file });
  }
  throw notFound(`no recado ${id} in ${agent}'s inbox`, { hint: `\`board inbox --as ${agent} --all\` lists them` });
}

/** Every agent that has an inbox folder. */
export function inboxAgents(board: Board): string[] {
  try {
    return readdirSync(board.inboxDir).filter((n) => isAgentName(n)).sort();
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw e;
  }
}

export interface BoardRecado {
  recado: RecadoJson;
  /** Who has a copy, and whether they read it. */
  copies: { agent: string; read: boolean }[];
}

/** Every recado in every inbox, one entry per id. */
export function allRecados(board: Board): Map<string, BoardRecado> {
  const out = new Map<string, BoardRecado>();
  for (const agent of inboxAgents(board)) {
    const seen = new Set<string>();
    for (const box of ['cur', 'new'] as const) {
      for (const name of mdNames(box === 'new' ? board.inboxNew(agent) : board.inboxCur(agent))) {
        if (seen.has(name)) continue;
        seen.add(name);
        const e = readEntry(board, agent, box, name);
        if (!e || !('recado' in e)) continue;
        const have = out.get(e.recado.id);
        if (have) have.copies.push({ agent, read: box === 'cur' });
        else out.set(e.recado.id, { recado: { ...e.recado, read: false }, copies: [{ agent, read: box === 'cur' }] });
      }
    }
  }
  return out;
}

/** The recados linked to `id` by reply_to, both ways (its ancestors and all replies), oldest first. */
export function threadOf(all: Map<string, BoardRecado>, id: string): BoardRecado[] {
  const start = all.get(id);
  if (!start) throw notFound(`no recado ${id} in any inbox`, { hint: '`board inbox --as NAME --all` lists the ids' });
  let root = start;
  const upSeen = new Set([root.recado.id]);
  while (root.recado.reply_to && all.has(root.recado.reply_to) && !upSeen.has(root.recado.reply_to)) {
    root = all.get(root.recado.reply_to)!;
    upSeen.add(root.recado.id);
  }
  const replies = new Map<string, BoardRecado[]>();
  for (const r of all.values()) {
    if (!r.recado.reply_to) continue;
    const list = replies.get(r.recado.reply_to) ?? [];
    list.push(r);
    replies.set(r.recado.reply_to, list);
  }
  const out: BoardRecado[] = [];
  const seen = new Set<string>();
  const stack = [root];
  while (stack.length) {
    const r = stack.pop()!;
    if (seen.has(r.recado.id)) continue;
    seen.add(r.recado.id);
    out.push(r);
    stack.push(...(replies.get(r.recado.id) ?? []));
  }
  return out.sort((a, b) => a.recado.sent.localeCompare(b.recado.sent) || a.recado.id.localeCompare(b.recado.id));
}

/* ----------------------------------------------------------------- doctor ---- */

const STUCK_MS = 60_000;

/** `board doctor`: mailboxes of the agents, stray outbox files, recados waiting too long. */
export function checkMailboxes(board: Board): Finding[] {
  const out: Finding[] = [];
  let agents: Record<string, unknown> = {};
  try {
    agents = readConfig(board).agents;
  } catch {
    return out; // board.yaml problems are reported by the config check
  }
  for (const name of Object.keys(agents)) {
    for (const dir of [board.inboxNew(name), board.inboxCur(name), board.outbox(name)]) {
      if (!existsSync(dir)) {
        out.push({ severity: 'warning', file: board.rel(dir), message: `${board.rel(dir)}: missing for agent ${name}`, hint: `\`board agent add ${name}\` creates it again` });
      }
    }
  }
  const now = Date.now();
  let folders: string[] = [];
  try {
    folders = readdirSync(board.outboxDir);
  } catch { /* no outbox folder */ }
  let waiting = 0;
  for (const f of folders) {
    const p = join(board.outboxDir, f);
    let st: Stats;
    try { st = lstatSync(p); } catch { continue; }
    if (!st.isDirectory()) {
      if (isOutboxFileName(f)) out.push({ severity: 'warning', file: board.rel(p), message: `${board.rel(p)}: not in an agent's outbox folder; it will be refused`, hint: 'move it into .board/outbox/<your name>/' });
      continue;
    }
    if (!(f in agents)) {
      const files = mdNames(p);
      if (files.length) out.push({ severity: 'warning', file: board.rel(p), message: `${board.rel(p)}: not the outbox of an agent; its ${files.length} file(s) will be refused`, hint: `\`board agent add ${f}\` if ${f} should send recados` });
      continue;
    }
    for (const n of readdirSync(p)) {
      const fp = join(p, n);
      if (!isOutboxFileName(n)) {
        if (isStrayOutboxName(n)) out.push({ severity: 'warning', file: board.rel(fp), message: `${board.rel(fp)}: not a .md file; the watcher bounces it to ${f}`, hint: 'only .md files are sent: rename it to NAME.md' });
        continue;
      }
      try { if (now - lstatSync(fp).mtimeMs > STUCK_MS) waiting++; } catch { /* sent meanwhile */ }
    }
  }
  for (const n of listOutgoing(board)) {
    try { if (now - lstatSync(join(outgoingDir(board), n)).ctimeMs > STUCK_MS) waiting++; } catch { /* done meanwhile */ }
  }
  if (waiting) {
    out.push({ severity: 'warning', message: `${waiting} recado(s) have waited over a minute to be delivered`, hint: 'is the watcher running? `board watch --detach` starts it' });
  }
  return out;
}
