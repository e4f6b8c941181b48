/**
 * `board doctor` checks for the watcher's enforcement of hand edits: refusals a watcher left
 * half-done (killed in the middle: the next watcher finishes them), and receipts of board
 * writes piling up because no watcher takes them.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Board } from './board.js';
import type { Check, Finding } from './doctor.js';
import { receiptsDir } from './receipts.js';

const RECEIPTS_WARN = 1000;

function names(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

export const checkEnforcement: Check = (board: Board): Finding[] => {
  const out: Finding[] = [];
  for (const n of names(board.run.enforce).filter((x) => x.endsWith('.json'))) {
    out.push({
      severity: 'warning',
      file: board.rel(join(board.run.enforce, n)),
      message: `a refused hand edit (${n.slice(0, -5)}) was not finished: the watcher stopped in the middle of undoing it`,
      hint: 'start the watcher (board watch --detach): it finishes it first (the ticket is put back, the author told once)',
    });
  }
  const waiting = names(receiptsDir(board)).length;
  if (waiting >= RECEIPTS_WARN) {
    out.push({
      severity: 'warning',
      file: board.rel(receiptsDir(board)),
      message: `${waiting} receipts of board writes are waiting: no watcher has been running to check ticket edits`,
      hint: 'start the watcher (board watch --detach); it removes them. Without it, hand edits of tickets are not checked',
    });
  }
  return out;
};
