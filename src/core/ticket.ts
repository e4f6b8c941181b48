/**
 * The ticket model: what a ticket file's front-matter means, checked field by field.
 * Pure: takes parsed front-matter data, returns a typed Ticket or the list of problems.
 */
import { globProblem } from './globs.js';
import { isAgentName, isTicketId } from './names.js';

export const STATUSES = ['todo', 'in_progress', 'review', 'done', 'cancelled'] as const;
export type Status = (typeof STATUSES)[number];

/** Statuses that resolve a dependency. */
export const RESOLVED: ReadonlySet<string> = new Set(['done', 'cancelled']);

export const DEFAULT_PRIORITY = 2;

/** Front-matter keys the board knows; every other key is kept untouched as `extra`. */
export const KNOWN_KEYS = [
  'id',
  'title',
  'status',
  'assignee',
  'deps',
  'locks',
  'labels',
  'priority',
  'claim',
  'created',
  'updated',
  'updated_by',
] as const;
const KNOWN = new Set<string>(KNOWN_KEYS);

/** Keys that are derived from the board and never stored; a file that has them is refused. */
export const DERIVED_KEYS = ['wave', 'ready', 'blocked_by'] as const;

export interface Claim {
  by: string;
  at: string;
  expires: string;
}

export interface Ticket {
  id: string;
  title: string;
  status: Status;
  assignee: string | null;
  deps: string[];
  locks: string[];
  labels: string[];
  priority: number;
  claim: Claim | null;
  created: string | null;
  updated: string | null;
  updated_by: string | null;
  /** Front-matter keys the board does not know, as parsed. */
  extra: Record<string, unknown>;
  body: string;
}

export interface Problem {
  field: string;
  message: string;
  hint?: string;
}

/** Derived fields: computed from the whole board, never stored in a file. */
export interface Derived {
  wave: number | null;
  ready: boolean;
  blocked_by: string[];
}

export type TicketJson = Omit<Ticket, 'extra'> & Derived & { extra: Record<string, unknown> };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asIdString(v: unknown): unknown {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? String(v) : v;
}

function isTimestamp(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 64 && !Number.isNaN(Date.parse(v));
}

function stringList(
  data: Record<string, unknown>,
  field: string,
  problems: Problem[],
  check: (s: string) => string | undefined,
): string[] {
  const raw = data[field];
  if (raw === undefined || raw === null) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  const out: string[] = [];
  for (const item of list) {
    const v = field === 'deps' ? asIdString(item) : item;
    if (typeof v !== 'string') {
      problems.push({ field, message: `${field} must be a list of strings, found ${JSON.stringify(item)}` });
      continue;
    }
    const why = check(v);
    if (why) problems.push({ field, message: why });
    else if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** Check a lock glob: relative, inside the repository, no `..` segments. */
export function lockProblem(glob: string): string | undefined {
  if (glob.length === 0 || glob.length > 512) return 'a lock pattern must be 1-512 characters';
  if (glob.startsWith('/') || /^[A-Za-z]:/.test(glob)) return `lock "${glob}" must be relative to the repository root`;
  if (glob.split('/').includes('..')) return `lock "${glob}" must not contain ".." segments`;
  if (glob.includes('\0')) return 'a lock pattern must not contain NUL';
  return globProblem(glob);
}

/**
 * Turn a ticket file's parsed front-matter into a Ticket. `fileId` is the file's name
 * without `.md`; the id in the file must match it.
 */
export function ticketFromData(
  data: Record<string, unknown>,
  body: string,
  fileId: string,
): { ticket: Ticket; problems: Problem[] } {
  const problems: Problem[] = [];

  const id = asIdString(data.id);
  if (id === undefined) problems.push({ field: 'id', message: 'missing id', hint: `add "id: ${fileId}"` });
  else if (!isTicketId(id)) problems.push({ field: 'id', message: `invalid id ${JSON.stringify(id)}` });
  else if (id !== fileId)
    problems.push({
      field: 'id',
      message: `id "${id}" does not match the file name "${fileId}.md"`,
      hint: `set "id: ${fileId}" or rename the file to ${String(id)}.md`,
    });

  let title = data.title;
  if (typeof title === 'number') title = String(title);
  if (typeof title !== 'string' || title.trim() === '') {
    problems.push({ field: 'title', message: 'missing title', hint: 'add a "title:" line' });
    title = '';
  }

  let status = data.status ?? 'todo';
  if (typeof status !== 'string' || !(STATUSES as readonly string[]).includes(status)) {
    problems.push({
      field: 'status',
      message: `unknown status ${JSON.stringify(status)}`,
      hint: `use one of: ${STATUSES.join(', ')}`,
    });
    status = 'todo';
  }

  let assignee = data.assignee ?? null;
  if (assignee !== null && !isAgentName(assignee)) {
    problems.push({
      field: 'assignee',
      message: `invalid assignee ${JSON.stringify(assignee)}`,
      hint: 'use an agent name, or leave it empty',
    });
    assignee = null;
  }

  const deps = stringList(data, 'deps', problems, (s) =>
    isTicketId(s) ? undefined : `invalid dependency id ${JSON.stringify(s)}`,
  );
  if (typeof id === 'string' && deps.includes(id))
    problems.push({ field: 'deps', message: `ticket ${id} depends on itself` });
  const locks = stringList(data, 'locks', problems, lockProblem);
  const labels = stringList(data, 'labels', problems, (s) =>
    s.length > 0 && s.length <= 64 && !/[\s,]/.test(s) ? undefined : `invalid label ${JSON.stringify(s)}`,
  );

  let priority = data.priority ?? DEFAULT_PRIORITY;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority > 4) {
    problems.push({
      field: 'priority',
      message: `invalid priority ${JSON.stringify(priority)}`,
      hint: 'use 0 (highest) to 4 (lowest)',
    });
    priority = DEFAULT_PRIORITY;
  }

  let claim: Claim | null = null;
  if (data.claim !== undefined && data.claim !== null) {
    const c = data.claim;
    if (!isObj(c) || !isAgentName(c.by) || !isTimestamp(c.at) || !isTimestamp(c.expires)) {
      problems.push({
        field: 'claim',
        message: 'malformed claim',
        hint: 'claims are written by `board claim`; remove the claim block',
      });
    } else {
      claim = { by: c.by, at: c.at, expires: c.expires };
    }
  }

  const stamp = (field: 'created' | 'updated'): string | null => {
    const v = data[field];
    if (v === undefined || v === null) return null;
    if (!isTimestamp(v)) {
      problems.push({
        field,
        message: `${field} is not a timestamp: ${JSON.stringify(v)}`,
        hint: 'use ISO 8601, e.g. 2026-11-21T10:00:00Z',
      });
      return null;
    }
    return v;
  };
  const created = stamp('created');
  const updated = stamp('updated');

  let updated_by = data.updated_by ?? null;
  if (updated_by !== null && !isAgentName(updated_by)) {
    problems.push({ field: 'updated_by', message: `invalid updated_by ${JSON.stringify(updated_by)}` });
    updated_by = null;
  }

  for (const k of DERIVED_KEYS) {
    if (k in data)
      problems.push({
        field: k,
        message: `"${k}" is derived by the board and cannot be stored`,
        hint: `remove the "${k}:" line`,
      });
  }

  const extra: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if (!KNOWN.has(k) && !(DERIVED_KEYS as readonly string[]).includes(k)) extra[k] = v;
  }

  return {
    ticket: {
      id: fileId,
      title: title as string,
      status: status as Status,
      assignee: assignee as string | null,
      deps,
      locks,
      labels,
      priority: priority as number,
      claim,
      created,
      updated,
      updated_by: updated_by as string | null,
      extra,
      body,
    },
    problems,
  };
}

/** The stable JSON shape of a ticket (docs/json.md). */
export function ticketJson(t: Ticket, d: Derived): TicketJson {
  return {
    id: t.id,
    title: t.title,
    status: t.status,
    assignee: t.assignee,
    deps: t.deps,
    locks: t.locks,
    labels: t.labels,
    priority: t.priority,
    claim: t.claim,
    created: t.created,
    updated: t.updated,
    updated_by: t.updated_by,
    wave: d.wave,
    ready: d.ready,
    blocked_by: d.blocked_by,
    extra: t.extra,
    body: t.body,
  };
}
