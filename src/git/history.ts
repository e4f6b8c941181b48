/**
 * Reading the audit trail back (`board log`): the commits of the audit branch, and for one
 * ticket each version's front-matter compared with the one before it.
 */
import { describeTicketChange, ticketChanges, type FieldChange } from '../core/describe.js';
import type { Ticket } from '../core/ticket.js';
import { parseTicketText } from '../store/tickets.js';
import type { GitRepo } from './git.js';

export interface LogCommit {
  commit: string;
  parents: string[];
  author: string;
  email: string;
  date: string;
  subject: string;
  body: string;
}

export interface TicketLogEntry {
  commit: string;
  date: string;
  author: string;
  email: string;
  subject: string;
  /** What happened to the ticket in this commit, in words. */
  what: string;
  /** The front-matter fields (and body) that changed. */
  changes: FieldChange[];
}

export interface BoardLogEntry {
  commit: string;
  date: string;
  author: string;
  email: string;
  subject: string;
  body: string;
  /** Files the commit changed, relative to `.board/`; status A, M or D. */
  files: { status: string; path: string }[];
}

const RS = '\x1e';
const US = '\x1f';
const FORMAT = `--format=${'%x1e'}%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%s%x1f%b%x1f`;

/** ISO 8601 in UTC, like the board's own timestamps: 2026-11-21T10:00:00Z. */
export function utc(iso: string): string {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso : new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseRecord(rec: string): { c: LogCommit; rest: string } {
  const f = rec.split(US);
  const [commit, parents, author, email, isoDate, subject, body] = f;
  const date = utc(isoDate);
  return {
    c: {
      commit,
      parents: parents ? parents.split(' ') : [],
      author,
      email,
      date,
      subject,
      body: body.replace(/\n+$/, ''),
    },
    rest: f.slice(7).join(US),
  };
}

/** Commits of `ref`, newest first, optionally only those that touched `path`. */
async function logCommits(
  repo: GitRepo,
  ref: string,
  path: string | undefined,
  limit: number,
  nameStatus: boolean,
  prefix: string,
) {
  const args = ['-c', 'core.quotePath=false', 'log', FORMAT, '--no-renames', `-n${limit}`];
  if (nameStatus) args.push('--name-status');
  args.push(ref, '--', path ?? prefix);
  const out = (await repo.run(args)).stdout.toString('utf8');
  return out
    .split(RS)
    .filter((r) => r.trim())
    .map(parseRecord);
}

function ticketAt(text: string | null, id: string): Ticket | null | 'unreadable' {
  if (text === null) return null;
  try {
    return parseTicketText(text, id, `tickets/${id}.md`).ticket;
  } catch {
    return 'unreadable';
  }
}

/** The history of one ticket, newest first. Empty when the branch never held it. */
export async function ticketLog(
  repo: GitRepo,
  prefix: string,
  ref: string,
  id: string,
  limit: number,
): Promise<TicketLogEntry[]> {
  const path = `${prefix}/tickets/${id}.md`;
  const commits = await logCommits(repo, ref, path, limit, false, prefix);
  const specs = commits.flatMap(({ c }) => [
    `${c.commit}:${path}`,
    ...(c.parents.length ? [`${c.commit}^1:${path}`] : []),
  ]);
  const blobs = await repo.catFiles(specs);
  return commits.map(({ c }) => {
    const text = (spec: string) => blobs.get(spec)?.toString('utf8') ?? null;
    const after = ticketAt(text(`${c.commit}:${path}`), id);
    const before = c.parents.length ? ticketAt(text(`${c.commit}^1:${path}`), id) : null;
    let what: string;
    let changes: FieldChange[] = [];
    if (after === 'unreadable') what = 'edited (front-matter does not parse)';
    else if (before === 'unreadable')
      what = after ? `front-matter fixed: ${describeTicketChange(null, after)}` : 'deleted';
    else {
      what = describeTicketChange(before, after);
      changes = ticketChanges(before, after);
    }
    if (c.parents.length > 1) {
      // a sync merge: its message says what happened to each ticket merged from both sides
      const note = c.body.split('\n').find((l) => l.startsWith(`- ${id}: `));
      what = note ? `sync: ${note.slice(id.length + 4)}` : what === 'no change' ? 'sync: merged' : `sync: ${what}`;
    }
    return { commit: c.commit, date: c.date, author: c.author, email: c.email, subject: c.subject, what, changes };
  });
}

/** The history of the whole board, newest first. */
export async function boardLog(repo: GitRepo, prefix: string, ref: string, limit: number): Promise<BoardLogEntry[]> {
  const commits = await logCommits(repo, ref, undefined, limit, true, prefix);
  return commits.map(({ c, rest }) => ({
    commit: c.commit,
    date: c.date,
    author: c.author,
    email: c.email,
    subject: c.subject,
    body: c.body,
    files: rest
      .split('\n')
      .filter((l) => l.includes('\t'))
      .map((l) => {
        const [status, p] = l.split('\t');
        return { status, path: p.startsWith(prefix + '/') ? p.slice(prefix.length + 1) : p };
      }),
  }));
}
