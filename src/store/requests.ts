/**
 * Requests by file (core/requests.ts) on disk: the watcher takes a request out of the
 * sender's outbox into `run/requests/` (one rename, so it is carried out once), carries it
 * out, writes the answer beside it, sends it (a fixed recado id), then removes both.
 *
 *   run/requests/<time>+<sender>+<unique>          the request as the agent wrote it
 *   run/requests/<time>+<sender>+<unique>.answer   the answer, once the request was carried out
 *
 * A watcher killed before the answer was written carries the request out again when it
 * starts (claim, renew, release and close are the same the second time; `next` then finds
 * the ticket it took and answers with it); one killed after sends the answer it finds.
 */
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isAgentName } from '../core/names.js';
import { uniqueName, writeAtomic } from './atomic.js';
import type { Board } from './board.js';
import { readBoardFile } from './read.js';
import { ensureDir } from './nolink.js';

export const requestsDir = (board: Board): string => join(board.runDir, 'requests');

export interface TakenRequest {
  path: string;
  name: string;
  from: string;
}

/** Move a request from the outbox into run/requests/. Null when it is gone (taken already). */
export function takeRequest(board: Board, path: string, from: string): TakenRequest | null {
  const dir = requestsDir(board);
  const name = `${new Date().toISOString().replace(/[-:.]/g, '')}+${from}+${uniqueName().replace(/[^A-Za-z0-9_]/g, '_')}`;
  const target = join(dir, name);
  for (let i = 0; i < 2; i++) {
    try {
      renameSync(path, target);
      return { path: target, name, from };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw e;
      if (i === 0) ensureDir(dir);
    }
  }
  return null;
}

/** Requests taken and not finished (a watcher was killed), oldest first. */
export function pendingRequests(board: Board): TakenRequest[] {
  let names: string[];
  try {
    names = readdirSync(requestsDir(board));
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.endsWith('.answer') && !n.startsWith('.'))
    .sort()
    .flatMap((name) => {
      const from = name.split('+')[1];
      return from && isAgentName(from) ? [{ path: join(requestsDir(board), name), name, from }] : [];
    });
}

export interface RequestAnswer {
  ok: boolean;
  subject: string;
  body: string;
  ticket: string | null;
  /** For the log. */
  op: string;
  error?: string;
}

export function readAnswer(r: TakenRequest): RequestAnswer | null {
  try {
    return JSON.parse(readBoardFile(`${r.path}.answer`)) as RequestAnswer;
  } catch {
    return null;
  }
}

export function writeAnswer(board: Board, r: TakenRequest, a: RequestAnswer): void {
  writeAtomic(board.tmpDir, `${r.path}.answer`, JSON.stringify(a) + '\n', { fsync: false });
}

export function readRequestText(r: TakenRequest): string | null {
  try {
    return readBoardFile(r.path, { display: basename(r.path) });
  } catch {
    return null;
  }
}

export function finishRequest(r: TakenRequest): void {
  rmSync(`${r.path}.answer`, { force: true });
  rmSync(r.path, { force: true });
}
