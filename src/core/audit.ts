/**
 * The audit trail's decisions, pure: which board paths are recorded, what a change to a path
 * means and who made it, how a batch of changes becomes a commit message, and the identity
 * of a commit's author.
 */
import type { BoardConfig, GitIdentity } from './config.js';
import { isAgentName, isTicketId } from './names.js';

/** Board folders that are never recorded: staging, locks, the watcher's run files. */
export const UNRECORDED_FOLDERS: ReadonlySet<string> = new Set(['tmp', 'locks', 'run']);

/**
 * A board-relative path in the form the audit uses ("tickets/T-1.md"), or undefined when it
 * is not recorded: outside the board, in tmp/ locks/ run/, or with odd segments.
 */
export function auditPath(rel: string): string | undefined {
  const parts = rel
    .replace(/\\/g, '/')
    .split('/')
    .filter((p) => p !== '' && p !== '.');
  if (!parts.length) return undefined;
  if (parts.some((p) => p === '..' || p === '.git' || p.includes('\0') || /[\n\r]/.test(p))) return undefined;
  if (UNRECORDED_FOLDERS.has(parts[0])) return undefined;
  return parts.join('/');
}

export type PathKind = 'ticket' | 'outbox' | 'inbox-new' | 'inbox-cur' | 'rejected' | 'config' | 'template' | 'other';

export interface PathInfo {
  kind: PathKind;
  /** The ticket a ticket file is, or the agent whose folder it is in. */
  ticket?: string;
  agent?: string;
  name: string;
}

export function classifyPath(rel: string): PathInfo {
  const p = rel.split('/');
  const name = p[p.length - 1];
  if (p.length === 2 && p[0] === 'tickets' && name.endsWith('.md') && isTicketId(name.slice(0, -3))) {
    return { kind: 'ticket', ticket: name.slice(0, -3), name };
  }
  if (p[0] === 'outbox' && p.length >= 3 && isAgentName(p[1])) return { kind: 'outbox', agent: p[1], name };
  if (p[0] === 'inbox' && p.length >= 4 && isAgentName(p[1]) && (p[2] === 'new' || p[2] === 'cur')) {
    return { kind: p[2] === 'new' ? 'inbox-new' : 'inbox-cur', agent: p[1], name };
  }
  if (p[0] === 'rejected') return { kind: 'rejected', name };
  if (p.length === 1 && name === 'board.yaml') return { kind: 'config', name };
  if (p[0] === 'templates') return { kind: 'template', name };
  return { kind: 'other', name };
}

export type ChangeStatus = 'added' | 'modified' | 'deleted';

/** A recado's sender and ticket, read from its front-matter text without a YAML parser. */
export function recadoHeader(text: string): { from?: string; ticket?: string } {
  const m = /^---[ \t]*\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (!m) return {};
  const field = (k: string) => {
    const r = new RegExp(`^${k}:[ \\t]*["']?([^"'\\s#]+)["']?[ \\t]*(?:#.*)?$`, 'm').exec(m[1]);
    return r?.[1];
  };
  const from = field('from');
  const ticket = field('ticket');
  return { from: isAgentName(from) ? from : undefined, ticket: isTicketId(ticket) ? ticket : undefined };
}

export interface Attribution {
  /** Who made it: an agent name, or undefined when the path does not say. */
  author?: string;
  what: string;
  ticket?: string;
}

/**
 * Who made a change to a non-ticket path and what it was, from the path alone (and, for a
 * recado, its header). Ticket files are described by describeTicketChange instead.
 */
export function attributePath(
  rel: string,
  status: ChangeStatus,
  header: { from?: string; ticket?: string } = {},
): Attribution {
  const info = classifyPath(rel);
  switch (info.kind) {
    case 'outbox':
      return status === 'deleted'
        ? { author: info.agent, what: `recado from ${info.agent} picked up` }
        : { author: info.agent, what: `recado from ${info.agent} in outbox` };
    case 'inbox-new':
      if (status === 'deleted') return { author: info.agent, what: `${info.agent} read a recado` };
      return {
        author: header.from ?? 'board',
        what: `recado ${header.from ?? '?'} -> ${info.agent}`,
        ticket: header.ticket,
      };
    case 'inbox-cur':
      return status === 'deleted'
        ? { author: info.agent, what: `${info.agent} deleted a read recado` }
        : { author: info.agent, what: `${info.agent} read a recado` };
    case 'rejected':
      return {
        author: 'board',
        what: status === 'deleted' ? `refused file ${info.name} removed` : `refused ${info.name}`,
      };
    case 'config':
      return { what: 'settings changed (board.yaml)' };
    case 'template':
      return {
        what: `template ${info.name} ${status === 'added' ? 'added' : status === 'deleted' ? 'removed' : 'changed'}`,
      };
    default:
      return { what: `${rel} ${status}` };
  }
}

export interface MessageItem {
  what: string;
  ticket?: string;
}

/**
 * The commit message for a batch: one distinct change gives `board(T-4k9x): claimed by alice`
 * (or `board: <what>`); several give `board: N changes` (`board(T-4k9x): N changes` when they
 * are all about one ticket) with each change listed in the body, repeats counted.
 */
export function commitMessage(items: MessageItem[]): string {
  const order: string[] = [];
  const counts = new Map<string, { item: MessageItem; n: number }>();
  for (const it of items) {
    const key = `${it.ticket ?? ''}\0${it.what}`;
    const c = counts.get(key);
    if (c) c.n++;
    else {
      counts.set(key, { item: it, n: 1 });
      order.push(key);
    }
  }
  const distinct = order.map((k) => counts.get(k)!);
  const line = (s: string) => s.replace(/[\r\n]+/g, ' ').trim();
  if (distinct.length === 0) return 'board: no changes\n';
  if (distinct.length === 1) {
    const { item, n } = distinct[0];
    return `board${item.ticket ? `(${item.ticket})` : ''}: ${line(item.what)}${n > 1 ? ` (x${n})` : ''}\n`;
  }
  const tickets = new Set(distinct.map((d) => d.item.ticket));
  const one = tickets.size === 1 ? [...tickets][0] : undefined;
  const body = distinct.map(
    ({ item, n }) => `- ${item.ticket && !one ? `${item.ticket}: ` : ''}${line(item.what)}${n > 1 ? ` (x${n})` : ''}`,
  );
  return `board${one ? `(${one})` : ''}: ${distinct.length} changes\n\n${body.join('\n')}\n`;
}

/** The author identity of an agent's commits: `alice <alice@board>` unless board.yaml maps an email. */
export function authorIdentity(author: string, config: Pick<BoardConfig, 'agents' | 'git'>): GitIdentity {
  if (author === 'board' || !isAgentName(author)) return config.git.committer;
  return { name: author, email: config.agents[author]?.email ?? `${author}@board` };
}
