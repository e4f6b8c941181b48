/**
 * Checking a hand edit of a ticket file (an agent saving the file with its own tools) against
 * the rules in docs/design/enforcement.md. Pure: the caller (the watcher) supplies the last valid version, the
 * parsed new version, who made the edit and a view of the other tickets; this returns every
 * rule the edit breaks, so the caller can undo it, keep the refused file and tell the author.
 *
 * Front-matter that cannot be parsed at all never gets here: the caller handles it (it is
 * itself a broken rule). Edits the board makes itself (claim, close, ...) are not hand
 * edits and must not be passed here: claims are only written by the board.
 *
 * The author of a hand edit is a name written in the file (`updated_by`, else the claim
 * holder, else the assignee): files carry no proof of identity. So the rules that depend on
 * who edits (status or assignee of a ticket held by someone else) take that name at its
 * word, while the claim itself is protected without trusting it: a claim written or
 * changed by hand is always refused; it may be removed by hand only once it lapsed, or by its
 * holder together with a close (`done`, `cancelled`) or a give-back (`todo`).
 */
import { activeClaim, checkClaimRespected, sameClaim } from './claims.js';
import type { BoardGraph } from './graph.js';
import { BOARD_ONLY_KEYS } from './integrate.js';
import { checkBoardRules, type RuleProblem } from './rules.js';
import type { Problem, Ticket } from './ticket.js';

/** Statuses that end a claim when its holder sets them by hand (close, or give back). */
export const ENDS_CLAIM: ReadonlySet<string> = new Set(['done', 'cancelled', 'todo']);

export type EditRule =
  | 'unparsable' // the front-matter does not parse (or the file cannot be read: link, size, binary)
  | 'invalid_field' // a field the ticket model refuses (missing title, bad priority, ...)
  | 'unknown_status'
  | 'id_mismatch'
  | 'claim_respected' // claim, assignee or status of a ticket held by someone else
  | 'claim_by_hand'
  | 'work_by_hand' // `work:` or `integrate:` (recorded by the board at close and integration)
  | 'done_with_open_deps'
  | 'dependency_cycle'
  | 'unknown_dependency';

export interface EditViolation {
  rule: EditRule;
  kind: 'invalid' | 'conflict';
  field: string;
  message: string;
  hint?: string;
  data?: Record<string, unknown>;
}

/** The new version as parsed (ticketFromData's result for the file's id). */
export interface ParsedTicket {
  ticket: Ticket;
  problems: Problem[];
}

/** What the check may know of the rest of the board. */
export interface BoardView {
  /** Another ticket by id (the edited ticket's own entry, if any, is ignored). */
  lookup(id: string): Pick<Ticket, 'id' | 'status' | 'deps'> | undefined;
  /**
   * Optional: the graph recomputed with the new version in it. Without it, cycles through
   * the edited ticket are found by a walk from its dependencies (only what it reaches).
   */
  graph?: BoardGraph;
}

/** Who to hold responsible for a version of a ticket: updated_by, else the holder, else the assignee. */
export function authorOf(t: Pick<Ticket, 'updated_by' | 'claim' | 'assignee'>): string | null {
  return t.updated_by ?? t.claim?.by ?? t.assignee ?? null;
}

/**
 * The author of a version whose front-matter does not parse: the `updated_by:`, else the
 * claim's `by:`, else the `assignee:` line, read leniently line by line (null if none).
 */
export function authorFromText(raw: string): string | null {
  const lines = raw.slice(0, 64 * 1024).split('\n');
  const found: Record<string, string> = {};
  let inClaim = false;
  const value = (v: string) => {
    const m = /^[ \t]*["']?([a-z0-9][a-z0-9._-]{0,63})["']?[ \t]*(?:#.*)?\r?$/.exec(v);
    return m ? m[1] : null;
  };
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (/^---[ \t]*\r?$/.test(line)) break;
    const top = /^([A-Za-z_][\w-]*):(.*)$/.exec(line);
    if (top) {
      inClaim = top[1] === 'claim';
      const v = value(top[2]);
      if (v && (top[1] === 'updated_by' || top[1] === 'assignee')) found[top[1]] ??= v;
      continue;
    }
    const nested = inClaim ? /^[ \t]+by:(.*)$/.exec(line) : null;
    if (nested) {
      const v = value(nested[1]);
      if (v) found.claim ??= v;
    }
  }
  return found.updated_by ?? found.claim ?? found.assignee ?? null;
}

/** The rule broken by a file that cannot be parsed or read at all. */
export function unparsableViolation(message: string, hint?: string): EditViolation {
  return {
    rule: 'unparsable',
    kind: 'invalid',
    field: 'front-matter',
    message,
    hint:
      hint ?? 'fix the YAML between the --- lines (quote values that contain ": " or start with a special character)',
  };
}

/** A cycle through `start` following deps, as the list of its ticket ids, or null. */
export function cycleThrough(
  start: Pick<Ticket, 'id' | 'deps'>,
  deps: (id: string) => readonly string[] | undefined,
): string[] | null {
  // iterative DFS remembering the path, so the cycle can be named in full
  const seen = new Set<string>();
  const stack: Array<{ id: string; deps: readonly string[]; i: number }> = [{ id: start.id, deps: start.deps, i: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1];
    if (top.i >= top.deps.length) {
      stack.pop();
      continue;
    }
    const d = top.deps[top.i++];
    if (d === start.id) return stack.map((f) => f.id);
    if (seen.has(d)) continue;
    seen.add(d);
    const next = deps(d);
    if (next) stack.push({ id: d, deps: next, i: 0 });
  }
  return null;
}

function fromProblem(p: Problem): EditViolation {
  const rule: EditRule = p.field === 'status' ? 'unknown_status' : p.field === 'id' ? 'id_mismatch' : 'invalid_field';
  return { rule, kind: 'invalid', field: p.field, message: p.message, hint: p.hint };
}

function fromRule(p: RuleProblem, rule: EditRule): EditViolation {
  return { rule, kind: p.kind, field: p.field, message: p.message, hint: p.hint, data: p.data };
}

/**
 * Every rule (docs/design/enforcement.md) the hand edit `before -> after` breaks (empty: the edit stands).
 * `before` is the last valid version (null for a ticket created by hand).
 */
export function checkHandEdit(
  before: Ticket | null,
  after: ParsedTicket,
  author: string | null,
  now: Date,
  board: BoardView,
): EditViolation[] {
  const out: EditViolation[] = [];
  const t = after.ticket;
  for (const p of after.problems) out.push(fromProblem(p));

  // the claim: written by the board only
  const beforeClaim = before?.claim ?? null;
  if (!sameClaim(beforeClaim, t.claim)) {
    const lapsedDrop = t.claim === null && beforeClaim !== null && !activeClaim({ claim: beforeClaim }, now);
    // the holder closing (done, cancelled) or giving back (todo) by hand ends its own claim
    const holderEnds =
      t.claim === null && beforeClaim !== null && beforeClaim.by === author && ENDS_CLAIM.has(t.status);
    if (!lapsedDrop && !holderEnds) {
      const what = t.claim === null ? 'removed' : beforeClaim === null ? 'written' : 'changed';
      out.push({
        rule: 'claim_by_hand',
        kind: 'conflict',
        field: 'claim',
        message: `the claim of ${t.id} was ${what} by hand; claims are written by the board only`,
        hint:
          t.claim === null
            ? `use board release ${t.id}`
            : beforeClaim?.by === t.claim.by
              ? `use board renew ${t.id} --as ${t.claim.by}`
              : `use board claim ${t.id} --as NAME`,
        data: { before: beforeClaim, after: t.claim },
      });
    }
  }

  // the recorded work and integration state: written by the board only, like the claim
  for (const key of BOARD_ONLY_KEYS) {
    if (JSON.stringify(before?.extra[key] ?? null) === JSON.stringify(t.extra[key] ?? null)) continue;
    out.push({
      rule: 'work_by_hand',
      kind: 'conflict',
      field: key,
      message: `the ${key} of ${t.id} was changed by hand; it is written by the board only (at close and integration)`,
      hint:
        key === 'work'
          ? `close with \`board close ${t.id} --commits A..B\` to record other commits`
          : `run \`board integrate ${t.id}\``,
    });
  }

  // a ticket held by someone else: its claim, assignee and status are the holder's
  if (before) {
    const p = checkClaimRespected(before, t, author ?? '(unknown)', now)[0];
    if (p) out.push(fromRule(p, 'claim_respected'));
  }

  // board rules that involve other tickets, checked when the edit touches them
  const depsChanged = !before || before.deps.join('\0') !== t.deps.join('\0');
  const closing = t.status === 'done' && before?.status !== 'done';
  if (depsChanged || closing) {
    const lookup = (id: string) => (id === t.id ? t : board.lookup(id));
    for (const p of checkBoardRules(t, lookup, depsChanged ? board.graph : undefined)) {
      const rule: EditRule =
        p.field === 'status' ? 'done_with_open_deps' : p.data?.cycle ? 'dependency_cycle' : 'unknown_dependency';
      out.push(fromRule(p, rule));
    }
    if (depsChanged && !board.graph) {
      const cycle = cycleThrough(t, (id) => (id === t.id ? t.deps : board.lookup(id)?.deps));
      if (cycle) {
        const sorted = [...cycle].sort();
        out.push({
          rule: 'dependency_cycle',
          kind: 'invalid',
          field: 'deps',
          message: `dependency cycle through ${sorted.join(', ')}`,
          hint: 'remove one of these dependencies so the plan has an order',
          data: { cycle: sorted },
        });
      }
    }
  }
  return out;
}
