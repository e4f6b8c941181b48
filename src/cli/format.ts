/** Human forms of tickets. */
import type { TicketJson } from '../core/ticket.js';
import { escapeText } from '../core/escape.js';
import { paint } from './output.js';

/** A title, name or other one-line field from a file, escaped for a terminal. */
export const one = (s: string): string => escapeText(s, { oneLine: true });

const STATUS_PAINT: Record<string, (s: string) => string> = {
  todo: (s) => s,
  in_progress: paint.yellow,
  review: paint.cyan,
  done: paint.green,
  cancelled: paint.dim,
};

export function statusText(status: string): string {
  return (STATUS_PAINT[status] ?? ((s: string) => s))(status);
}

/** One line per ticket, columns aligned. */
export function ticketTable(tickets: TicketJson[]): string[] {
  if (tickets.length === 0) return [];
  const idW = Math.max(2, ...tickets.map((t) => t.id.length));
  const rows = [paint.bold(`${'ID'.padEnd(idW)}  ${'STATUS'.padEnd(11)}  WAVE  P  ${'ASSIGNEE'.padEnd(12)}  TITLE`)];
  for (const t of tickets) {
    const wave = t.wave === null ? '-' : String(t.wave);
    const who = t.claim ? `${t.claim.by}*` : (t.assignee ?? '-');
    const flag = t.ready
      ? paint.green(' ready')
      : t.blocked_by.length
        ? paint.dim(` (waits on ${t.blocked_by.join(', ')})`)
        : '';
    rows.push(
      `${t.id.padEnd(idW)}  ${statusText(t.status.padEnd(11))}  ${wave.padStart(4)}  ${t.priority}  ${one(who).padEnd(12)}  ${one(t.title)}${flag}`,
    );
  }
  return rows;
}

export function ticketDetail(t: TicketJson): string[] {
  const lines = [
    `${paint.bold(t.id)}  ${one(t.title)}`,
    `status:     ${statusText(t.status)}${t.ready ? paint.green('  (ready)') : ''}`,
    `wave:       ${t.wave ?? '- (on or behind a dependency cycle)'}`,
    `priority:   ${t.priority}`,
    `assignee:   ${one(t.assignee ?? '-')}`,
  ];
  if (t.claim) lines.push(`claim:      ${one(t.claim.by)} since ${t.claim.at}, until ${t.claim.expires}`);
  if (t.deps.length) lines.push(`deps:       ${t.deps.join(', ')}`);
  if (t.blocked_by.length) lines.push(`blocked by: ${t.blocked_by.join(', ')}`);
  if (t.locks.length) lines.push(`locks:      ${one(t.locks.join(', '))}`);
  if (t.labels.length) lines.push(`labels:     ${one(t.labels.join(', '))}`);
  lines.push(
    `created:    ${t.created ?? '-'}`,
    `updated:    ${t.updated ?? '-'}${t.updated_by ? ` by ${one(t.updated_by)}` : ''}`,
  );
  for (const [k, v] of Object.entries(t.extra))
    lines.push(`${one(k + ':').padEnd(11)} ${one(JSON.stringify(v) ?? '')}`);
  if (t.body.trim()) lines.push('', escapeText(t.body.replace(/\n+$/, '')));
  return lines;
}
