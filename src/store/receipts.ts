/**
 * Receipts: how the watcher tells a ticket written by the board from one edited by hand.
 *
 * Every write the board makes to a ticket file (mutateTicket, createTicket, board sync, the
 * watcher's lease expiry) first leaves a receipt, then renames the new content into place:
 *
 *   .board/run/receipts/<id>.<hash of the new content>.<unique>
 *     JSON: {base: the version it was built on (null for a new file), text: the new content}
 *
 * The watcher's enforcement (watch/enforce.ts) accepts a version of a ticket whose receipt
 * exists (and marks that receipt and any older one of the same ticket as seen: renamed
 * `<name>.seen`, kept until pruned so a watcher starting again can walk them), and judges every
 * other version as a hand edit. The receipt is left BEFORE the rename, so it is there by the
 * time anyone can see the content. A write that does not happen (a lost compare-and-swap, a
 * refusal) removes its own receipt; each writer's receipt has its own name, so two writers
 * of the same content never remove each other's. A receipt left by a killed writer is only
 * litter: the watcher removes receipts older than a few minutes.
 *
 * The cost on the CLI's path is one hash and one small file created per write.
 *
 * A receipt is not a signature: anyone who can write in `.board/` can write one. It keeps
 * honest mistakes from being mistaken for board writes and board writes from being undone;
 * it does not stop an agent that sets out to forge one (docs/design/enforcement.md, docs/threat-model.md).
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, rmSync, statSync, constants } from 'node:fs';
import { join } from 'node:path';
import type { Board } from './board.js';
import { MAX_FILE_BYTES, readBoardFile } from './read.js';
import { checkNoLink, ensureDir } from './nolink.js';
import { writeAllSync } from './atomic.js';

export const receiptsDir = (board: Board): string => board.run.receipts;

/** The hash that names a content in receipts (hex, 128 bits of sha256). */
export function contentHash(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

let counter = 0;

/**
 * Leave a receipt for `text`, about to become ticket `id`'s content, built on `base` (the
 * content it replaces, or null for a new file). Returns its path (to pass to dropReceipt
 * if the write does not happen).
 */
export function leaveReceipt(board: Board, id: string, text: string, base: string | null): string {
  const dir = receiptsDir(board);
  const name = `${id}.${contentHash(text)}.${process.pid.toString(36)}_${(counter++).toString(36)}_${randomBytes(3).toString('hex')}`;
  const path = join(dir, name);
  const data = Buffer.from(JSON.stringify({ v: 1, base, text }), 'utf8');
  checkNoLink(path);
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    ensureDir(dir);
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  }
  try {
    writeAllSync(fd, data, path);
  } catch (e) {
    closeSync(fd);
    rmSync(path, { force: true }); // a half receipt is no receipt
    throw e;
  }
  closeSync(fd);
  return path;
}

/** Take back a receipt whose write did not happen. */
export function dropReceipt(path: string | null): void {
  if (path) rmSync(path, { force: true });
}

/* ---------------------------------------------------------- the watcher's side ---- */

export interface Receipt {
  path: string;
  id: string;
  /** Hash of the content it vouches for. */
  hash: string;
  /** When it was left (ms, from its mtime). */
  at: number;
  /** Order among receipts (mtime in ns, as a bigint). */
  order: bigint;
}

const NAME = /^(.+)\.([0-9a-f]{32})\.([a-z0-9_]+)$/;

/** Parse a receipt's file name: the ticket id and content hash, or null for anything else. */
export function parseReceiptName(name: string): { id: string; hash: string } | null {
  const m = NAME.exec(name);
  return m ? { id: m[1], hash: m[2] } : null;
}

/** The newest receipt of ticket `id` (seen or not) and its text, or null. */
export function lastReceiptText(board: Board, id: string): string | null {
  const all = receiptsOf(board, id, { seen: true });
  for (let i = all.length - 1; i >= 0; i--) {
    const c = readReceipt(all[i]);
    if (c) return c.text;
  }
  return null;
}

/** The name a receipt gets once the watcher has taken its version (kept until pruned, for a restart). */
export const SEEN = '.seen';

/**
 * Every receipt of ticket `id` now, oldest first; with `seen`, also the ones the watcher
 * already took (a watcher starting again walks them to the last version it recorded).
 */
export function receiptsOf(board: Board, id: string, opts: { seen?: boolean } = {}): Receipt[] {
  const dir = receiptsDir(board);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const out: Receipt[] = [];
  for (const name of names) {
    if (!name.startsWith(`${id}.`)) continue;
    const seen = name.endsWith(SEEN);
    if (seen && !opts.seen) continue;
    const p = parseReceiptName(seen ? name.slice(0, -SEEN.length) : name);
    if (!p || p.id !== id) continue;
    const path = join(dir, name);
    try {
      const st = statSync(path, { bigint: true });
      out.push({ path, id, hash: p.hash, at: Number(st.mtimeMs), order: st.mtimeNs });
    } catch {
      /* removed meanwhile */
    }
  }
  return out.sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : a.path < b.path ? -1 : 1));
}

/**
 * A receipt's content: the version it was built on (`base`, null for a new file, with its
 * hash) and the text it vouches for; null when it is gone or not a receipt.
 */
export function readReceipt(r: Receipt): { base: string | null; baseHash: string | null; text: string } | null {
  try {
    const j = JSON.parse(readBoardFile(r.path, { maxBytes: 3 * MAX_FILE_BYTES })) as {
      v?: number;
      base?: unknown;
      text?: unknown;
    };
    if (j.v !== 1 || typeof j.text !== 'string' || (j.base !== null && typeof j.base !== 'string')) return null;
    if (contentHash(j.text) !== r.hash) return null;
    return { base: j.base, baseHash: j.base === null ? null : contentHash(j.base), text: j.text };
  } catch {
    return null;
  }
}

/**
 * Remove receipts left before `beforeMs` (killed writers, versions long replaced), except the
 * newest seen one of each ticket: it vouches for the ticket's last board write (its claim)
 * for `board doctor`. Returns how many were removed.
 */
export function pruneReceipts(board: Board, beforeMs: number): number {
  const dir = receiptsDir(board);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  const newest = new Map<string, { name: string; t: number }>();
  const times = new Map<string, number>();
  for (const name of names) {
    try {
      const t = statSync(join(dir, name)).mtimeMs;
      times.set(name, t);
      const p = name.endsWith(SEEN) ? parseReceiptName(name.slice(0, -SEEN.length)) : null;
      if (p && (newest.get(p.id)?.t ?? -Infinity) <= t) newest.set(p.id, { name, t });
    } catch {
      /* gone */
    }
  }
  const keep = new Set([...newest.values()].map((x) => x.name));
  let n = 0;
  for (const name of names) {
    const path = join(dir, name);
    if (keep.has(name)) continue;
    try {
      if ((times.get(name) ?? Infinity) < beforeMs) {
        rmSync(path, { force: true });
        n++;
      }
    } catch {
      /* gone */
    }
  }
  return n;
}
