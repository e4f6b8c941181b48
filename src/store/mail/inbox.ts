/** Reading inboxes: an agent's recados, one recado (marked read by a rename), the agents with an inbox. */
import { existsSync, readdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BoardError, invalid, notFound } from '../../core/errors.js';
import { checkAgentName, isAgentName } from '../../core/names.js';
import { isRecadoId, recadoFromData, type RecadoJson } from '../../core/recado.js';
import type { Board } from '../board.js';
import { checkNoLink, ensureDir } from '../nolink.js';
import { readBoardFile } from '../read.js';
import { parseRecadoText } from '../recado-text.js';
import { errnoOf as code } from './paths.js';

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

export function readEntry(
  board: Board,
  agent: string,
  box: 'new' | 'cur',
  name: string,
): InboxEntry | BrokenRecado | null {
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

export function mdNames(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.md') && !n.startsWith('.'));
  } catch (e) {
    if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return [];
    throw e;
  }
}

const bySent = (a: InboxEntry, b: InboxEntry) =>
  a.recado.sent.localeCompare(b.recado.sent) || a.recado.id.localeCompare(b.recado.id);

export function checkInbox(board: Board, agent: string): void {
  checkAgentName(agent);
  if (!existsSync(join(board.inboxDir, agent))) {
    throw notFound(`no inbox for ${agent}`, {
      hint: `\`board agent add ${agent}\` creates it; \`board agent list\` shows the agents`,
    });
  }
}

/** An agent's recados: unread ones (new/), and with `all` the read ones too, oldest first. */
export function listInbox(
  board: Board,
  agent: string,
  opts: { all?: boolean } = {},
): { entries: InboxEntry[]; broken: BrokenRecado[] } {
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
  if (!isRecadoId(id))
    throw invalid(`invalid recado id ${JSON.stringify(id)}`, { hint: '`board inbox` shows the ids' });
  const name = `${id}.md`;
  const fresh = join(board.inboxNew(agent), name);
  const cur = join(board.inboxCur(agent), name);
  if (opts.markRead && existsSync(fresh)) {
    checkNoLink(fresh);
    checkNoLink(cur);
    ensureDir(board.inboxCur(agent));
    try {
      if (existsSync(cur))
        unlinkSync(fresh); // already read once: drop the second copy
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
    return readdirSync(board.inboxDir)
      .filter((n) => isAgentName(n))
      .sort();
  } catch (e) {
    if (code(e) === 'ENOENT') return [];
    throw e;
  }
}
