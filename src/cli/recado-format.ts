/** Human forms of recados. */
import type { RecadoJson } from '../core/recado.js';
import { escapeText } from '../core/escape.js';
import { one } from './format.js';
import { paint } from './output.js';

const when = (sent: string) =>
  sent
    .replace('T', ' ')
    .replace(/:\d\dZ$/, '')
    .replace(/Z$/, '');

/** One line per recado: id, from, sent, subject (and ticket); unread ones marked with `*` when mixed. */
export function recadoTable(list: RecadoJson[], opts: { mark?: boolean } = {}): string[] {
  if (list.length === 0) return [];
  const idW = Math.max(2, ...list.map((r) => r.id.length));
  const fromW = Math.max(4, ...list.map((r) => r.from.length));
  const rows = [
    paint.bold(`${opts.mark ? '  ' : ''}${'ID'.padEnd(idW)}  ${'FROM'.padEnd(fromW)}  ${'SENT'.padEnd(16)}  SUBJECT`),
  ];
  for (const r of list) {
    const mark = opts.mark ? (r.read ? '  ' : paint.yellow('* ')) : '';
    const subject = r.read || !opts.mark ? one(r.subject) : paint.bold(one(r.subject));
    rows.push(
      `${mark}${r.id.padEnd(idW)}  ${one(r.from).padEnd(fromW)}  ${when(r.sent).padEnd(16)}  ${subject}${r.ticket ? paint.dim(`  [${r.ticket}]`) : ''}`,
    );
  }
  return rows;
}

export function recadoDetail(r: RecadoJson): string[] {
  const lines = [
    `${paint.bold('From:')}     ${one(r.from)}`,
    `${paint.bold('To:')}       ${one(r.to.join(', '))}`,
    `${paint.bold('Subject:')}  ${one(r.subject)}`,
    `${paint.bold('Sent:')}     ${r.sent}`,
    `${paint.bold('Id:')}       ${r.id}`,
  ];
  if (r.ticket) lines.push(`${paint.bold('Ticket:')}   ${r.ticket}`);
  if (r.reply_to) lines.push(`${paint.bold('Reply to:')} ${r.reply_to}`);
  const claimed = r.extra.claimed_from;
  if (typeof claimed === 'string')
    lines.push(paint.yellow(`(the file claimed to be from ${one(claimed)}; the board ignores that)`));
  lines.push('', escapeText(r.body.replace(/\n+$/, '')));
  return lines;
}
