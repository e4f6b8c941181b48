/**
 * Recados (messages): the model, checked field by field; who a recado goes to (an agent, a
 * list, `all`, `@role`); and what happens to a file in an outbox that does not make a valid
 * recado yet (retry with backoff, or bounce). Pure: no file system, no clock, no randomness
 * except what the caller passes in. The CLI (`board send`) and the watcher share all of it.
 */
import type { AgentConfig } from './config.js';
import { BOARD_SENDER, isAgentName, isTicketId, RESERVED_AGENT_NAMES } from './names.js';

/* ------------------------------------------------------------------------ ids ---- */

/**
 * Recado ids: `<ms since 1970, base 36>-<8 random base-36 characters>`, e.g. `mi3k2x1a-7fj2k9q0`;
 * the board's own notices carry deterministic ids, e.g. `board-assigned-t-4k9x-<16 hex>`.
 * Upper case and up to 128 characters are accepted, so recados named by other tools read too.
 */
export const RECADO_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isRecadoId(s: unknown): s is string {
  return typeof s === 'string' && RECADO_ID_RE.test(s) && !s.endsWith('.md');
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/**
 * A new id: the time first, so that ids sort in the order recados were sent, then 8 random
 * characters (41 bits), so two processes sending in the same millisecond do not collide.
 */
export function recadoId(nowMs: number, random: Uint8Array): string {
  let r = '';
  for (let i = 0; i < 8; i++) r += ALPHABET[random[i % random.length] % 36];
  return `${Math.floor(nowMs).toString(36)}-${r}`;
}

/** The id of the notice that tells a sender its recado `id` bounced (fixed, so a retry after a crash does not send a second one). */
export function bounceIdOf(id: string): string {
  return `${id}.bounce`;
}

/** When the recado with this id was sent (the time in its id), or null for an id not made by the board. */
export function sentOfId(id: string): string | null {
  const m = /^([0-9a-z]{6,10})-/.exec(id);
  if (!m) return null;
  const ms = parseInt(m[1], 36);
  if (!Number.isSafeInteger(ms) || ms <= 0) return null;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : isoSeconds(d);
}

export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/* ---------------------------------------------------------------- the fields ---- */

/** Front-matter keys the board knows in a recado; every other key is kept as written. */
export const RECADO_KEYS = ['id', 'from', 'claimed_from', 'to', 'subject', 'ticket', 'reply_to', 'sent'] as const;
const KNOWN = new Set<string>(RECADO_KEYS);

/** What a sender writes (everything but id, from and sent, which the board stamps). */
export interface RecadoDraft {
  /** Recipients as written: agent names, `all`, `@role`. */
  to: string[];
  subject: string;
  ticket: string | null;
  reply_to: string | null;
  /** Unknown keys, kept. */
  extra: Record<string, unknown>;
  /** A `from:` written by hand that is not the real sender (kept for the audit, never trusted). */
  claimed_from: string | null;
}

export interface Recado extends RecadoDraft {
  id: string;
  from: string;
  sent: string;
  body: string;
}

/** The JSON shape of a recado (`board inbox --json`, `board read --json`, `board thread --json`). */
export interface RecadoJson {
  id: string;
  from: string;
  to: string[];
  subject: string;
  ticket: string | null;
  reply_to: string | null;
  sent: string;
  body: string;
  read: boolean;
  extra: Record<string, unknown>;
}

export interface RecadoProblem {
  field: string;
  message: string;
  hint?: string;
}

/** Largest recado accepted (the board-wide file limit). */
export const MAX_RECADO_BYTES = 1024 * 1024;

const ROLE_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * Split `to:` into recipient tokens. Accepts a string ("bob", "bob, carol", "@backend",
 * "all") or a list of them. Names are lower-cased (agent names are lower-case).
 */
export function recipientTokens(value: unknown): { tokens: string[]; problem?: RecadoProblem } {
  if (value === undefined || value === null || value === '') {
    return {
      tokens: [],
      problem: {
        field: 'to',
        message: 'missing "to:" (who the recado is for)',
        hint: 'write "to: NAME", "to: [a, b]", "to: all" or "to: \'@role\'"',
      },
    };
  }
  const items = Array.isArray(value) ? value : [value];
  const tokens: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') {
      return {
        tokens: [],
        problem: {
          field: 'to',
          message: `"to:" must name agents, found ${JSON.stringify(item)}`,
          hint: 'write "to: NAME" or "to: [a, b]"',
        },
      };
    }
    for (const t of item.split(/[\s,]+/)) {
      const token = t.trim().toLowerCase();
      if (token && !tokens.includes(token)) tokens.push(token);
    }
  }
  if (tokens.length === 0)
    return { tokens, problem: { field: 'to', message: '"to:" names nobody', hint: 'write "to: NAME"' } };
  return { tokens };
}

function scalarString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A subject from the body when none is written: its first non-empty line, shortened. */
export function subjectFromBody(body: string): string {
  const line =
    body
      .split('\n')
      .map((l) => l.replace(/^#+\s*/, '').trim())
      .find((l) => l !== '') ?? '';
  if (line === '') return '(no subject)';
  return line.length > 72 ? `${line.slice(0, 71)}…` : line;
}

/**
 * Check what a sender wrote. `from` is the sender given by where the file was found (the
 * outbox folder, or --as); a different `from:` in the file is kept only as `claimed_from`.
 * `id` and `sent` written by hand are ignored: the board stamps its own.
 */
export function draftFromData(
  data: Record<string, unknown>,
  body: string,
  from: string,
): { draft: RecadoDraft; problems: RecadoProblem[] } {
  const problems: RecadoProblem[] = [];
  const { tokens, problem } = recipientTokens(data.to);
  if (problem) problems.push(problem);

  let subject = scalarString(data.subject);
  if (data.subject !== undefined && data.subject !== null && subject === undefined) {
    problems.push({ field: 'subject', message: 'subject must be text', hint: 'write "subject: a short line"' });
  }
  subject = subject?.trim() ? subject.trim() : subjectFromBody(body);

  let ticket: string | null = null;
  if (data.ticket !== undefined && data.ticket !== null && data.ticket !== '') {
    const t = scalarString(data.ticket);
    if (t === undefined || !isTicketId(t))
      problems.push({
        field: 'ticket',
        message: `invalid ticket id ${JSON.stringify(data.ticket)}`,
        hint: 'write "ticket: T-4k9x" or leave it out',
      });
    else ticket = t;
  }

  let reply_to: string | null = null;
  if (data.reply_to !== undefined && data.reply_to !== null && data.reply_to !== '') {
    const r = scalarString(data.reply_to);
    if (r === undefined || !isRecadoId(r))
      problems.push({
        field: 'reply_to',
        message: `invalid recado id ${JSON.stringify(data.reply_to)} in reply_to`,
        hint: 'copy the id of the recado you answer (board inbox shows it)',
      });
    else reply_to = r;
  }

  const written = scalarString(data.from)?.trim().toLowerCase();
  const claimed_from = written && written !== from ? written.slice(0, 64) : null;

  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (!KNOWN.has(k)) extra[k] = v;

  return { draft: { to: tokens, subject, ticket, reply_to, extra, claimed_from }, problems };
}

/* ---------------------------------------------------------------- recipients ---- */

export interface Resolution {
  /** Agents that get a copy, sorted, each once. */
  recipients: string[];
  /** Names that are not agents of this board (or not valid names). */
  unknown: string[];
  /** Groups that expand to nobody (`@role` that no other agent has, `all` on a board of one). */
  empty: string[];
}

/**
 * Who gets a copy. `all` is every agent but the sender; `@role` is every agent with that
 * role but the sender; a name is that agent (a sender may write to itself). `board` is not
 * a recipient. `alsoKnown` adds names that count as agents without being in board.yaml
 * (the board's own notices go to any name that has an inbox).
 */
export function resolveRecipients(
  tokens: string[],
  agents: Record<string, AgentConfig>,
  sender: string,
  alsoKnown: ReadonlySet<string> = new Set(),
): Resolution {
  const out = new Set<string>();
  const unknown: string[] = [];
  const empty: string[] = [];
  const names = Object.keys(agents);
  for (const token of tokens) {
    if (token === 'all') {
      const group = names.filter((n) => n !== sender);
      if (group.length === 0) empty.push(token);
      for (const n of group) out.add(n);
    } else if (token.startsWith('@')) {
      const role = token.slice(1);
      const group = ROLE_RE.test(role)
        ? names.filter((n) => n !== sender && agents[n].role?.toLowerCase() === role)
        : [];
      if (group.length === 0) empty.push(token);
      for (const n of group) out.add(n);
    } else if (isAgentName(token) && !RESERVED_AGENT_NAMES.has(token) && (token in agents || alsoKnown.has(token))) {
      out.add(token);
    } else {
      unknown.push(token);
    }
  }
  return { recipients: [...out].sort(), unknown, empty };
}

/** Why a resolution cannot be delivered, or null when it can. */
export function resolutionProblem(r: Resolution): { message: string; hint: string } | null {
  if (r.unknown.length) {
    const list = r.unknown.map((u) => JSON.stringify(u)).join(', ');
    const board = r.unknown.includes(BOARD_SENDER);
    return {
      message: `unknown recipient${r.unknown.length === 1 ? '' : 's'} ${list}`,
      hint: board
        ? '"board" is the board itself and reads no recados; write to an agent, "all" or "@role"'
        : 'write to an agent of this board (see `board agent list`), "all" or "@role"; `board agent add NAME` adds one',
    };
  }
  if (r.recipients.length === 0) {
    return {
      message: r.empty.length
        ? `nobody to deliver to: ${r.empty.join(', ')} ${r.empty.length === 1 ? 'names' : 'name'} no other agent`
        : 'nobody to deliver to',
      hint: 'see `board agent list` for the agents and their roles',
    };
  }
  return null;
}

/* ------------------------------------------------------------------ stamping ---- */

/**
 * The front-matter of the recado as delivered, in a fixed order: what the board stamps
 * (id, from, sent), what the sender wrote, then the sender's other keys as written.
 */
export function stampedFields(
  d: RecadoDraft,
  stamp: { id: string; from: string; sent: string },
): Record<string, unknown> {
  const f: Record<string, unknown> = { id: stamp.id, from: stamp.from };
  if (d.claimed_from) f.claimed_from = d.claimed_from;
  f.to = d.to.length === 1 ? d.to[0] : d.to;
  f.subject = d.subject;
  if (d.ticket) f.ticket = d.ticket;
  if (d.reply_to) f.reply_to = d.reply_to;
  f.sent = stamp.sent;
  for (const [k, v] of Object.entries(d.extra)) if (!(k in f)) f[k] = v;
  return f;
}

/**
 * Read a delivered recado's front-matter leniently (it was checked when it was sent; an
 * inbox file edited by hand still shows). `fileId` is the file name without `.md`.
 */
export function recadoFromData(data: Record<string, unknown>, body: string, fileId: string, read: boolean): RecadoJson {
  const str = (v: unknown) => scalarString(v) ?? null;
  const to = recipientTokens(data.to).tokens;
  const id = str(data.id) ?? fileId;
  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) if (!KNOWN.has(k) || k === 'claimed_from') extra[k] = v;
  return {
    id,
    from: str(data.from) ?? '?',
    to,
    subject: str(data.subject) ?? subjectFromBody(body),
    ticket: str(data.ticket),
    reply_to: str(data.reply_to),
    sent: str(data.sent) ?? sentOfId(id) ?? '',
    body,
    read,
    extra,
  };
}

/* ------------------------------------------- files that are not a recado yet ---- */

/**
 * An outbox file that does not parse (or lacks a field) may still be being written: an
 * agent's editor writes in place, and the file's event fires at its first byte. Such a file
 * is read again after each of these delays (and at once whenever it changes); it bounces
 * only once every attempt has failed AND it has not changed for SETTLE_MS. A file that keeps
 * changing and never becomes valid bounces after GIVE_UP_MS.
 */
export const RETRY_DELAYS_MS = [10, 25, 50, 100, 200, 400, 800, 1000] as const;
/**
 * A file that parses is still left alone until it has not changed for QUIET_MS: an editor
 * writing in several chunks may have closed the front-matter before the body is all there.
 */
export const QUIET_MS = 20;
export const SETTLE_MS = 2000;
export const GIVE_UP_MS = 30_000;

/**
 * After the `attempts`-th failed attempt (1 = the first), wait this long and try again; or
 * null: stop waiting, the file bounces.
 */
export function retryDelay(attempts: number, msSinceChange: number, msSinceFirst: number): number | null {
  if (msSinceFirst >= GIVE_UP_MS) return null;
  if (attempts >= RETRY_DELAYS_MS.length && msSinceChange >= SETTLE_MS) return null;
  const delay = RETRY_DELAYS_MS[Math.min(attempts, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0];
  // once the schedule is spent, wait just long enough for the file to have settled
  if (attempts >= RETRY_DELAYS_MS.length)
    return Math.max(50, Math.min(RETRY_DELAYS_MS[RETRY_DELAYS_MS.length - 1], SETTLE_MS - msSinceChange));
  return delay;
}

/* -------------------------------------------------------------------- bounces ---- */

export interface BounceFacts {
  /** What was wrong, one line. */
  reason: string;
  hint?: string;
  /** Where the sender's file was (relative to the repository). */
  original: string;
  /** Where it is kept now. */
  kept: string;
  subject?: string | null;
  ticket?: string | null;
  /** The agents of the board (an agent with only file tools cannot list them). */
  agents?: string[];
}

/** At most this many agents are named in a bounce. */
const BOUNCE_MAX_AGENTS = 60;

/** The recado the board sends to a sender whose recado bounced. */
export function bounceNotice(b: BounceFacts): { subject: string; body: string } {
  const what = b.subject ? `"${b.subject}"` : (b.original.split('/').pop() ?? b.original);
  const lines = [
    `Your recado ${what} was not delivered: ${b.reason}.`,
    '',
    `The file you wrote (${b.original}) is kept, unchanged, in ${b.kept}`,
    `(the reason is beside it, in ${b.kept}.reason).`,
  ];
  if (b.hint) lines.push('', `What to do: ${b.hint}.`);
  if (b.agents) {
    const names =
      b.agents.length > BOUNCE_MAX_AGENTS
        ? [...b.agents.slice(0, BOUNCE_MAX_AGENTS), `… (${b.agents.length - BOUNCE_MAX_AGENTS} more)`]
        : b.agents;
    lines.push(
      '',
      `The agents of this board: ${names.length ? names.join(', ') : '(none)'}. You can also write to: all, or "@ROLE".`,
    );
  }
  lines.push('', 'Fix it and drop it into your outbox again, or send it with `board send`.');
  return { subject: `not delivered: ${b.subject ?? what}`.slice(0, 200), body: lines.join('\n') + '\n' };
}
