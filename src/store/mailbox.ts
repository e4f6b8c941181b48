/**
 * Recados the board itself sends (from `board`): ticket assigned, claim expired, a ticket's
 * dependencies all done, wave opened, an edit rejected.
 *
 * CONTRACT (used by claims, waves, enforcement and git sync): `sendFromBoard` delivers one
 * recado from "board" to each named agent's `inbox/<agent>/new/`, atomically (written aside,
 * then linked into place). Recipients that have no inbox are skipped (returned in `skipped`).
 */
import { existsSync, mkdirSync } from 'node:fs';
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
}

export interface SendResult {
  id: string;
  delivered: string[];
  skipped: string[];
}

export function sendFromBoard(board: Board, notice: BoardNotice, now = new Date()): SendResult {
  const id = uniqueName();
  const sent = now.toISOString();
  const delivered: string[] = [];
  const skipped: string[] = [];
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
    mkdirSync(dir, { recursive: true });
    createExclusive(board.tmpDir, join(dir, `${id}.md`), text);
    delivered.push(agent);
  }
  return { id, delivered, skipped };
}
