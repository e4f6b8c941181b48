/** Every recado of the board by id, and threads (replies both ways). */
import { notFound } from '../../core/errors.js';
import type { RecadoJson } from '../../core/recado.js';
import type { Board } from '../board.js';
import { inboxAgents, mdNames, readEntry } from './inbox.js';

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
