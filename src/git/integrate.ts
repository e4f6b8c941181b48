/**
 * Integration: merging the work of closed tickets into the integration branch.
 *
 * WHERE. Never in the person's checkout and never on their branch: the board keeps a private
 * worktree of its own at `<git dir>/board-integrate/tree` (a linked worktree with a detached
 * HEAD, so it holds no branch), merges there, and moves `refs/heads/<integrate.branch>` with a
 * compare-and-swap (`update-ref NEW OLD`) only after the merge and the check succeeded. The
 * branch is never checked out by the board; while a checkout of the person has it, the board
 * refuses to move it (their files would change under them).
 *
 * ONE AT A TIME. A run holds the board's `integrate` lock; a second run is refused at once
 * (exit 4). A killed run's lock frees itself within 10 s.
 *
 * KILLED MID-WAY. Before touching the tree a run writes `journal.json` beside it (ticket, the
 * branch tip it started from, the commit it is about to publish). The next run reads it:
 * when the branch already points at that commit, the ticket's record is finished; otherwise
 * the half-made merge is thrown away (`reset --hard`, `clean`) and the ticket is integrated
 * again from scratch. Nothing is ever half-merged on the branch: it only moves to a commit
 * that is complete and checked.
 *
 * PER TICKET (closed as done, in wave order, see core/integrate.ts):
 *   - no work recorded: it is looked for now (as `board close` would have);
 *   - no commits: `empty` (nothing to integrate, said once);
 *   - its head commit is gone (branch deleted and pruned, or force-pushed and collected):
 *     `missing`, and its author is told;
 *   - a dependency done but not integrated: it waits (`waiting`);
 *   - its head already in the branch: `integrated` without a new commit;
 *   - else merge (`--no-ff`, or `--squash` then one commit), the ticket's author as author,
 *     `integrate(T-1): <title>`; a conflict aborts the merge (nothing is kept), the ticket is
 *     marked `conflict` with the files and its author told; then `integrate.check` runs on the
 *     merged tree (with a timeout); failing, the branch stays where it was, the ticket is
 *     marked `check_failed` and its author and the person get the command's last lines.
 *   A ticket in conflict or check_failed is tried again by the next run; when its branch moved
 *   on since (the author merged the integration branch into theirs, or fixed it), the new tip
 *   is taken as its work.
 */
import { announcementId } from '../core/announce.js';
import { authorIdentity } from '../core/audit.js';
import type { BoardConfig } from '../core/config.js';
import { BoardError, conflict, notFound, usageError } from '../core/errors.js';
import {
  commitMessage,
  failureRecipients,
  integrateSettings,
  integrateValue,
  integrationOf,
  integrationOrder,
  integrationView,
  isSettled,
  oneLine,
  outputTail,
  waitingOn,
  workOf,
  workValue,
  type IntegrateConfig,
  type IntegrateState,
  type IntegrationView,
  type Strategy,
} from '../core/integrate.js';
import { BOARD_SENDER } from '../core/names.js';
import type { Ticket } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { withLock } from '../store/lock.js';
import { sendFromBoard, type BoardNotice, type SendResult } from '../store/mailbox.js';
import { loadBoard, mutateTicket, type LoadedBoard } from '../store/tickets.js';
import { moveRef } from './plumbing.js';
import { GitRepo } from './git.js';
import { runCheck, type CheckResult } from './integrate-check.js';
import { baseBranch, commitOf, findWork } from './integrate-work.js';
import { updateWorktrees, type UpdateOutcome } from './integrate-update.js';
import { IntegrationTree, type Journal } from './integrate-tree.js';
import { listWorktrees } from './worktree.js';

export type TicketResult = IntegrationView | 'already' | 'skipped';

export interface TicketOutcome {
  id: string;
  title: string;
  wave: number | null;
  result: TicketResult;
  /** The commit on the integration branch (integrated, already). */
  commit?: string;
  files?: string[];
  message?: string;
  check?: { code: number | null; timed_out: boolean; ms: number; tail: string };
  /** Who was told (failures). */
  told?: string[];
}

export interface IntegrateReport {
  branch: string;
  base: string | null;
  /** The branch before and after the run. */
  before: string | null;
  after: string | null;
  /** What the run found of a killed run, if anything. */
  recovered: null | { ticket: string; action: 'finished' | 'rolled_back' };
  tickets: TicketOutcome[];
  /** Worktrees of the open wave brought up to date after the run (see integrate-update.ts). */
  updated: UpdateOutcome[];
  ms: number;
}

export interface IntegrateOptions {
  /** Only these tickets (default: every closed one not integrated yet). */
  ids?: string[];
  /** Override the strategy of every ticket of this run. */
  strategy?: Strategy;
  /** Only tickets never tried, and failed ones whose branch moved on (the watcher's choice). */
  onlyNew?: boolean;
  /** Bring the open wave's worktrees up to date afterwards (default: integrate.update). */
  update?: boolean;
  send?: (notice: BoardNotice) => SendResult;
  onEvent?: (e: Record<string, unknown>) => void;
  now?: () => Date;
}

export const INTEGRATE_LOCK = 'integrate';

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Run an integration (see the top of this file). */
export async function integrate(board: Board, opts: IntegrateOptions = {}): Promise<IntegrateReport> {
  const repo = await GitRepo.find(board.repo);
  if (!repo)
    throw usageError(`${board.repo} is not inside a git repository: there is nothing to integrate`, {
      hint: "integration merges agents' branches; run `git init` and commit first",
    });
  try {
    return await withLock(
      board,
      INTEGRATE_LOCK,
      async () => {
        const run = new Run(board, repo, opts);
        const report = await run.run();
        const done = report.tickets.filter((t) => t.result === 'integrated').map((t) => t.id);
        if (done.length && (opts.update ?? run.settings.update)) {
          report.updated = await updateWorktrees(board, { after: done, send: opts.send });
          for (const u of report.updated) opts.onEvent?.({ type: 'worktree_update', ...u });
        }
        return report;
      },
      { wait: false },
    );
  } catch (e) {
    if (e instanceof BoardError && e.kind === 'conflict' && e.message.startsWith(`${INTEGRATE_LOCK} is locked`)) {
      throw conflict('another `board integrate` is running (by hand or by the watcher); this one did nothing', {
        hint: 'wait for it to finish (see `board status`), then run it again if something is left',
      });
    }
    throw e;
  }
}

class Run {
  private readonly config: BoardConfig;
  private readonly cfg: IntegrateConfig;
  private readonly tree: IntegrationTree;
  private readonly ref: string;
  private tip: string | null = null;
  /** Tickets settled (integrated, empty) by this run: their dependents need not wait. */
  private readonly settledNow = new Set<string>();
  private readonly now: () => Date;

  get settings(): IntegrateConfig {
    return this.cfg;
  }

  constructor(
    private readonly board: Board,
    private readonly repo: GitRepo,
    private readonly opts: IntegrateOptions,
  ) {
    this.config = loadBoard(board).config;
    this.cfg = integrateSettings(this.config);
    this.tree = new IntegrationTree(repo, board.tmpDir);
    this.ref = `refs/heads/${this.cfg.branch}`;
    this.now = opts.now ?? (() => new Date());
  }

  private log(e: Record<string, unknown>): void {
    this.opts.onEvent?.(e);
  }

  async run(): Promise<IntegrateReport> {
    const t0 = Date.now();
    const base = await baseBranch(this.repo, this.config);
    this.tip = (await this.repo.tip(this.ref))?.commit ?? null;
    if (!this.tip) {
      const from = base ? (await this.repo.tip(`refs/heads/${base}`))?.commit : await commitOf(this.repo, 'HEAD');
      if (!from)
        throw notFound(
          `cannot create the integration branch ${this.cfg.branch}: no main branch${this.cfg.base ? ` ${this.cfg.base}` : ''} and no commit yet`,
          { hint: 'make a first commit, or set integrate.base in board.yaml' },
        );
      await moveRef(this.repo, this.ref, from, null, `board: create ${this.cfg.branch} from ${base ?? 'HEAD'}`);
      this.tip = from;
      this.log({ type: 'integrate_branch', branch: this.cfg.branch, from: base, commit: from });
    }
    const before = this.tip;
    await this.checkNotCheckedOut();
    if (await this.tree.ensure(this.tip)) this.log({ type: 'integrate_tree', path: this.tree.paths.tree });
    const recovered = await this.recover();

    const loaded = loadBoard(this.board);
    const outcomes: TicketOutcome[] = [];
    for (const t of this.candidates(loaded)) {
      const o = await this.one(loaded, t);
      if (o.result === 'integrated' || o.result === 'already' || o.result === 'empty') this.settledNow.add(t.id);
      outcomes.push(o);
    }
    return {
      branch: this.cfg.branch,
      base,
      before,
      after: this.tip,
      recovered,
      tickets: outcomes,
      updated: [],
      ms: Date.now() - t0,
    };
  }

  /** The tickets of this run, in wave order. */
  private candidates(loaded: LoadedBoard): Ticket[] {
    const wave = (id: string) => loaded.graph.waveOf(id);
    if (this.opts.ids?.length) {
      return integrationOrder(
        this.opts.ids.map((id) => {
          const t = loaded.tickets.get(id);
          if (!t) throw notFound(`no ticket ${id}`, { hint: 'see `board list --all`' });
          return t;
        }),
        wave,
      );
    }
    const list = [...loaded.tickets.values()].filter((t) => {
      const v = integrationView(t);
      if (!v || isSettled(v)) return false;
      if (this.opts.onlyNew && v !== 'waiting') return false; // failed ones: tried again by hand, or when their branch moves (see retryable)
      return true;
    });
    return integrationOrder(list, wave);
  }

  private tips: Map<string, string> | null = null;

  /** Every agent branch's tip, read once per run (`board/*`). */
  private async branchTips(): Promise<Map<string, string>> {
    if (this.tips) return this.tips;
    const out = await this.repo.text(['for-each-ref', '--format=%(objectname) %(refname)', 'refs/heads/board/']);
    this.tips = new Map();
    for (const line of out.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp > 0) this.tips.set(line.slice(sp + 1).replace(/^refs\/heads\//, ''), line.slice(0, sp));
    }
    return this.tips;
  }

  private async checkNotCheckedOut(): Promise<void> {
    for (const w of await listWorktrees(this.repo.top)) {
      if (w.branch === this.ref) {
        throw conflict(
          `the integration branch ${this.cfg.branch} is checked out in ${w.path}; the board moves it only while no checkout has it`,
          {
            hint: `switch that checkout to another branch (git switch -), and look at the integrated code with \`git log ${this.cfg.branch}\` or a worktree of your own with --detach`,
          },
        );
      }
    }
  }

  /** Finish or roll back what a killed run left (see the top of this file). */
  private async recover(): Promise<IntegrateReport['recovered']> {
    const j = this.tree.readJournal();
    let result: IntegrateReport['recovered'] = null;
    if (j) {
      if (j.new && this.tip === j.new && j.record) {
        await this.mark(j.ticket, j.record, j.work ?? null);
        result = { ticket: j.ticket, action: 'finished' };
      } else {
        result = { ticket: j.ticket, action: 'rolled_back' };
      }
      this.log({ type: 'integrate_recovered', ...result });
    }
    await this.tree.reset(this.tip!);
    this.tree.writeJournal(null);
    return result;
  }

  /** Write the decision into the ticket (only while it is still done with the same work). */
  private async mark(
    id: string,
    record: Record<string, unknown> | null,
    work: Record<string, unknown> | null,
  ): Promise<void> {
    if (!record && !work) return;
    try {
      await mutateTicket(this.board, id, { actor: BOARD_SENDER, now: this.now() }, (t, e) => {
        if (t.status !== 'done') return false; // reopened meanwhile: its next close records new work
        if (work) e.set('work', work);
        if (record) e.set('integrate', record);
      });
    } catch (e) {
      if (e instanceof BoardError && e.kind === 'not_found') return; // deleted meanwhile
      throw e;
    }
  }

  private tell(
    t: Ticket,
    author: string | null,
    state: IntegrateState,
    subject: string,
    body: string,
    basis: string[],
  ): string[] {
    const orchestrators = Object.entries(this.config.agents)
      .filter(([, a]) => a.role === 'orchestrator')
      .map(([n]) => n);
    const to = failureRecipients(author, this.cfg, orchestrators);
    if (!to.length) return [];
    const notice: BoardNotice = {
      id: announcementId('integrate', `${t.id}-${state}`, basis),
      to,
      subject,
      body,
      ticket: t.id,
    };
    try {
      const r = (this.opts.send ?? ((n) => sendFromBoard(this.board, n, this.now())))(notice);
      return [...r.delivered, ...(r.already ?? [])];
    } catch (e) {
      this.log({
        type: 'error',
        message: `integrate: could not tell ${to.join(', ')} about ${t.id}: ${String((e as Error)?.message ?? e)}`,
      });
      return [];
    }
  }

  /** Integrate one ticket. */
  private async one(loaded: LoadedBoard, t: Ticket): Promise<TicketOutcome> {
    const out: TicketOutcome = {
      id: t.id,
      title: oneLine(t.title),
      wave: loaded.graph.waveOf(t.id),
      result: 'skipped',
    };
    const view = integrationView(t);
    if (!view) {
      out.message = `${t.id} is ${t.status}, not done: nothing to integrate`;
      return out;
    }
    const at = iso(this.now());
    const branch = this.cfg.branch;
    let work = workOf(t);
    let newWork: Record<string, unknown> | null = null;
    if (!work) {
      work = await findWork(this.board, this.repo, this.config, {
        by: t.claim?.by ?? t.updated_by ?? t.assignee ?? BOARD_SENDER,
        ticketId: t.id,
        others: loaded.tickets.values(),
      });
      newWork = workValue(work);
    }
    const author = work.by ?? t.updated_by;

    if (work.commits === 0 || !work.head) {
      await this.mark(
        t.id,
        integrateValue({ state: 'empty', at, branch, message: 'closed with no commits: nothing to integrate' }),
        newWork,
      );
      return {
        ...out,
        result: 'empty',
        message: `${t.id} was closed with no commits${work.branch ? ` on ${work.branch}` : ''}: nothing to integrate`,
      };
    }

    const wait = waitingOn(t, (id) => loaded.tickets.get(id)).filter((d) => !this.settledNow.has(d));
    if (wait.length) {
      if (newWork) await this.mark(t.id, null, newWork);
      return { ...out, result: 'waiting', message: `waits for ${wait.join(', ')} to be integrated first` };
    }

    // one git call says both whether the recorded head still exists (128: no such commit)
    // and whether it is in the branch already
    const prev = integrationOf(t);
    let head = work.head;
    let note: string | undefined;
    const inBranch = await this.repo.run(['merge-base', '--is-ancestor', head, this.tip!], { okCodes: [1, 128] });
    const headThere = inBranch.code !== 128;
    const tip = work.branch ? ((await this.branchTips()).get(work.branch) ?? null) : null;
    if (work.branch && !tip) note = `branch ${work.branch} is gone; integrating the recorded commits`;
    else if (tip && tip !== head && prev && prev.state !== 'integrated') {
      // tried before and failed: when the branch moved on since (the author merged the
      // integration branch, or fixed it), take its new tip
      if (headThere && (await this.repo.isAncestor(head, tip))) {
        head = tip;
        work = {
          ...work,
          head: tip,
          commits: work.commits + Number(await this.repo.text(['rev-list', '--count', `${work.head}..${tip}`])),
        };
        newWork = workValue(work);
      } else {
        note = `branch ${work.branch} was rewritten since the close; integrating the recorded commits`;
      }
    }
    if (!headThere) {
      const message = `the recorded work ${head.slice(0, 12)}${work.branch ? ` of ${work.branch}` : ''} is gone (branch deleted or rewritten, and its commits collected)`;
      const told = this.tell(
        t,
        author,
        'missing',
        `${t.id}: its work cannot be integrated`,
        `${message}.\nClose it again with the commits that hold the work: \`board reopen ${t.id}\` then \`board close ${t.id} --commits A..B\`.`,
        [head],
      );
      await this.mark(t.id, integrateValue({ state: 'missing', at, branch, head, message }), newWork);
      return { ...out, result: 'missing', message, told };
    }

    if (head === work.head ? inBranch.code === 0 : await this.repo.isAncestor(head, this.tip!)) {
      await this.mark(t.id, integrateValue({ state: 'integrated', at, branch, commit: this.tip!, head }), newWork);
      return { ...out, result: 'already', commit: this.tip!, message: note ?? `its work is already in ${branch}` };
    }

    const strategy = this.opts.strategy ?? strategyOf(t) ?? this.cfg.strategy;
    const identity = authorIdentity(work.by ?? t.updated_by ?? BOARD_SENDER, this.config);
    const r = await this.tree.merge(
      this.tip!,
      head,
      strategy,
      commitMessage(t, work, strategy),
      identity,
      this.config.git.committer,
    );
    if (r.kind === 'conflict') {
      const files = r.files;
      const message = files.length
        ? `conflict in ${files.length} file${files.length === 1 ? '' : 's'}`
        : oneLine(r.message, 300);
      const told = this.tell(
        t,
        author,
        'conflict',
        `${t.id}: conflict integrating into ${branch}`,
        [
          `Your work on ${t.id} (${oneLine(t.title)}) does not merge cleanly into ${branch}.`,
          files.length
            ? `Conflicting files:\n${files.map((f) => `- ${f}`).join('\n')}`
            : `git said: ${outputTail(r.message, 10)}`,
          '',
          `Nothing was merged. In your worktree: \`git merge ${branch}\`, resolve, commit; the next \`board integrate\` takes your branch's new tip.`,
        ].join('\n'),
        [head, this.tip!],
      );
      await this.mark(t.id, integrateValue({ state: 'conflict', at, branch, head, files, message }), newWork);
      return { ...out, result: 'conflict', files, message, told };
    }

    const journal: Journal = { ticket: t.id, old: this.tip!, new: r.commit };
    if (this.cfg.check) {
      this.tree.writeJournal(journal);
      this.log({ type: 'integrate_check', id: t.id, command: this.cfg.check });
      const c = await runCheck(this.tree.paths.tree, this.cfg.check, this.cfg.checkTimeoutMs);
      if (!c.ok) return this.checkFailed(t, out, author, head, c, newWork, at);
      out.check = { code: c.code, timed_out: false, ms: c.ms, tail: '' };
    }
    const record = integrateValue({ state: 'integrated', at, branch, commit: r.commit, head });
    this.tree.writeJournal({ ...journal, record, ...(newWork ? { work: newWork } : {}) });
    const moved = await moveRef(
      this.repo,
      this.ref,
      r.commit,
      this.tip,
      `board: ${commitMessage(t, work, strategy).split('\n')[0]}`,
    );
    if (!moved) {
      // someone moved the branch meanwhile: start this ticket again from its new tip
      this.tree.writeJournal(null);
      this.tip = (await this.repo.tip(this.ref))?.commit ?? this.tip;
      await this.tree.reset(this.tip!);
      return this.one(loadBoard(this.board), t);
    }
    this.tip = r.commit;
    await this.mark(t.id, record, newWork);
    this.tree.writeJournal(null);
    this.log({ type: 'integrated', id: t.id, commit: r.commit, strategy });
    return { ...out, result: 'integrated', commit: r.commit, ...(note ? { message: note } : {}) };
  }

  private async checkFailed(
    t: Ticket,
    out: TicketOutcome,
    author: string | null,
    head: string,
    c: CheckResult,
    newWork: Record<string, unknown> | null,
    at: string,
  ): Promise<TicketOutcome> {
    await this.tree.reset(this.tip!);
    this.tree.writeJournal(null);
    const tail = outputTail(c.output, 30);
    const why = c.timedOut ? `timed out after ${Math.round(c.ms / 1000)} s` : `exit ${c.code ?? 'by signal'}`;
    const message = `check \`${oneLine(this.cfg.check!, 80)}\` failed (${why})`;
    const told = this.tell(
      t,
      author,
      'check_failed',
      `${t.id}: check failed on ${this.cfg.branch}`,
      [
        `${t.id} (${oneLine(t.title)}) merges cleanly into ${this.cfg.branch}, but the check failed on the merged tree, so ${this.cfg.branch} was left unchanged.`,
        `Command: ${oneLine(this.cfg.check!, 300)} (${why})`,
        '',
        'Its last lines:',
        '',
        ...tail.split('\n').map((l) => `    ${l}`),
        '',
        `Fix it on your branch and commit; the next \`board integrate\` takes your branch's new tip.`,
      ].join('\n'),
      [head, this.tip!],
    );
    await this.mark(
      t.id,
      integrateValue({ state: 'check_failed', at, branch: this.cfg.branch, head, message }),
      newWork,
    );
    return {
      ...out,
      result: 'check_failed',
      message,
      check: { code: c.code, timed_out: c.timedOut, ms: c.ms, tail },
      told,
    };
  }
}

/** A ticket's own strategy: front-matter `integrate_strategy: squash` (hand-written, optional). */
function strategyOf(t: Ticket): Strategy | null {
  const s = t.extra.integrate_strategy;
  return s === 'merge' || s === 'squash' ? s : null;
}
