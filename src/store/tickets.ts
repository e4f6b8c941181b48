/**
 * The ticket store: reading, creating and editing ticket files.
 *
 * Every write the board makes to a ticket goes through `mutateTicket`:
 *   1. take the ticket's lock (proper-lockfile);
 *   2. read the file and remember the version read;
 *   3. apply the edit to the yaml Document (comments, order and unknown keys survive);
 *   4. re-parse and re-validate the result, then check the board-level rules;
 *   5. stage the new content (written aside and flushed), then compare-and-swap: take the
 *      token of the version read, `locks/<id>.cas/<key>`, created exclusively (cas.ts). Only
 *      one writer can hold a given version's token, so even if the lock was handed to two
 *      processes at once (proper-lockfile's stale takeover), at most one of them writes; the
 *      other reads again and re-applies its edit on top. The key names the content *and*
 *      the file that held it (inode, mtime), so a content that comes back later is a new
 *      version; a token left by a killed writer is taken over after 10 s, exactly once;
 *   6. look again (still the version read?), leave a receipt (receipts.ts: how the watcher
 *      knows this write is the board's and not a hand edit), and rename the staged file into
 *      place. A write that does not happen takes its receipt back.
 */
import { lstatSync, readdirSync, rmSync, type BigIntStats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Document } from 'yaml';
import type { BoardConfig } from '../core/config.js';
import { BoardError, conflict, invalid, notFound } from '../core/errors.js';
import { computeGraph, type BoardGraph } from '../core/graph.js';
import { idFromBytes, idLengthFor } from '../core/ids.js';
import { isTicketId } from '../core/names.js';
import { checkBoardRules } from '../core/rules.js';
import {
  ticketFromData,
  ticketJson,
  type Derived,
  type Problem,
  type Ticket,
  type TicketJson,
} from '../core/ticket.js';
import { createExclusive, stage } from './atomic.js';
import type { Board } from './board.js';
import { DerivedCache } from './cache.js';
import { currentKey, dropToken, forgetVersion, takeVersion, versionKey } from './cas.js';
import { loadConfig, readConfig } from './config.js';
import {
  lineOfKey,
  parseFrontmatter,
  readFrontmatter,
  serialize,
  setField,
  spliceFields,
  yaml,
  type ParsedFile,
} from './frontmatter.js';
import { withLock } from './lock.js';
import { readBoardFile, readBoardFileStat } from './read.js';
import { dropReceipt, leaveReceipt } from './receipts.js';
import { stats } from './stats.js';
import { swapTicketFile, recoverAside, type SwapResult } from './swap.js';
import { checkNoLink, ensureDir } from './nolink.js';

export interface TicketFile {
  ticket: Ticket;
  problems: Problem[];
  /** The full parse (yaml Document), made on first use: reads that only look do not pay for it. */
  readonly parsed: ParsedFile;
  /** The file line of a top-level key. */
  lineOf(key: string): number | undefined;
  raw: string;
  /** The key of the version read (content, inode, mtime): see cas.ts. */
  version: string;
  /** False when the file holds bytes that are not UTF-8 (`raw` shows them as U+FFFD). */
  utf8: boolean;
}

export interface BrokenFile {
  file: string;
  id: string | null;
  error: Record<string, unknown>;
}

export interface LoadedBoard {
  board: Board;
  config: BoardConfig;
  /** Every ticket that could be read, keyed by id (including ones with problems). */
  tickets: Map<string, Ticket>;
  /** Files that cannot be read or have problems, with the first problem of each. */
  broken: BrokenFile[];
  graph: BoardGraph<Ticket>;
  derived(id: string): Derived;
  json(t: Ticket): TicketJson;
}

/** A ticket problem as a BoardError naming the file, field and line. */
export function problemError(
  display: string,
  p: Problem,
  parsed?: ParsedFile | { lineOf(key: string): number | undefined },
): BoardError {
  const line = !parsed ? undefined : 'lineOf' in parsed ? parsed.lineOf(p.field) : lineOfKey(parsed, p.field);
  return invalid(`${display}: ${p.message}`, {
    file: display,
    field: p.field,
    line,
    hint: p.hint,
  });
}

/**
 * A ticket from its file's text. The front-matter is read by the fast reader when it can
 * be (exactly what the YAML parser gives); the yaml Document is parsed only when `parsed`
 * is used (edits).
 */
export function parseTicketText(
  raw: string,
  fileId: string,
  display: string,
): Omit<TicketFile, 'raw' | 'version' | 'utf8'> {
  const fm = readFrontmatter(raw, display);
  const { ticket, problems } = ticketFromData(fm.data, fm.body, fileId);
  return {
    ticket,
    problems,
    lineOf: fm.lineOf,
    get parsed() {
      return fm.full;
    },
  };
}

/** Read one ticket by id. Exit 3 when there is no such ticket. */
export function readTicket(board: Board, id: string): TicketFile {
  stats.parsed++;
  const file = board.ticketFile(id);
  const display = board.rel(file);
  let raw: string;
  let version: string;
  let utf8: boolean;
  try {
    let read;
    try {
      read = readBoardFileStat(file, { display });
    } catch (e) {
      // missing: maybe a board write is swapping it (swap.ts), or was killed doing so
      if (!(e instanceof BoardError && e.kind === 'not_found')) throw e;
      recoverAside(board, id);
      read = readBoardFileStat(file, { display }); // put back, or the swap finished meanwhile
    }
    raw = read.text;
    utf8 = read.utf8;
    version = versionKey(raw, read.stat);
  } catch (e) {
    if (e instanceof BoardError && e.kind === 'not_found') {
      throw notFound(`no ticket ${id}`, { file: display, hint: 'see `board list` for the tickets on this board' });
    }
    throw e;
  }
  const read = parseTicketText(raw, id, display);
  return {
    ticket: read.ticket,
    problems: read.problems,
    lineOf: read.lineOf,
    get parsed() {
      return read.parsed;
    },
    raw,
    version,
    utf8,
  };
}

/** The ticket ids present on disk (file names), without reading the files. */
export function ticketFileNames(board: Board): string[] {
  try {
    const all = readdirSync(board.ticketsDir);
    const names = all.filter((n) => n.endsWith('.md') && !n.startsWith('.'));
    // a ticket a board write is swapping right now (swap.ts) is missing for a moment: put it back
    for (const n of all) {
      const m = /^\.(.+?)\.md\.aside\./.exec(n);
      if (m && isTicketId(m[1]) && !names.includes(`${m[1]}.md`) && recoverAside(board, m[1])) names.push(`${m[1]}.md`);
    }
    return names;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

type CachedTicket = { t: Ticket; p: Problem[] } | { e: Record<string, unknown> };

/**
 * Read the whole board: every ticket, its problems, and the graph. Uses the derived cache
 * (files whose stat did not change are not parsed again) unless `cache: false`.
 */
export function loadBoard(board: Board, opts: { cache?: boolean } = {}): LoadedBoard {
  const useCache = opts.cache !== false && process.env.BOARD_NO_CACHE !== '1';
  const cache = useCache ? DerivedCache.load(board) : undefined;
  // without the cache, board.yaml is read directly (loading cache.json just for it costs more)
  const config = cache ? loadConfig(board, cache) : readConfig(board);
  const tickets = new Map<string, Ticket>();
  const broken: BrokenFile[] = [];

  const dir = board.ticketsDir;
  for (const name of ticketFileNames(board)) {
    const fileId = name.slice(0, -3);
    const path = join(dir, name);
    const display = board.rel(path);
    if (!isTicketId(fileId)) {
      broken.push({
        file: display,
        id: null,
        error: invalid(`${display}: file name is not a valid ticket id`, {
          file: display,
          hint: 'rename it to <ID>.md, e.g. T-4k9x.md',
        }).toJSON(),
      });
      continue;
    }
    // with a cache, the stat decides whether the file must be read; without, the read's own stat serves
    let st: BigIntStats | undefined;
    if (cache) {
      try {
        st = lstatSync(path, { bigint: true });
      } catch {
        continue; // removed while we were reading
      }
    }
    let entry = cache && st ? cache.get<CachedTicket>(name, st) : undefined;
    if (entry) stats.cached++;
    else {
      stats.parsed++;
      try {
        let text: string;
        if (cache) ({ text, stat: st } = readBoardFileStat(path, { display }));
        else text = readBoardFile(path, { display });
        const { ticket, problems, lineOf } = parseTicketText(text, fileId, display);
        entry = { t: ticket, p: problems.map((p) => ({ ...p, line: lineOf(p.field) })) };
      } catch (e) {
        if (!(e instanceof BoardError)) throw e;
        if (e.kind === 'not_found') continue;
        entry = { e: e.toJSON() };
      }
      if (cache && st) cache.set(name, st, entry);
    }
    if ('e' in entry) {
      broken.push({ file: display, id: fileId, error: entry.e });
      continue;
    }
    tickets.set(fileId, entry.t);
    if (entry.p.length) {
      const p = entry.p[0] as Problem & { line?: number };
      broken.push({
        file: display,
        id: fileId,
        error: {
          kind: 'invalid',
          exit: 2,
          message: `${display}: ${p.message}`,
          file: display,
          field: p.field,
          line: p.line,
          hint: p.hint,
        },
      });
    }
  }
  cache?.save(true);

  const graph = computeGraph(tickets.values(), config.waves);
  return {
    board,
    config,
    tickets,
    broken,
    graph,
    derived: (id) => graph.derived(id),
    json: (t) => ticketJson(t, graph.derived(t.id)),
  };
}

/* ------------------------------------------------------------------ writing ---- */

export interface TicketEditor {
  /** Set a front-matter field (undefined removes it); only that field's lines are rewritten. */
  set(key: string, value: unknown): void;
  setBody(body: string): void;
}

export interface MutateOptions {
  /** Who makes the change (recorded as `updated_by`). */
  actor: string;
  now?: Date;
  /**
   * Extra checks on the result, with the board loaded when deps or status changed;
   * throw a BoardError to refuse.
   */
  check?: (before: Ticket, after: Ticket) => void;
}

export interface MutateResult {
  before: Ticket;
  after: Ticket;
  changed: boolean;
}

const casDir = (board: Board, id: string) => join(board.locksDir, `${id}.cas`);
const MUTATE_PATIENCE_MS = 60_000;

/**
 * Edit one ticket safely (see the top of this file). `apply` changes the editor's Document;
 * returning false means "nothing to do". Throws BoardError on refusal; nothing is written then.
 */
export async function mutateTicket(
  board: Board,
  id: string,
  opts: MutateOptions,
  apply: (current: Ticket, edit: TicketEditor) => boolean | void,
): Promise<MutateResult> {
  const file = board.ticketFile(id);
  const display = board.rel(file);
  return withLock(board, `ticket-${id}`, async () => {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const cur = readTicket(board, id);
      if (!cur.utf8) {
        // writing it back would turn those bytes into U+FFFD: refuse, change nothing
        throw invalid(`${display} holds bytes that are not UTF-8; the board does not rewrite it (they would be lost)`, {
          file: display,
          hint: `fix the encoding by hand (e.g. iconv -f latin1 -t utf-8 ${display}), then run the command again`,
        });
      }
      const before = cur.ticket;
      let body = cur.parsed.body;
      const changes = new Map<string, unknown>();
      const editor: TicketEditor = {
        set: (k, v) => {
          changes.set(k, v);
        },
        setBody: (b) => {
          body = b;
        },
      };
      if (apply(before, editor) === false) return { before, after: before, changed: false };
      const now = (opts.now ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
      changes.set('updated', now);
      changes.set('updated_by', opts.actor);
      const text = spliceFields(cur.parsed, changes, body);
      const next = parseTicketText(text, id, display);
      if (next.problems.length) throw problemError(display, next.problems[0], next.parsed);
      const after = next.ticket;
      checkAgainstBoard(board, before, after);
      opts.check?.(before, after);

      const staged = stage(board.tmpDir, text);
      let token: string | null = null;
      let receipt: string | null = null;
      let swap: SwapResult | null = null;
      try {
        token = takeVersion(casDir(board, id), cur.version);
        if (token) {
          // the receipt first: it is there by the time anyone can see the content
          receipt = leaveReceipt(board, id, text, cur.raw);
          checkNoLink(file);
          if (currentKey(file, display) === cur.version) swap = swapTicketFile(board, id, staged, { text: cur.raw });
        }
      } finally {
        if (!swap?.written) {
          rmSync(staged, { force: true });
          dropReceipt(receipt);
        }
        if (token) {
          if (swap?.written) forgetVersion(casDir(board, id), cur.version);
          else dropToken(token);
        }
      }
      if (swap?.written) {
        if (swap.displaced !== null)
          await mergeDisplaced(board, id, {
            read: cur,
            wrote: text,
            displaced: swap.displaced,
            actor: opts.actor,
            bodyEdited: body !== cur.parsed.body,
          });
        return { before, after, changed: true };
      }
      // Another writer holds or already replaced this version, or a hand edit (no lock)
      // changed the file since we read it: read again and re-apply on top of theirs.
      if (Date.now() - started > MUTATE_PATIENCE_MS || attempt > 5000) {
        throw conflict(`${display} keeps changing under the board; try again`, { file: display });
      }
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 10));
    }
  });
}

/**
 * A save landed between this write's last look and its swap (swap.ts): the board's write is
 * in place and `displaced` was replaced without being read. When that save changed only the
 * body (a note, a ticked box) and this write did not touch the body, the body is merged into
 * the board's version (a second board write; body edits break no rule). Anything else is kept
 * in rejected/ and its author told (kept.ts). Never throws: the write itself is done.
 */
async function mergeDisplaced(
  board: Board,
  id: string,
  w: { read: TicketFile; wrote: string; displaced: string; actor: string; bodyEdited: boolean },
): Promise<void> {
  const display = board.rel(board.ticketFile(id));
  let current = w.wrote;
  let displaced: string | null = w.displaced;
  for (let round = 0; displaced !== null && round < 5; round++) {
    let merged: string | null = null;
    try {
      const theirs = parseFrontmatter(displaced, display);
      if (!w.bodyEdited && sameFields(theirs.data, w.read.parsed.data)) {
        merged = spliceFields(parseFrontmatter(current, display), new Map(), theirs.body);
      }
    } catch {
      /* does not parse: kept below */
    }
    if (merged === null || merged === current) {
      if (merged === null) {
        const { keepOverwritten } = await import('./kept.js');
        keepOverwritten(board, { id, text: displaced, by: `a board write by ${w.actor}` });
      }
      return;
    }
    const staged = stage(board.tmpDir, merged);
    const receipt = leaveReceipt(board, id, merged, current);
    const swap = swapTicketFile(board, id, staged, { text: current });
    if (!swap.written) {
      rmSync(staged, { force: true });
      dropReceipt(receipt);
      // the file changed again in the gap: whatever is there now stands, theirs is kept
      const { keepOverwritten } = await import('./kept.js');
      keepOverwritten(board, { id, text: displaced, by: `a board write by ${w.actor}` });
      return;
    }
    current = merged;
    displaced = swap.displaced;
  }
  if (displaced !== null) {
    const { keepOverwritten } = await import('./kept.js');
    keepOverwritten(board, { id, text: displaced, by: `a board write by ${w.actor}` });
  }
}

/** Front-matter data equal apart from `updated` and `updated_by`. */
export function sameFields(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const strip = (d: Record<string, unknown>) =>
    JSON.stringify(
      Object.entries(d)
        .filter(([k]) => k !== 'updated' && k !== 'updated_by')
        .sort(([x], [y]) => (x < y ? -1 : 1)),
    );
  return strip(a) === strip(b);
}

/** Board-level rules that need other tickets: unknown deps, cycles, done with open deps. */
function checkAgainstBoard(board: Board, before: Ticket | null, after: Ticket): void {
  const depsChanged = !before || before.deps.join('\0') !== after.deps.join('\0');
  const closing = after.status === 'done' && before?.status !== 'done';
  if (!depsChanged && !closing) return;
  if (after.deps.length === 0) return;
  const loaded = loadBoard(board);
  const nodes = new Map(loaded.tickets);
  nodes.set(after.id, after);
  const problems = checkBoardRules(
    after,
    (id) => nodes.get(id),
    depsChanged ? computeGraph(nodes.values(), loaded.config.waves) : undefined,
  );
  if (problems.length) {
    const p = problems[0];
    const display = board.rel(board.ticketFile(after.id));
    throw new BoardError(p.kind, `${display}: ${p.message}`, {
      file: display,
      field: p.field,
      hint: p.hint,
      data: p.data,
    });
  }
}

/* ----------------------------------------------------------------- creating ---- */

export interface NewTicketFields {
  id?: string;
  title: string;
  status?: string;
  assignee?: string | null;
  deps?: string[];
  locks?: string[];
  labels?: string[];
  priority?: number;
  body?: string;
  /** Template file content (front-matter + body) to start from. */
  template?: string;
}

const ORDER = [
  'id',
  'title',
  'status',
  'assignee',
  'deps',
  'locks',
  'labels',
  'priority',
  'created',
  'updated',
  'updated_by',
];

function renderTicket(id: string, f: NewTicketFields, actor: string, now: string): string {
  const Y = yaml();
  let tplData: Record<string, unknown> = {};
  let tplBody = '';
  if (f.template !== undefined) {
    const parsed = parseFrontmatter(f.template, 'template');
    tplData = parsed.data;
    tplBody = parsed.body;
  }
  const values: Record<string, unknown> = {
    ...tplData,
    id,
    title: f.title,
    status: f.status ?? tplData.status ?? 'todo',
    assignee: f.assignee !== undefined ? f.assignee : (tplData.assignee ?? null),
    deps: f.deps ?? tplData.deps ?? [],
    locks: f.locks ?? tplData.locks ?? [],
    labels: f.labels ?? tplData.labels ?? [],
    priority: f.priority ?? tplData.priority ?? 2,
    created: now,
    updated: now,
    updated_by: actor,
  };
  const doc = new Y.Document({});
  for (const k of [...ORDER, ...Object.keys(values).filter((k) => !ORDER.includes(k))]) {
    if (values[k] === undefined) continue;
    setField(doc as Document, k, values[k]);
  }
  let body = f.body !== undefined ? f.body : tplBody;
  body = body.replaceAll('{{title}}', f.title).replaceAll('{{id}}', id);
  if (body && !body.endsWith('\n')) body += '\n';
  return serialize(doc as Document, body);
}

/** Create a ticket; returns it. A given id that exists is exit 4; a drawn one is redrawn longer. */
export function createTicket(board: Board, f: NewTicketFields, actor: string, now = new Date()): Ticket {
  const config = loadConfig(board);
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  ensureDir(board.ticketsDir);
  let length = idLengthFor(ticketFileNames(board).length);
  for (let attempt = 0; attempt < 20; attempt++) {
    const id = f.id ?? idFromBytes(config.prefix, randomBytes(16), length);
    const file = board.ticketFile(id);
    const display = board.rel(file);
    const text = renderTicket(id, f, actor, stamp);
    const { ticket, problems, parsed } = parseTicketText(text, id, display);
    if (problems.length) throw problemError(display, problems[0], parsed);
    checkAgainstBoard(board, null, ticket);
    const receipt = leaveReceipt(board, id, text, null);
    let created = false;
    try {
      created = createExclusive(board.tmpDir, file, text);
    } finally {
      if (!created) dropReceipt(receipt);
    }
    if (created) return ticket;
    if (f.id)
      throw conflict(`ticket ${id} already exists`, {
        file: display,
        hint: 'choose another id, or edit it with `board edit`',
      });
    length++;
  }
  throw conflict('could not draw a free ticket id', { hint: 'the board is very full; set a longer prefix' });
}
