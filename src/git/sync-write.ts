/**
 * Writing what a sync brought into `.board/`, and telling the agents whose claims it undid.
 *
 * A file is replaced only when it still holds the version the branch had before (or is
 * already right); a file changed meanwhile is kept (a ticket is merged with the incoming
 * version) and committed on top next. So writing the same change out twice, or finishing a
 * write-out that a killed sync began, changes nothing that was already right.
 */
import { lstatSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { auditPath, classifyPath } from '../core/audit.js';
import { DEFAULT_CONFIG, type BoardConfig } from '../core/config.js';

import { writeAtomic } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import { loadConfig } from '../store/config.js';
import { BOARD_FOLDERS } from '../store/init.js';
import { withLock } from '../store/lock.js';
import { sendFromBoard } from '../store/mailbox.js';
import { dropReceipt, leaveReceipt } from '../store/receipts.js';
import type { GitRepo } from './git.js';
import { readText } from './plumbing.js';
import { mergeTicket, type ReconciledClaim } from './sync-merge.js';
import { checkNoLink, ensureDir } from '../store/nolink.js';

export interface WriteOutResult {
  /** Board files written or deleted in `.board/` (relative to it). */
  written: string[];
  deleted: string[];
  /** Files changed in `.board/` meanwhile: kept (tickets merged) and committed next. */
  kept: string[];
}

export interface WriteOutContext {
  board: Board;
  repo: GitRepo;
  prefix: string;
  /** False for a clone that has no board yet: nothing to lock, nobody to race. */
  hasBoard: boolean;
  progress: (line: string) => void;
  /** Called after each file written (the sync's kill-test hook). */
  afterFile?: () => void;
}

/** Bring `.board/` from tree `from` (null: nothing) to tree `to`. */
export async function writeOut(
  ctx: WriteOutContext,
  from: string | null,
  to: string,
  result: WriteOutResult,
): Promise<void> {
  const { repo, prefix, board } = ctx;
  const rel = (p: string) => p.slice(prefix.length + 1);
  const [tf, tt] = await Promise.all([repo.listTree(from, prefix), repo.listTree(to, prefix)]);
  const changed: string[] = [];
  for (const p of new Set([...tf.keys(), ...tt.keys()])) {
    const a = tf.get(p);
    const b = tt.get(p);
    if (a?.oid === b?.oid && a?.mode === b?.mode) continue;
    const r = rel(p);
    if (!p.startsWith(prefix + '/') || auditPath(r) !== r) {
      ctx.progress(`skipped ${p}: not a board path`);
      continue;
    }
    if (b && b.mode !== '100644' && b.mode !== '100755') {
      ctx.progress(`skipped ${r}: not a regular file in git (mode ${b.mode})`);
      continue;
    }
    changed.push(p);
  }
  if (!changed.length) return;

  // what is on disk now
  const present: string[] = [];
  for (const p of changed) {
    try {
      if (lstatSync(join(board.root, rel(p))).isFile()) present.push(p);
    } catch {
      /* absent */
    }
  }
  const diskOids = new Map<string, string>();
  const ids = await repo.hashFiles(present, false);
  present.forEach((p, i) => diskOids.set(p, ids[i]));
  const blobs = await repo.catFiles(changed.map((p) => tt.get(p)?.oid).filter((x): x is string => !!x));

  for (const p of changed) {
    const r = rel(p);
    const want = tt.get(p);
    const was = tf.get(p);
    const disk = diskOids.get(p);
    if (disk === want?.oid) continue;
    let content: Buffer | null = want ? (blobs.get(want.oid) ?? null) : null;
    if (disk !== was?.oid) {
      // changed locally while we synced
      const info = classifyPath(r);
      result.kept.push(r);
      if (!(info.kind === 'ticket' && disk && want && content)) continue;
      const local = readText(join(board.root, r));
      const base = was ? ((await repo.catFiles([was.oid])).get(was.oid)?.toString('utf8') ?? null) : null;
      const m =
        local !== null
          ? await mergeTicket(ctx, p, info.ticket!, null, {
              b: base,
              l: local,
              r: content.toString('utf8'),
              lOid: disk,
              rOid: want.oid,
            })
          : null;
      if (!m) continue;
      content = Buffer.from(m.text, 'utf8');
    }
    await writeBoardFile(ctx, r, content, want?.mode === '100755');
    if (content) result.written.push(r);
    else result.deleted.push(r);
    ctx.afterFile?.();
  }
}

/**
 * Write (or delete, `content` null) one board file as the board: atomically, never through a
 * link, a ticket under its lock and with a receipt first (so a watcher does not take it for a
 * hand edit).
 */
export async function writeBoardFile(
  ctx: Pick<WriteOutContext, 'board' | 'hasBoard'>,
  rel: string,
  content: Buffer | string | null,
  executable = false,
): Promise<void> {
  const board = ctx.board;
  const abs = join(board.root, rel);
  checkNoLink(abs); // never through a link inside the board (store/nolink.ts), exit 2
  const info = classifyPath(rel);
  const apply = () => {
    if (content === null) {
      try {
        if (lstatSync(abs).isFile()) unlinkSync(abs);
      } catch {
        /* already gone */
      }
      return;
    }
    ensureDir(dirname(abs));
    const receipt =
      info.kind === 'ticket' && info.ticket
        ? leaveReceipt(board, info.ticket, content.toString('utf8'), readText(abs))
        : null;
    try {
      writeAtomic(board.tmpDir, abs, content, { mode: executable ? 0o755 : 0o644 });
    } catch (e) {
      dropReceipt(receipt);
      throw e;
    }
  };
  if (info.kind === 'ticket' && ctx.hasBoard) await withLock(board, `ticket-${info.ticket}`, apply);
  else apply();
}

/** The folders a board needs that git does not carry (it stores no empty folders). */
export function ensureFolders(board: Board): void {
  for (const f of BOARD_FOLDERS) ensureDir(join(board.root, f));
  let config: BoardConfig = DEFAULT_CONFIG;
  try {
    config = loadConfig(board);
  } catch {
    /* no or invalid board.yaml: doctor says so */
  }
  for (const a of Object.keys(config.agents)) {
    for (const d of [board.inboxNew(a), board.inboxCur(a), board.outbox(a)]) ensureDir(d);
  }
}

/**
 * Tell each agent whose claim a merge undid (a recado from `board`). The recado's id is fixed
 * by the merge commit, the ticket and the agent, so telling again (a sync finished after a
 * kill) delivers nothing twice.
 */
export function tellLosers(
  board: Board,
  mergeCommit: string,
  reconciled: ReconciledClaim[],
): { notified: string[]; unreachable: string[] } {
  const out = { notified: [] as string[], unreachable: [] as string[] };
  for (const rc of reconciled) {
    const seen = new Set<string>();
    for (const loser of rc.losers) {
      if (seen.has(loser.by)) continue;
      seen.add(loser.by);
      const sent = sendFromBoard(board, {
        id: `sync-${mergeCommit.slice(0, 12)}-${rc.ticket}-${loser.by}`.toLowerCase(),
        to: [loser.by],
        ticket: rc.ticket,
        subject: `${rc.ticket}: your claim was undone by board sync (${rc.winner.by} claimed it first)`,
        body: [
          `While two clones of this board were apart, you claimed ${rc.ticket} at ${loser.at} and ${rc.winner.by} claimed it at ${rc.winner.at}.`,
          `The earlier claim wins, so ${rc.ticket} stays with ${rc.winner.by}. Your claim, and what you changed in its status and assignee,`,
          'were undone; your other edits to the ticket (notes, body, labels) were kept.',
          '',
          `Talk to ${rc.winner.by} (\`board send ${rc.winner.by} ...\`) or pick another ticket (\`board next\`).`,
        ].join('\n'),
      });
      out.notified.push(...sent.delivered, ...sent.already);
      out.unreachable.push(...sent.skipped);
    }
  }
  return out;
}
