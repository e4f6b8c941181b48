/**
 * Integration, the pure half: what a ticket's recorded work and integration state mean,
 * the `integrate:` settings of board.yaml, which closed tickets are due and in what order,
 * and the texts (commit messages, recados) the board writes. No fs, no git, no clock.
 *
 * Two front-matter fields are written by the board only (a hand edit of either is refused,
 * like a hand-written claim):
 *
 *   work:                      # recorded when the ticket is closed
 *     by: alice                # whose work it is (the holder at close)
 *     branch: board/alice      # where it was found (null with close --commits outside one)
 *     base: 1f3a…              # exclusive start of the range (null: from the root)
 *     head: 9c2e…              # the last commit of the work
 *     commits: 3               # how many commits base..head holds (0: nothing to integrate)
 *   integrate:                 # the last integration decision
 *     state: integrated        # integrated | conflict | check_failed | empty | missing
 *     at: 2026-12-03T15:00:00Z
 *     branch: integration
 *     commit: 4d5e…            # integrated: the commit on the integration branch
 *     head: 9c2e…              # the work head that decision was about
 *     files: [src/a.ts]        # conflict: the conflicting files
 *     message: …               # one line saying why (check_failed, missing, …)
 */
import { invalid } from './errors.js';
import { isAgentName } from './names.js';
import { RESOLVED, type Ticket } from './ticket.js';

export const WORK_KEY = 'work';
export const INTEGRATE_KEY = 'integrate';
/** Front-matter keys only the board writes (see core/edits.ts). */
export const BOARD_ONLY_KEYS = [WORK_KEY, INTEGRATE_KEY] as const;

export type Strategy = 'merge' | 'squash';
export const STRATEGIES: readonly Strategy[] = ['merge', 'squash'];

export interface TicketWork {
  by: string | null;
  branch: string | null;
  base: string | null;
  head: string | null;
  commits: number;
}

export type IntegrateState = 'integrated' | 'conflict' | 'check_failed' | 'empty' | 'missing';
export const INTEGRATE_STATES: readonly IntegrateState[] = [
  'integrated',
  'conflict',
  'check_failed',
  'empty',
  'missing',
];

export interface IntegrateRecord {
  state: IntegrateState;
  at: string | null;
  branch: string | null;
  commit: string | null;
  head: string | null;
  files: string[];
  message: string | null;
}

/** The state shown per ticket: the record's state, or `waiting` (closed, not integrated yet). */
export type IntegrationView = IntegrateState | 'waiting';

export interface IntegrateConfig {
  /** The integration branch (short name). */
  branch: string;
  /** The branch it is created from; null: the repository's main branch (found from git). */
  base: string | null;
  strategy: Strategy;
  /** Shell command run on the merged tree before the branch moves; null: none. */
  check: string | null;
  checkTimeoutMs: number;
  /** Integrate by the watcher as tickets close. */
  auto: boolean;
  /** Bring the open wave's worktrees up to date (watcher: when a wave opens and after integrations). */
  update: boolean;
  /** Who else hears of failures (besides the ticket's author); default: the person and the orchestrators. */
  notify: string[];
}

export const DEFAULT_INTEGRATE: IntegrateConfig = {
  branch: 'integration',
  base: null,
  strategy: 'merge',
  check: null,
  checkTimeoutMs: 10 * 60_000,
  auto: false,
  update: true,
  notify: [],
};

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v : null);
const OID = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/** A branch name the board may create and move (a subset of git's check-ref-format). */
export function branchProblem(name: unknown, field: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > 100)
    return `${field} must be a branch name of 1-100 characters`;
  if (
    !/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(name) ||
    name.includes('..') ||
    name.includes('//') ||
    name.endsWith('/') ||
    name.endsWith('.') ||
    name.endsWith('.lock') ||
    name.split('/').some((c) => c.startsWith('.'))
  ) {
    return `invalid branch name ${JSON.stringify(name)} in ${field}`;
  }
  if (name === 'HEAD' || name === 'board' || name.startsWith('board/'))
    return `${field} cannot be ${JSON.stringify(name)} (board/NAME are the agents' branches)`;
  return undefined;
}

/**
 * The `integrate:` map of board.yaml. `parseDuration` is passed in (core/duration.ts) to keep
 * this module's imports small. Also reads a top-level `person:` (a name) as a default recipient.
 */
export function integrateConfigFromData(
  data: Record<string, unknown>,
  parseDuration: (v: string | number, field: string) => number,
  file = 'board.yaml',
): IntegrateConfig {
  const raw = data.integrate;
  const cfg: IntegrateConfig = { ...DEFAULT_INTEGRATE, notify: [] };
  const person = typeof data.person === 'string' ? data.person : isObj(data.person) ? data.person.name : undefined;
  if (typeof person === 'string' && isAgentName(person)) cfg.notify.push(person);
  if (raw === undefined || raw === null) return cfg;
  const fail = (field: string, message: string, hint?: string) => invalid(`${file}: ${message}`, { file, field, hint });
  if (!isObj(raw))
    throw fail('integrate', 'integrate must be a map', 'e.g.\nintegrate:\n  branch: integration\n  check: npm test');
  if (raw.branch !== undefined && raw.branch !== null) {
    const why = branchProblem(raw.branch, 'integrate.branch');
    if (why) throw fail('integrate.branch', why, 'use a plain branch name such as "integration"');
    cfg.branch = raw.branch as string;
  }
  if (raw.base !== undefined && raw.base !== null) {
    const why = branchProblem(raw.base, 'integrate.base');
    if (why) throw fail('integrate.base', why, 'name the branch the integration branch starts from, e.g. "main"');
    cfg.base = raw.base as string;
  }
  if (raw.strategy !== undefined && raw.strategy !== null) {
    if (!STRATEGIES.includes(raw.strategy as Strategy))
      throw fail('integrate.strategy', `unknown strategy ${JSON.stringify(raw.strategy)}`, 'use merge or squash');
    cfg.strategy = raw.strategy as Strategy;
  }
  if (raw.check !== undefined && raw.check !== null) {
    if (typeof raw.check !== 'string' || raw.check.includes('\0') || raw.check.length > 4096)
      throw fail('integrate.check', 'integrate.check must be a shell command (one string)', 'e.g. check: npm test');
    cfg.check = raw.check.trim() || null;
  }
  if (raw.check_timeout !== undefined && raw.check_timeout !== null) {
    cfg.checkTimeoutMs = parseDuration(raw.check_timeout as string | number, 'integrate.check_timeout');
  }
  for (const key of ['auto', 'update'] as const) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'boolean') throw fail(`integrate.${key}`, `integrate.${key} must be true or false`);
    cfg[key] = v;
  }
  if (raw.notify !== undefined && raw.notify !== null) {
    const list = Array.isArray(raw.notify) ? raw.notify : [raw.notify];
    cfg.notify = [];
    for (const n of list) {
      if (typeof n !== 'string' || !(isAgentName(n) || /^@[a-z0-9][a-z0-9._-]{0,63}$/i.test(n)))
        throw fail(
          'integrate.notify',
          `invalid recipient ${JSON.stringify(n)} in integrate.notify`,
          'list agent names or @role',
        );
      cfg.notify.push(n);
    }
  }
  return cfg;
}

/** The recorded work of a ticket, or null when it has none (or it is not the board's shape). */
export function workOf(t: Pick<Ticket, 'extra'>): TicketWork | null {
  const w = t.extra[WORK_KEY];
  if (!isObj(w)) return null;
  const head = str(w.head);
  const commits = typeof w.commits === 'number' && Number.isInteger(w.commits) && w.commits >= 0 ? w.commits : null;
  if (commits === null || (commits > 0 && (!head || !OID.test(head)))) return null;
  const base = str(w.base);
  return {
    by: typeof w.by === 'string' && isAgentName(w.by) ? w.by : null,
    branch: str(w.branch),
    base: base && OID.test(base) ? base : null,
    head,
    commits,
  };
}

/** The last integration decision of a ticket, or null. */
export function integrationOf(t: Pick<Ticket, 'extra'>): IntegrateRecord | null {
  const r = t.extra[INTEGRATE_KEY];
  if (!isObj(r) || !INTEGRATE_STATES.includes(r.state as IntegrateState)) return null;
  return {
    state: r.state as IntegrateState,
    at: str(r.at),
    branch: str(r.branch),
    commit: str(r.commit),
    head: str(r.head),
    files: Array.isArray(r.files) ? r.files.filter((f): f is string => typeof f === 'string') : [],
    message: str(r.message),
  };
}

/** The front-matter value of a work record (as written). */
export function workValue(w: TicketWork): Record<string, unknown> {
  return { by: w.by, branch: w.branch, base: w.base, head: w.head, commits: w.commits };
}

/** The front-matter value of an integration record: only the fields that say something. */
export function integrateValue(r: Partial<IntegrateRecord> & { state: IntegrateState }): Record<string, unknown> {
  const out: Record<string, unknown> = { state: r.state };
  for (const k of ['at', 'branch', 'commit', 'head', 'message'] as const) if (r[k]) out[k] = r[k];
  if (r.files?.length) out.files = r.files;
  return out;
}

/** Where a ticket stands: null when it is not done (nothing to integrate yet). */
export function integrationView(t: Ticket): IntegrationView | null {
  if (t.status !== 'done') return null;
  const r = integrationOf(t);
  if (!r) return 'waiting';
  return r.state;
}

/** True when the state is final for the recorded work (nothing more to do). */
export function isSettled(view: IntegrationView | null): boolean {
  return view === 'integrated' || view === 'empty';
}

/**
 * The order tickets are integrated in: by wave (a ticket without a wave last), then by the
 * time it was closed (`updated`), then by id.
 */
export function integrationOrder<T extends Pick<Ticket, 'id' | 'updated'>>(
  tickets: T[],
  waveOf: (id: string) => number | null,
): T[] {
  const w = (t: T) => waveOf(t.id) ?? Number.MAX_SAFE_INTEGER;
  return [...tickets].sort(
    (a, b) => w(a) - w(b) || (a.updated ?? '').localeCompare(b.updated ?? '') || a.id.localeCompare(b.id),
  );
}

/** Dependencies of `t` that are done but not integrated yet (cancelled ones never block). */
export function waitingOn(t: Pick<Ticket, 'deps'>, lookup: (id: string) => Ticket | undefined): string[] {
  const out: string[] = [];
  for (const d of t.deps) {
    const dep = lookup(d);
    if (!dep || dep.status === 'cancelled') continue;
    if (dep.status !== 'done' || !isSettled(integrationView(dep))) out.push(d);
  }
  return out;
}

/** One line of text from a hostile title: no control characters, no line breaks, bounded. */
export function oneLine(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const s = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** Output of a command for a recado body: no escape sequences or control characters but tab and newline, the last `lines` lines. */
export function outputTail(text: string, lines = 30, maxChars = 4000): string {
  // eslint-disable-next-line no-control-regex
  const clean = text
    .replace(/\r\n?/g, '\n')
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '');
  let tail = clean.replace(/\n+$/, '').split('\n').slice(-lines).join('\n');
  if (tail.length > maxChars) tail = `…${tail.slice(-maxChars)}`;
  return tail;
}

/** The subject of an integration commit: `integrate(T-1): <title>`. */
export function commitSubject(t: Pick<Ticket, 'id' | 'title'>): string {
  return `integrate(${t.id}): ${oneLine(t.title, 100)}`;
}

export function commitMessage(t: Pick<Ticket, 'id' | 'title'>, w: TicketWork, strategy: Strategy): string {
  const range = `${w.base ? w.base.slice(0, 12) : '(root)'}..${(w.head ?? '').slice(0, 12)}`;
  const lines = [
    commitSubject(t),
    '',
    `Ticket ${t.id}, closed by ${w.by ?? 'an unknown agent'}: ${w.commits} commit${w.commits === 1 ? '' : 's'} ${range}${w.branch ? ` from ${w.branch}` : ''}${strategy === 'squash' ? ' (squashed)' : ''}.`,
  ];
  return lines.join('\n') + '\n';
}

/** Recipients of a failure notice: the author, then the configured ones, without duplicates. */
export function failureRecipients(
  author: string | null,
  cfg: Pick<IntegrateConfig, 'notify'>,
  orchestrators: string[],
): string[] {
  const list = [author, ...(cfg.notify.length ? cfg.notify : orchestrators)].filter(
    (n): n is string => !!n && n !== 'board',
  );
  return [...new Set(list)];
}

export interface IntegrationSummary {
  branch: string;
  /** Per state, how many done tickets are in it. */
  counts: Record<IntegrationView, number>;
  waves: Array<{ wave: number | null; counts: Record<IntegrationView, number> }>;
  /** Done tickets that are not integrated (with their state). */
  pending: Array<{
    id: string;
    title: string;
    wave: number | null;
    state: IntegrationView;
    files?: string[];
    message?: string | null;
  }>;
}

const zero = (): Record<IntegrationView, number> => ({
  integrated: 0,
  waiting: 0,
  conflict: 0,
  check_failed: 0,
  empty: 0,
  missing: 0,
});

/** Integration state per ticket and per wave (for `board status`). */
export function integrationSummary(
  tickets: Iterable<Ticket>,
  waveOf: (id: string) => number | null,
  branch: string,
): IntegrationSummary {
  const counts = zero();
  const waves = new Map<number | null, Record<IntegrationView, number>>();
  const pending: IntegrationSummary['pending'] = [];
  for (const t of tickets) {
    if (RESOLVED.has(t.status) && t.status !== 'done') continue;
    const v = integrationView(t);
    if (!v) continue;
    counts[v]++;
    const wave = waveOf(t.id);
    if (!waves.has(wave)) waves.set(wave, zero());
    waves.get(wave)![v]++;
    if (!isSettled(v)) {
      const r = integrationOf(t);
      pending.push({
        id: t.id,
        title: t.title,
        wave,
        state: v,
        ...(r?.files.length ? { files: r.files } : {}),
        ...(r?.message ? { message: r.message } : {}),
      });
    }
  }
  const sorted = [...waves.entries()].sort((a, b) => (a[0] ?? Infinity) - (b[0] ?? Infinity));
  pending.sort((a, b) => (a.wave ?? Infinity) - (b.wave ?? Infinity) || a.id.localeCompare(b.id));
  return { branch, counts, waves: sorted.map(([wave, c]) => ({ wave, counts: c })), pending };
}

/** "3 integrated, 1 waiting, 1 conflict" (states with a count only). */
export function countsText(c: Record<IntegrationView, number>): string {
  const parts = (Object.entries(c) as [IntegrationView, number][])
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k.replace('_', ' ')}`);
  return parts.length ? parts.join(', ') : 'nothing closed yet';
}

/** The integration settings of a config (a config cached before they existed has none: defaults). */
export function integrateSettings(config: { integrate?: IntegrateConfig }): IntegrateConfig {
  return config.integrate ?? DEFAULT_INTEGRATE;
}

/** The integration part of `board status`: null while no ticket is done. */
export function integrationStatus(
  tickets: Iterable<Ticket>,
  graph: { waveOf(id: string): number | null },
  config: { integrate?: IntegrateConfig },
): IntegrationSummary | null {
  const s = integrationSummary(tickets, (id) => graph.waveOf(id), integrateSettings(config).branch);
  return Object.values(s.counts).some((n) => n > 0) ? s : null;
}
