/**
 * `board doctor`'s checks of the board's files, each reporting all the problems it finds with
 * file, line and what to do. The list of every check (these, git's, …) is src/cli/doctor.ts:
 * add a new check there.
 */
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { BoardError } from '../core/errors.js';
import type { Board } from './board.js';
import { loadConfig } from './config.js';
import { loadBoard } from './tickets.js';
import { pruneTmp } from './leftovers.js';

export interface Finding {
  severity: 'error' | 'warning';
  file?: string;
  line?: number;
  field?: string;
  message: string;
  hint?: string;
}

export type Check = (board: Board) => Finding[];

function fromError(e: unknown): Finding {
  if (e instanceof BoardError) {
    return {
      severity: 'error',
      file: e.details.file,
      line: e.details.line,
      field: e.details.field,
      message: e.message,
      hint: e.details.hint,
    };
  }
  return { severity: 'error', message: String((e as Error)?.message ?? e) };
}

export const checkConfig: Check = (board) => {
  try {
    loadConfig(board);
    return [];
  } catch (e) {
    return [fromError(e)];
  }
};

export const checkTickets: Check = (board) => {
  let loaded;
  try {
    loaded = loadBoard(board, { cache: false });
  } catch (e) {
    return [fromError(e)];
  }
  const out: Finding[] = loaded.broken.map((b) => ({
    severity: 'error' as const,
    file: b.file,
    line: b.error.line as number | undefined,
    field: b.error.field as string | undefined,
    message: String(b.error.message),
    hint: b.error.hint as string | undefined,
  }));
  for (const [id, missing] of loaded.graph.unknownDeps) {
    const file = board.rel(board.ticketFile(id));
    out.push({
      severity: 'error',
      file,
      field: 'deps',
      message: `${file}: unknown dependency ${missing.join(', ')}`,
      hint: 'list only existing ticket ids',
    });
  }
  for (const cycle of loaded.graph.cycles) {
    out.push({
      severity: 'error',
      file: board.rel(board.ticketFile(cycle[0])),
      field: 'deps',
      message: `dependency cycle through ${cycle.join(', ')}`,
      hint: 'remove one of these dependencies so the plan has an order',
    });
  }
  return out;
};

/** No symbolic links anywhere in the board's folders: the board never follows them. */
export const checkLinks: Check = (board) => {
  const out: Finding[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = join(dir, name);
      let st;
      try {
        st = lstatSync(p);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) {
        let to = '?';
        try {
          to = readlinkSync(p);
        } catch {
          /* unreadable */
        }
        out.push({
          severity: 'error',
          file: board.rel(p),
          message: `${board.rel(p)} is a symbolic link (to ${to}); the board does not follow links`,
          hint: 'replace it with a regular file or folder',
        });
      } else if (st.isDirectory() && depth < 3 && !['tmp', 'locks', 'run'].includes(name)) {
        walk(p, depth + 1);
      }
    }
  };
  walk(board.root, 0);
  return out;
};

export const checkStrayFiles: Check = (board) => {
  const out: Finding[] = [];
  try {
    for (const name of readdirSync(board.ticketsDir)) {
      if (!name.endsWith('.md') && !name.startsWith('.')) {
        const file = board.rel(join(board.ticketsDir, name));
        out.push({
          severity: 'warning',
          file,
          message: `${file} is not a ticket (tickets end in .md)`,
          hint: 'move it out of tickets/',
        });
      }
    }
  } catch {
    /* no tickets folder */
  }
  return out;
};

/** Files killed processes left in tmp/: removed (nobody owns them), and said. */
export const checkTmp: Check = (board) => {
  const n = pruneTmp(board);
  return n
    ? [
        {
          severity: 'warning',
          file: board.rel(board.tmpDir),
          message: `removed ${n} file(s) left in ${board.rel(board.tmpDir)}/ by killed processes`,
          hint: 'nothing to do: nobody owned them',
        },
      ]
    : [];
};
