/**
 * Rules a ticket must keep with respect to the rest of the board. Pure: the caller supplies
 * a lookup of other tickets and, when deps changed, the recomputed graph. Used by every CLI
 * write and by the watcher when it checks a hand edit, so both apply the same rules.
 */
import type { ErrorKind } from './errors.js';
import type { BoardGraph } from './graph.js';
import { RESOLVED, type Ticket } from './ticket.js';

export interface RuleProblem {
  kind: Extract<ErrorKind, 'invalid' | 'conflict'>;
  field: string;
  message: string;
  hint?: string;
  data?: Record<string, unknown>;
}

export function checkBoardRules(
  after: Ticket,
  lookup: (id: string) => Pick<Ticket, 'id' | 'status'> | undefined,
  graph?: BoardGraph,
): RuleProblem[] {
  const problems: RuleProblem[] = [];
  const unknown = after.deps.filter((d) => !lookup(d));
  if (unknown.length) {
    problems.push({
      kind: 'invalid',
      field: 'deps',
      message: `unknown ${unknown.length === 1 ? 'dependency' : 'dependencies'} ${unknown.join(', ')}`,
      hint: 'list only existing ticket ids (see `board list`)',
      data: { unknown },
    });
  }
  const cycle = graph?.cycles.find((c) => c.includes(after.id));
  if (cycle) {
    problems.push({
      kind: 'invalid',
      field: 'deps',
      message: `dependency cycle through ${cycle.join(', ')}`,
      hint: 'remove one of these dependencies so the plan has an order',
      data: { cycle },
    });
  }
  if (after.status === 'done') {
    const open = after.deps.filter((d) => {
      const t = lookup(d);
      return t !== undefined && !RESOLVED.has(t.status);
    });
    if (open.length) {
      problems.push({
        kind: 'conflict',
        field: 'status',
        message: `${after.id} cannot be done while ${open.length === 1 ? 'dependency' : 'dependencies'} ${open.join(', ')} ${open.length === 1 ? 'is' : 'are'} open`,
        hint: 'close the dependencies first, or cancel them',
        data: { open },
      });
    }
  }
  return problems;
}
