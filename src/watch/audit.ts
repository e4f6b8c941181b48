/**
 * The audit plugin: everything the watcher sees change in `.board/` goes to the git audit
 * trail (git/audit.ts), recorded with who made it and what it was, batched and committed in
 * the background; what changed while no watcher ran is committed on start, what is queued on
 * stop. Commits are made under the `git-sync` lock so a running `board sync` is never half
 * committed. Authors, messages, failures: docs/design/audit-sync.md ("What the watcher commits").
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { announcementKindOf } from '../core/announce.js';
import { describeTicketChange } from '../core/describe.js';
import { authorOf, ENDS_CLAIM } from '../core/edits.js';
import { BoardError, conflict } from '../core/errors.js';
import { BOARD_SENDER, isAgentName } from '../core/names.js';
import { AuditLog, type AuditEvent } from '../git/audit.js';
import { SYNC_LOCK_KEY } from '../git/sync.js';
import { withLock } from '../store/lock.js';
import { DirWatch } from './dirwatch.js';
import type { FileEvent, RecadoDelivered, RecadoRejected, TicketEvent, WatchContext, WatchPlugin } from './plugin.js';

/** Paths recorded from a recado event, so the file event of the same file does not record it twice. */
const SEEN_TTL_MS = 60_000;
/** The least time the sync lock stays free between two of the watcher's commits. */
const LOCK_GAP_MS = 400;

/** A ticket version kept in rejected/ by a refusal (core/refusal.ts refusalFileName). */
const KEPT_TICKET = /^\d{8}T\d{9}Z-.+\.md$/;

const authorName = (name: string | null | undefined) =>
  name && (isAgentName(name) || name === BOARD_SENDER) ? name : BOARD_SENDER;

/** What happened to a ticket file, in words. */
export function ticketWhat(ev: Pick<TicketEvent, 'type' | 'before' | 'after' | 'own'>): string {
  if (!ev.after) return 'deleted';
  const after = ev.after.ticket;
  if (!after) return `edited: ${ev.after.error?.message ?? 'the file cannot be read'}`;
  if (ev.before && !ev.before.ticket) return ev.own ? 'restored its last valid version' : 'edited (fixed front-matter)';
  let what = describeTicketChange(ev.before?.ticket ?? null, after);
  if (what === 'no change') what = 'edited (no field changed)';
  const problem = ev.after.problems[0];
  return problem ? `${what} (invalid: ${problem.message})` : what;
}

/** A delivered copy's text: in new/, or in cur/ if it was read already; undefined when gone. */
function readCopy(path: string): string | undefined {
  for (const p of [path, join(dirname(dirname(path)), 'cur', basename(path))]) {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      /* not there */
    }
  }
  return undefined;
}

export class AuditPlugin implements WatchPlugin {
  readonly name = 'audit';
  private audit: AuditLog | null = null;
  private opening: Promise<void> | null = null;
  private rejected: DirWatch | null = null;
  private readonly seen = new Map<string, number>();
  private lockFreed = 0;
  private checking: (() => void) | null = null;
  /** Off because board.yaml says `autocommit: false` (turning it on starts again). */
  private offByConfig = false;

  start(ctx: WatchContext): void {
    this.opening ??= this.open(ctx);
  }

  private async open(ctx: WatchContext): Promise<void> {
    const board = ctx.board;
    let audit: AuditLog | null;
    try {
      audit = await AuditLog.open(board, {
        onEvent: (e) => this.report(ctx, e),
        exclusive: (commit) => this.underSyncLock(ctx, commit),
      });
    } catch (e) {
      ctx.log({ type: 'audit_off', reason: String((e as Error)?.message ?? e) });
      return;
    }
    if (!audit) {
      this.offByConfig = !ctx.config.git.autocommit; // else not a git work tree: nothing to wait for
      return; // the reason was reported ('disabled')
    }
    this.offByConfig = false;
    this.audit = audit;
    this.watchRejected(ctx);
    this.checking ??= ctx.every(5_000, () => {
      if (this.audit && !this.rejected?.healthy()) this.watchRejected(ctx);
    });
    ctx.log({ type: 'audit', branch: audit.branch });
    // catch up with what changed while no watcher ran; not awaited: a large board takes a
    // moment to hash, and changes recorded meanwhile are queued behind it
    void audit.commitAll();
  }

  /**
   * Commit while holding sync's lock: a `board sync` in progress is waited for, never raced.
   * Between two commits the lock stays free for a moment, so a sync waiting for it (it looks
   * every 100-200 ms) gets it even while the watcher commits often.
   */
  private async underSyncLock<T>(ctx: WatchContext, commit: () => Promise<T>): Promise<T> {
    const wait = this.lockFreed + LOCK_GAP_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    let entered = false;
    try {
      return await withLock(ctx.board, SYNC_LOCK_KEY, () => {
        entered = true;
        return commit();
      });
    } catch (e) {
      if (entered || !(e instanceof BoardError)) throw e;
      throw conflict(
        `board sync is running (it holds the lock ${SYNC_LOCK_KEY}); the watcher waits for it before committing`,
        {
          hint: 'the changes stay queued and are committed once the sync is over',
        },
      );
    } finally {
      this.lockFreed = Date.now();
    }
  }

  private report(ctx: WatchContext, e: AuditEvent): void {
    switch (e.type) {
      case 'committed':
        for (const c of e.commits) {
          ctx.log({
            type: 'commit',
            commit: c.commit.slice(0, 12),
            author: c.author,
            subject: c.subject,
            files: c.files,
            changes: c.changes,
            ms: e.ms,
          });
        }
        break;
      case 'failed':
        ctx.log({ type: 'commit_failed', reason: e.error, kept: e.kept, retry_in_ms: e.retryInMs });
        break;
      case 'skipped':
        ctx.log({ type: 'commit_skipped', paths: e.paths, reason: e.reason });
        break;
      case 'disabled':
        ctx.log({ type: 'audit_off', reason: e.reason });
        break;
    }
  }

  /** rejected/ is not followed by the watcher itself (only the board writes there): one directory watch. */
  private watchRejected(ctx: WatchContext): void {
    this.rejected?.close();
    const dir = ctx.board.rejectedDir;
    const w = new DirWatch(
      dir,
      (name) => {
        if (!name || name.startsWith('.') || !this.audit || ctx.stopping) return;
        const path = join(dir, name);
        if (this.wasSeen(path)) return;
        // a refused ticket edit's kept copy is told by the refusal itself
        this.audit.record({ path, author: BOARD_SENDER, quiet: name.endsWith('.reason') || KEPT_TICKET.test(name) });
      },
      (e) => ctx.log({ type: 'error', message: `audit: lost the watch on rejected/: ${e.message}; watching it again` }),
    );
    this.rejected = w.start() ? w : null;
  }

  private see(path: string): void {
    const now = Date.now();
    this.seen.set(path, now);
    if (this.seen.size > 4096) for (const [p, t] of this.seen) if (now - t > SEEN_TTL_MS) this.seen.delete(p);
  }

  private wasSeen(path: string): boolean {
    return this.seen.delete(path);
  }

  /* ----------------------------------------------------------------- events ---- */

  async onTicketEvent(ev: TicketEvent, ctx: WatchContext): Promise<void> {
    await this.opening;
    if (!this.audit) return;
    if (!ev.own && ev.after) {
      // a refused edit is recorded as the refusal, never as what it tried to do
      const v = await ctx.verdict(ev.id, ev.after.raw);
      if (v.kind === 'superseded') return; // the newer version is recorded
      if (v.kind === 'refused') {
        this.audit.record({
          path: ev.path,
          author: BOARD_SENDER,
          what: `refused ${v.what}${v.author ? ` by ${v.author}` : ''}; ${v.action}`,
          ticket: ev.id,
          at: ev.time,
        });
        return;
      }
    }
    if (!ev.after && !ev.own) {
      // deleted through the board (by whom), or by hand (put back at once: a refusal)
      const v = await ctx.verdict(ev.id, '');
      if (v.kind === 'refused') {
        this.audit.record({
          path: ev.path,
          author: BOARD_SENDER,
          what: `refused ${v.what}; ${v.action}`,
          ticket: ev.id,
          at: ev.time,
        });
        return;
      }
      if (v.kind === 'accepted' && v.by) {
        this.audit.record({
          path: ev.path,
          author: authorName(v.by),
          what: `deleted by ${v.by}`,
          ticket: ev.id,
          at: ev.time,
        });
        return;
      }
    }
    if (ev.own === 'enforce') {
      // the version a refusal put back: said by the refusal itself
      this.audit.record({
        path: ev.path,
        author: BOARD_SENDER,
        quiet: true,
        ticket: ev.id,
        at: ev.time,
        content: ev.after?.raw,
      });
      return;
    }
    const t = ev.after?.ticket ?? null;
    const author = ev.own || !t ? BOARD_SENDER : authorName(authorOf(t));
    const b = ev.before?.ticket ?? null;
    if (t && b && b.claim && !t.claim && b.status === t.status && ENDS_CLAIM.has(t.status)) {
      // the claim ended after a hand close or give-back: that edit already said it
      this.audit.record({
        path: ev.path,
        author,
        what:
          t.status === 'todo'
            ? `released by ${author}`
            : `${t.status === 'done' ? 'closed' : 'cancelled'} by ${author}`,
        quiet: true,
        ticket: ev.id,
        at: ev.time,
        content: ev.after?.raw,
      });
      return;
    }
    // with its text: if another agent changes it again before the batch is committed, each
    // one's commit still holds the version they wrote
    this.audit.record({
      path: ev.path,
      author,
      what: ticketWhat(ev),
      ticket: ev.id,
      at: ev.time,
      content: ev.after?.raw,
    });
  }

  async onRecadoDelivered(ev: RecadoDelivered, ctx: WatchContext): Promise<void> {
    await this.opening;
    if (!this.audit) return;
    const r = ev.recado;
    const author = authorName(r.from);
    // the recado telling an author their edit was refused: part of the refusal's commit
    const quiet = r.from === BOARD_SENDER && r.id.startsWith('board-refused-');
    const what =
      r.from === BOARD_SENDER && announcementKindOf(r.id) === 'wave_open'
        ? r.subject
        : `recado ${r.from} -> ${ev.recipients.join(', ')}: ${r.subject || '(no subject)'}`;
    // its text, in case the recipient reads it (moves it to cur/) before the batch is
    // committed: the sender's commit still holds the delivery (every copy has the same text)
    const content = ev.paths.length ? readCopy(ev.paths[0]) : undefined;
    ev.paths.forEach((path, i) => {
      if (ev.via === 'send') this.see(path); // its file event comes unmarked: not to be recorded again
      this.audit!.record({
        path,
        author,
        what: i === 0 ? what : undefined,
        quiet: quiet || i > 0,
        ticket: r.ticket ?? undefined,
        at: ev.time,
        content,
      });
    });
    // the outbox file it came from is gone (it may have been committed while it waited)
    if (ev.source) this.audit.record({ path: join(ctx.board.repo, ev.source), author, quiet: true, at: ev.time });
  }

  async onRecadoRejected(ev: RecadoRejected, ctx: WatchContext): Promise<void> {
    await this.opening;
    if (!this.audit) return;
    this.see(ev.file);
    this.see(ev.reasonFile);
    const what = `refused recado${ev.from ? ` from ${ev.from}` : ''} (${ev.source}): ${ev.reason}`;
    this.audit.record({ path: ev.file, author: BOARD_SENDER, what, at: ev.time });
    this.audit.record({ path: ev.reasonFile, author: BOARD_SENDER, quiet: true, at: ev.time });
    this.audit.record({ path: join(ctx.board.repo, ev.source), author: BOARD_SENDER, quiet: true, at: ev.time });
  }

  async onFileEvent(ev: FileEvent, ctx: WatchContext): Promise<void> {
    await this.opening;
    if (!this.audit) return;
    const w = ev.where;
    switch (w.kind) {
      case 'inbox': {
        if (w.box !== 'new') return;
        if (ev.type === 'unlink') {
          // read (moved to cur/) or deleted: the inbox's owner did it
          const cur = join(ctx.board.inboxCur(w.agent), w.name);
          const read = existsSync(cur);
          this.audit.record({
            path: ev.path,
            author: w.agent,
            what: read ? `${w.agent} read a recado` : `${w.agent} deleted an unread recado`,
            at: ev.time,
          });
          if (read) this.audit.record({ path: cur, author: w.agent, quiet: true, at: ev.time });
        } else if (!ev.own && !this.wasSeen(ev.path)) {
          // a file that is not a readable recado (those come with onRecadoDelivered)
          this.audit.record({ path: ev.path, author: BOARD_SENDER, at: ev.time });
        }
        return;
      }
      case 'config':
      case 'template':
      case 'other':
        this.audit.record({
          path: ev.path,
          author: BOARD_SENDER,
          what: ev.type === 'unlink' ? `${basename(ev.path)} removed` : undefined,
          at: ev.time,
        });
        return;
      default:
        return; // tickets: onTicketEvent; outboxes: what matters is the delivery
    }
  }

  /** `git.autocommit` switched in board.yaml while the watcher runs. */
  async onConfig(config: WatchContext['config'], ctx: WatchContext): Promise<void> {
    await this.opening;
    if (!config.git.autocommit && this.audit) {
      const audit = this.audit;
      this.audit = null;
      this.rejected?.close();
      this.rejected = null;
      this.offByConfig = true;
      await audit.close(); // what was recorded until now is committed
      ctx.log({ type: 'audit_off', reason: 'git.autocommit is false in board.yaml' });
    } else if (config.git.autocommit && !this.audit && this.offByConfig) {
      this.opening = this.open(ctx);
      await this.opening;
    }
  }

  async stop(): Promise<void> {
    this.rejected?.close();
    this.rejected = null;
    await this.opening;
    if (this.audit) await this.audit.close(); // the last batch; its outcome is logged
  }
}

export function auditPlugin(): WatchPlugin {
  return new AuditPlugin();
}
