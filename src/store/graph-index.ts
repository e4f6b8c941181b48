/**
 * The dependency graph of the board for reads that need only it (`board show`: a ticket's
 * wave, ready and blocked_by depend on every ticket's status and deps, not on their titles
 * or bodies). A small derived index, `.board/run/graph.json`, keeps each ticket file's id,
 * status and deps, so such a read does not load the full cache (every ticket with its body)
 * nor the YAML library.
 *
 * Never trusted over the files, like the cache: an entry is used only when the file's inode,
 * size, mtime and ctime all match; a file changed less than a second before the index is
 * saved is not stored; every other file is read again (fast reader). Losing the index only
 * costs time.
 */
import { lstatSync, readFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { configFromData, type BoardConfig } from '../core/config.js';
import { BoardError } from '../core/errors.js';
import { computeGraph, type BoardGraph, type GraphNode } from '../core/graph.js';
import { isTicketId } from '../core/names.js';
import { writeAtomic } from './atomic.js';
import type { Board } from './board.js';
import { readConfigData } from './config.js';
import { readBoardFile } from './read.js';
import { stats } from './stats.js';
import { parseTicketText, ticketFileNames } from './tickets.js';

const VERSION = 1;
const RACY_MS = 1000;

/** name → [stat key, id, status, deps], or [stat key] for a file that cannot be read as a ticket. */
type Entry = [string, string, string, string[]] | [string];
interface Saved {
  v: number;
  config?: [string, unknown];
  tickets: Record<string, Entry>;
}

const keyOf = (st: Stats) => `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
const settled = (st: Stats) => Date.now() - Math.max(st.mtimeMs, st.ctimeMs) >= RACY_MS;

function load(file: string): Saved {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Saved;
    if (s && s.v === VERSION && typeof s.tickets === 'object' && s.tickets) return s;
  } catch {
    /* missing or unreadable: start empty */
  }
  return { v: VERSION, tickets: {} };
}

/** The board's graph, from the index where the files did not change, else from the files. */
export function loadGraph(board: Board): BoardGraph<GraphNode> {
  const file = join(board.runDir, 'graph.json');
  const useIndex = process.env.BOARD_NO_CACHE !== '1';
  const saved = useIndex ? load(file) : { v: VERSION, tickets: {} };
  const next: Saved = { v: VERSION, tickets: {} };
  let dirty = false;

  let config: BoardConfig;
  const display = board.rel(board.configFile);
  const cst = lstatSync(board.configFile);
  if (saved.config && saved.config[0] === keyOf(cst)) {
    config = configFromData(saved.config[1] as Record<string, unknown>, display);
    next.config = saved.config;
  } else {
    const data = readConfigData(board);
    config = configFromData(data, display);
    if (settled(cst)) next.config = [keyOf(cst), data];
    dirty = true;
  }

  const nodes: GraphNode[] = [];
  const dir = board.ticketsDir;
  for (const name of ticketFileNames(board)) {
    const fileId = name.slice(0, -3);
    if (!isTicketId(fileId)) continue;
    const path = join(dir, name);
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    const key = keyOf(st);
    let e = saved.tickets[name];
    if (!e || e[0] !== key) {
      dirty = true;
      stats.parsed++;
      try {
        const { ticket } = parseTicketText(readBoardFile(path, { display: board.rel(path) }), fileId, board.rel(path));
        e = [key, ticket.id, ticket.status, ticket.deps];
      } catch (err) {
        if (!(err instanceof BoardError)) throw err;
        if (err.kind === 'not_found') continue;
        e = [key];
      }
      if (!settled(st)) {
        if (e.length === 4) nodes.push({ id: e[1], status: e[2], deps: e[3] });
        continue;
      }
    }
    next.tickets[name] = e;
    if (e.length === 4) nodes.push({ id: e[1], status: e[2], deps: e[3] });
  }
  if (useIndex && (dirty || Object.keys(saved.tickets).length !== Object.keys(next.tickets).length)) {
    try {
      writeAtomic(board.tmpDir, file, JSON.stringify(next), { fsync: false });
    } catch {
      /* an optimisation only */
    }
  }
  return computeGraph(nodes, config.waves);
}
