/** `board doctor`'s look at the mailboxes. */
import { existsSync, lstatSync, readdirSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { Board } from '../board.js';
import { readConfig } from '../config.js';
import type { Finding } from '../doctor.js';
import { mdNames } from './inbox.js';
import { outgoingDir } from './paths.js';
import { isOutboxFileName, isStrayOutboxName, listOutgoing } from './route.js';

const STUCK_MS = 60_000;

/** `board doctor`: mailboxes of the agents, stray outbox files, recados waiting too long. */
export function checkMailboxes(board: Board): Finding[] {
  const out: Finding[] = [];
  let agents: Record<string, unknown> = {};
  try {
    agents = readConfig(board).agents;
  } catch {
    return out; // board.yaml problems are reported by the config check
  }
  for (const name of Object.keys(agents)) {
    for (const dir of [board.inboxNew(name), board.inboxCur(name), board.outbox(name)]) {
      if (!existsSync(dir)) {
        out.push({
          severity: 'warning',
          file: board.rel(dir),
          message: `${board.rel(dir)}: missing for agent ${name}`,
          hint: `\`board agent add ${name}\` creates it again`,
        });
      }
    }
  }
  const now = Date.now();
  let folders: string[] = [];
  try {
    folders = readdirSync(board.outboxDir);
  } catch {
    /* no outbox folder */
  }
  let waiting = 0;
  for (const f of folders) {
    const p = join(board.outboxDir, f);
    let st: Stats;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (!st.isDirectory()) {
      if (isOutboxFileName(f))
        out.push({
          severity: 'warning',
          file: board.rel(p),
          message: `${board.rel(p)}: not in an agent's outbox folder; it will be refused`,
          hint: 'move it into .board/outbox/<your name>/',
        });
      continue;
    }
    if (!(f in agents)) {
      const files = mdNames(p);
      if (files.length)
        out.push({
          severity: 'warning',
          file: board.rel(p),
          message: `${board.rel(p)}: not the outbox of an agent; its ${files.length} file(s) will be refused`,
          hint: `\`board agent add ${f}\` if ${f} should send recados`,
        });
      continue;
    }
    for (const n of readdirSync(p)) {
      const fp = join(p, n);
      if (!isOutboxFileName(n)) {
        if (isStrayOutboxName(n))
          out.push({
            severity: 'warning',
            file: board.rel(fp),
            message: `${board.rel(fp)}: not a .md file; the watcher bounces it to ${f}`,
            hint: 'only .md files are sent: rename it to NAME.md',
          });
        continue;
      }
      try {
        if (now - lstatSync(fp).mtimeMs > STUCK_MS) waiting++;
      } catch {
        /* sent meanwhile */
      }
    }
  }
  for (const n of listOutgoing(board)) {
    try {
      if (now - lstatSync(join(outgoingDir(board), n)).ctimeMs > STUCK_MS) waiting++;
    } catch {
      /* done meanwhile */
    }
  }
  if (waiting) {
    out.push({
      severity: 'warning',
      message: `${waiting} recado(s) have waited over a minute to be delivered`,
      hint: 'is the watcher running? `board watch --detach` starts it',
    });
  }
  return out;
}
