/**
 * Recados the board itself sends (from `board`): ticket assigned, claim expired, a ticket's
 * dependencies all done, wave opened, an edit rejected.
 *
 * CONTRACT (used by claims, waves, enforcement and git sync): `sendFromBoard` delivers one
 * recado from "board" to each named agent's `inbox/<agent>/new/`, atomically (written aside,
 * then linked into place). Recipients that have no inbox are skipped (returned in `skipped`).
 * With a fixed `id` the delivery is once per recipient whatever the number of senders: a
 * recipient whose inbox already holds `<id>.md` (unread in new/, or read in cur/) is not
 * given it again (returned in `already`).
 */
import { existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { createExclusive, uniqueName } from './atomic.js';
import type { Board } from './board.js';
import { yaml, YAML_STRINGIFY } from './frontmatter.js';
import { BOARD_SENDER } from '../core/names.js';

export interface BoardNotice {
  to: string[];
  subject: string;
  body: string;
  ticket?: string;
  /** A fixed recado id (a name safe for files); default: a fresh unique one. */
  id?: string;
}

export interface SendResult {
  id: string;
  delivered: string[];
  skipped: string[];
  /** With a fixed id: recipients who already had it (unread or read). */
  already: string[];
}

export function sendFromBoard(board: Board, notice: BoardNotice, now = new Date()): SendResult {
  if (notice.id !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._-]{0,159}$/.test(notice.id)) {
    throw new Error(`invalid recado id ${JSON.stringify(notice.id)}`);
  }
  const id = notice.id ?? uniqueName();
  const sent = now.toISOString();
  const delivered: string[] = [];
  const skipped: string[] = [];
  const already: string[] = [];
  const fm: Record<string, unknown> = { id, from: BOARD_SENDER, to: notice.to, subject: notice.subject };
  if (notice.ticket) fm.ticket = notice.ticket;
  fm.sent = sent;
  const text = `---\n${yaml().stringify(fm, YAML_STRINGIFY)}---\n${notice.body.endsWith('\n') ? notice.body : notice.body + '\n'}`;
  for (const agent of [...new Set(notice.to)]) {
    if (agent === BOARD_SENDER) continue;
    const inbox = join(board.inboxDir, agent);
    if (!existsSync(inbox)) {
      skipped.push(agent);
      continue;
    }
    const dir = board.inboxNew(agent);
    const read = join(board.inboxCur(agent), `${id}.md`);
    if (notice.id !== undefined && existsSync(read)) {
      already.push(agent);
      continue;
    }
    mkdirSync(dir, { recursive: true });
    const target = join(dir, `${id}.md`);
    if (!createExclusive(board.tmpDir, target, text)) {
      already.push(agent);
      continue;
    }
    // read (moved to cur/) between the check above and our link: take our copy back
    if (notice.id !== undefined && existsSync(read)) {
      let ours = true;
      try { unlinkSync(target); } catch { ours = false; /* the reader already took ours */ }
      if (ours) {
        already.push(agent);
        continue;
      }
    }
    delivered.push(agent);
  }
  return { id, delivered, skipped, already };
}
