/**
 * The field options shared by `board new` and `board edit`, and turning them into values.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { usageError } from '../core/errors.js';
import { splitGlobList } from '../core/globs.js';
import { checkAgentName, checkTicketId } from '../core/names.js';
import { STATUSES } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { readBoardFile } from '../store/read.js';
import { join } from 'node:path';
import { intOption, list } from './context.js';

export interface FieldOptions {
  title?: string;
  deps?: string[];
  addDep?: string[];
  rmDep?: string[];
  locks?: string[];
  labels?: string[];
  assignee?: string;
  priority?: number;
  status?: string;
  body?: string;
  template?: string;
}

export function fieldOptions(cmd: Command): Command {
  return cmd
    .option('--deps <ids>', 'dependencies, comma-separated (replaces the list)', list)
    .option('--add-dep <ids>', 'add dependencies (repeatable, comma-separated)', list)
    .option(
      '--locks <globs>',
      'paths this ticket reserves while in progress, comma-separated globs (commas inside {a,b} stay)',
      (v: string, p: string[] = []) => [...p, ...splitGlobList(v)],
    )
    .option('--labels <labels>', 'labels, comma-separated', list)
    .option('--assignee <name>', 'who should do it ("" to clear)')
    .option('--priority <n>', '0 (highest) to 4 (lowest)', intOption('--priority'))
    .option('--status <status>', `one of ${STATUSES.join(', ')}`)
    .option('--body <text>', 'the Markdown body ("-" reads standard input)')
    .option('--template <name>', 'start the body from .board/templates/NAME.md (task, bug, research, ...)');
}

export function checkedIds(ids: string[] | undefined, what: string): string[] | undefined {
  return ids?.map((id) => checkTicketId(id, what));
}

/** A title is one line: a line break (or any other control character) is refused, exit 2. */
export function checkedTitle(t: string): string;
export function checkedTitle(t: string | undefined): string | undefined;
export function checkedTitle(t: string | undefined): string | undefined {
  if (t !== undefined && /[\u0000-\u001f\u007f-\u009f]/.test(t)) {
    throw usageError(`a title is one line: ${JSON.stringify(t)} holds a line break or a control character`, {
      field: 'title',
      hint: 'write the title on one line; put details in the body (--body)',
    });
  }
  return t;
}

export function checkedStatus(s: string | undefined): string | undefined {
  if (s !== undefined && !(STATUSES as readonly string[]).includes(s)) {
    throw usageError(`unknown status ${JSON.stringify(s)}`, {
      field: 'status',
      hint: `use one of: ${STATUSES.join(', ')}`,
    });
  }
  return s;
}

export function checkedAssignee(a: string | undefined): string | null | undefined {
  if (a === undefined) return undefined;
  if (a === '') return null;
  return checkAgentName(a, 'assignee');
}

export function checkedPriority(p: number | undefined): number | undefined {
  if (p !== undefined && (p < 0 || p > 4))
    throw usageError(`--priority must be 0 to 4, got ${p}`, { field: 'priority' });
  return p;
}

export function bodyText(body: string | undefined): string | undefined {
  if (body === '-') return readFileSync(0, 'utf8');
  return body;
}

/** The text of `.board/templates/NAME.md`; exit 3 when there is none. */
export function templateText(board: Board, name: string): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) throw usageError(`invalid template name ${JSON.stringify(name)}`);
  const file = join(board.templatesDir, `${name}.md`);
  return readBoardFile(file, { display: board.rel(file) });
}

/** `task.md` when the board has it, else no template. */
export function defaultTemplate(board: Board): string | undefined {
  try {
    return templateText(board, 'task');
  } catch {
    return undefined;
  }
}
