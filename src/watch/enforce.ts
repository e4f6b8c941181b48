/**
 * Enforcement of hand edits (docs/design/enforcement.md): every change to a ticket file is checked, and one that
 * breaks the rules is undone, kept, and explained to its author.
 *
 * BOARD WRITES AND HAND EDITS. The board's own writes (every CLI command, board sync, the
 * lease expiry) leave a receipt in run/receipts/ before they rename the new content into
 * place (store/receipts.ts): the new text and the version it was built on. A version whose
 * receipt is there is the board's; every other version is a hand edit, judged by the pure
 * rules of core/edits.ts against the LAST VALID VERSION, which this plugin keeps for every
 * ticket (filled at start from the disk: a ticket already invalid then has none, and is
 * reported and left alone).
 *   - Two board writes seen as one (the watcher read only the second): the second's receipt
 *     says it was built on the first, whose receipt says it was built on the last valid one.
 *   - A board write followed at once by a hand edit, seen as one: the hand edit is judged
 *     against the board's version, read from its receipt, not against the older one.
 *   - A board write built on a hand edit the watcher had not checked (not seen yet, or seen
 *     and not undone yet): its receipt holds that hand edit, which is judged exactly as if it
 *     had been seen; if it is refused, the board write on top of it is undone with it.
 *   - A hand edit that is no longer on disk when its turn comes (the file changed again) is
 *     not judged: the newer version has its own event.
 *   - The watcher's own writes (these restores, any plugin's ctx.writeFile) are marked as its
 *     own and never judged.
 *
 * A REFUSED EDIT, step by step; every step can be run again after a crash (SIGKILL at any
 * point) and leads to the same end, because the plan is written down first:
 *   1. journal: run/enforce/<kept name>.json holds the refused text, the version to put
 *      back, the name it is kept under and the id of the recado (fixed);
 *   2. keep: the refused file is hard-linked into rejected/<time>-<id>.md (the very bytes;
 *      written from the journal when the file has changed meanwhile);
 *   3. undo: under the ticket's lock (so no board command writes in between), if the file is
 *      still the refused one, the last valid version is written back atomically (a new file
 *      with no valid version is removed instead);
 *   4. the `.reason` file beside the kept copy (rule, field, author, what to do);
 *   5. the recado to the author (a fixed id: delivered once however often it is sent);
 *   6. the journal is removed.
 * On start, journals left by a killed watcher are carried out again.
 */
import {
  linkSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
} from 'node:fs';
import { join } from 'node:path';
import { activeClaim } from '../core/claims.js';
import {
  authorFromText,
  authorOf,
  checkHandEdit,
  ENDS_CLAIM,
  unparsableViolation,
  type BoardView,
  type EditViolation,
} from '../core/edits.js';
import { BoardError } from '../core/errors.js';
import { BOARD_SENDER, isAgentName } from '../core/names.js';
import {
  refusalFileName,
  refusalNotice,
  refusalReason,
  refusalRecadoId,
  RULE_WORDS,
  type Refusal,
} from '../core/refusal.js';
import { createExclusive, stage, writeAtomic } from '../store/atomic.js';
import { deletionMark, dropDeletionMark } from '../store/delete.js';
import { keepOverwritten } from '../store/kept.js';
import { hasAside, sweepAsides, swapTicketFile } from '../store/swap.js';
import type { Board } from '../store/board.js';
import { withLock } from '../store/lock.js';
import { parseFrontmatter, spliceFields } from '../store/frontmatter.js';
import { readBoardFile } from '../store/read.js';
import { mutateTicket, sameFields } from '../store/tickets.js';
import { contentHash, pruneReceipts, readReceipt, receiptsOf, SEEN, type Receipt } from '../store/receipts.js';
import type { TicketEvent, TicketSnapshot, WatchContext, WatchPlugin } from './plugin.js';
import { crashPoint } from './crash.js';
import { Snapshot } from './tickets.js';
import { knownVersions } from './known.js';
import { checkNoLink, ensureDir } from '../store/nolink.js';

/** Receipts are taken within milliseconds while a watcher runs; older ones are litter. */
export const RECEIPT_TTL_MS = 120_000;
const PRUNE_EVERY_MS = 60_000;
/** A receipt not taken yet that is this old is not taken for the version a hand edit was made on. */
const PENDING_MS = 60_000;

export const journalDir = (board: Board) => board.run.enforce;

interface Journal {
  v: 1;
  id: string;
  /** The name the refused text is kept under in rejected/. */
  name: string;
  at: string;
  /** The refused text (null when it could not be read as text: a link, binary, over 1 MiB). */
  keptText: string | null;
  /** Keep it by hard-linking the ticket file (the very bytes), if the file is still the one judged. */
  link: boolean;
  /** What the undo replaces: the hash of the ticket's content when judged, and its inode. */
  diskHash: string;
  ino: number | null;
  /** The version to put back, or null: a new file with no valid version, to be removed. */
  restore: string | null;
  /** When only the refused fields are put back (the rest of the edit stays): those fields. */
  partial?: string[] | null;
  restored: { updated: string | null; updated_by: string | null } | null;
  author: string | null;
  /** Who gets the recado (the author, and the actor of a board write undone with it). */
  tell: string[];
  violations: EditViolation[];
  boardWrite: string | null;
  recado: string;
}

const tellable = (name: string | null | undefined): name is string =>
  !!name && isAgentName(name) && name !== BOARD_SENDER;

type Walk = { clean: true } | { clean: false; hand: string };

export class Enforcer {
  /** The last valid version of each ticket (kept after the file is removed, for a re-creation). */
  readonly base = new Map<string, TicketSnapshot>();
  /** Tickets seen on disk without ever having had a valid version. */
  readonly noValid = new Set<string>();
  /** Refusals being carried out now (by their kept name). */
  private readonly inFlight = new Set<string>();
  private ctx!: WatchContext;

  get board(): Board {
    return this.ctx.board;
  }

  start(ctx: WatchContext): void {
    this.ctx = ctx;
    // every ticket as found: parsed when first needed (10,000 tickets take about a second to
    // parse); the ones already invalid are found and reported in the background
    for (const [id, s] of ctx.tickets) this.base.set(id, s);
    this.reportInvalid([...ctx.tickets.keys()]);
    ctx.every(PRUNE_EVERY_MS, async () => {
      pruneReceipts(this.board, Date.now() - RECEIPT_TTL_MS);
      // files left aside by board writes killed half-way (store/swap.ts): put back or kept
      sweepAsides(this.board, Date.now() - PRUNE_EVERY_MS, (id, text) =>
        keepOverwritten(this.board, { id, text, by: 'a board write that was killed' }),
      );
      await this.recover(Date.now() - PRUNE_EVERY_MS); // refusals that failed half-way (a lock held too long, ...)
    });
  }

  /**
   * Edits made while no watcher ran: every ticket that differs from the last version recorded
   * (`known`: the audit branch tip) is judged with the same rules, unless board writes
   * (receipts, also ones already seen) lead from that version to it.
   */
  async catchUp(known: Map<string, string>): Promise<number> {
    let judged = 0;
    for (const [id, snap] of [...this.ctx.tickets]) {
      const old = known.get(id);
      if (old === snap.raw) continue;
      const all = receiptsOf(this.board, id, { seen: true });
      const hash = contentHash(snap.raw);
      const oldHash = old === undefined ? null : contentHash(old);
      if (all.some((r) => r.hash === hash && this.leadsTo(r, all, oldHash))) continue; // the board's own writes
      const rel = this.board.rel(this.board.ticketFile(id));
      // judged against the board's last write since the recorded version, else that version
      let ref = old;
      for (let i = all.length - 1; i >= 0; i--) {
        const c = readReceipt(all[i]);
        if (c && this.leadsTo(all[i], all, oldHash)) {
          ref = c.text;
          break;
        }
      }
      const before = ref === undefined ? null : new Snapshot(ref, id, rel);
      if (before?.valid) this.accept(id, before);
      else {
        this.base.delete(id);
        if (before) this.noValid.add(id);
      }
      judged++;
      await this.onTicketEvent({
        type: before ? 'change' : 'add',
        id,
        path: this.board.ticketFile(id),
        rel,
        before,
        after: snap,
        own: null,
        time: new Date(),
      });
    }
    // deleted while no watcher ran (not through the board): put back
    for (const [id, old] of known) {
      if (this.ctx.tickets.has(id) || exists(this.board.ticketFile(id))) continue;
      const s = new Snapshot(old, id, this.board.rel(this.board.ticketFile(id)));
      if (!s.valid) continue;
      this.accept(id, s);
      judged++;
      await this.removed(id);
    }
    pruneReceipts(this.board, Date.now() - RECEIPT_TTL_MS);
    return judged;
  }

  /** Does receipt `r` lead back through receipts to the version hashed `target` (null: a new file)? */
  private leadsTo(r: Receipt, all: Receipt[], target: string | null): boolean {
    let cur: Receipt | undefined = r;
    for (let hops = 0; cur && hops < 64; hops++) {
      const c = readReceipt(cur);
      if (!c) return false;
      if (c.baseHash === target) return true;
      if (c.base === null) return target === null;
      cur = all.find((x) => x.hash === c.baseHash);
    }
    return false;
  }

  /** Report, a slice at a time, the tickets that were invalid at start (they have no valid version). */
  private reportInvalid(ids: string[]): void {
    const slice = ids.splice(0, 200);
    for (const id of slice) {
      const s = this.base.get(id);
      if (!s || s !== this.ctx.tickets.get(id) || s.valid) continue;
      this.validBase(id);
      this.ctx.log({
        type: 'ticket_invalid',
        id,
        problem: s.error?.message ?? s.problems[0]?.message,
        hint: 'it was already invalid when the watcher started, so it has no valid version to go back to: fix it by hand (board doctor shows the problem)',
      });
    }
    if (ids.length) this.ctx.setTimer(0, () => this.reportInvalid(ids));
  }

  /** The last valid version of `id`, or null (a version found at start is checked here, once). */
  private validBase(id: string): TicketSnapshot | null {
    const s = this.base.get(id);
    if (!s) return null;
    if (s.valid) return s;
    this.base.delete(id);
    this.noValid.add(id);
    return null;
  }

  /** Finish refusals a killed watcher left half-done (their journals). */
  async recover(olderThan?: number): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(journalDir(this.board))
        .filter((n) => n.endsWith('.json'))
        .sort();
    } catch {
      return;
    }
    for (const n of names) {
      const path = join(journalDir(this.board), n);
      if (olderThan !== undefined) {
        try {
          if (statSync(path).mtimeMs > olderThan) continue;
        } catch {
          continue;
        }
      }
      let j: Journal;
      try {
        j = JSON.parse(readFileSync(path, 'utf8')) as Journal;
        if (j.v !== 1 || typeof j.id !== 'string' || typeof j.name !== 'string' || !Array.isArray(j.violations))
          throw new Error('not a refusal journal');
        this.board.ticketFile(j.id); // a valid id
        if (!/^[A-Za-z0-9][A-Za-z0-9._-]*\.md$/.test(j.name)) throw new Error('bad kept name');
      } catch (e) {
        this.ctx.log({
          type: 'error',
          message: `unreadable refusal journal ${this.board.rel(path)}: ${String((e as Error)?.message ?? e)}; removed`,
        });
        rmSync(path, { force: true });
        continue;
      }
      await this.carryOut(j, true);
    }
  }

  /* ------------------------------------------------------------- the events ---- */

  async onTicketEvent(ev: TicketEvent): Promise<void> {
    const { id } = ev;
    if (ev.type === 'unlink' || !ev.after) return this.removed(id); // the last valid version is kept, for a re-creation
    const after = ev.after;
    if (ev.own) {
      // written by the watcher itself (this plugin's restores, or another plugin's own write)
      if (after.valid) this.accept(id, after);
      return;
    }
    const receipts = receiptsOf(this.board, id);
    const hash = contentHash(after.raw);
    // a receipt vouches only when its text is the content (its name alone is not enough)
    const mine = after.ticket ? receipts.filter((r) => r.hash === hash && readReceipt(r) !== null) : [];
    if (mine.length) return this.boardWrite(ev, after, mine[mine.length - 1], receipts);

    // a hand edit
    if (!this.stillOnDisk(id, after)) {
      this.ctx.judged(id, after.raw, { kind: 'superseded' });
      return; // changed again: the newer version has its own event
    }
    // judged against the newest board version not seen yet (read from its receipt), else the last valid one
    let ref: TicketSnapshot | null = this.validBase(id);
    for (let i = receipts.length - 1; i >= 0; i--) {
      const r = receipts[i];
      if (Date.now() - r.at > PENDING_MS) continue;
      const walk = this.walk(id, r, receipts);
      // built on a hand edit not seen yet: usable only if that edit itself stands
      if (
        !walk.clean &&
        this.judge(
          this.validBase(id),
          new Snapshot(walk.hand, id, ev.rel),
          this.authorOf(new Snapshot(walk.hand, id, ev.rel)),
        ).length
      )
        continue;
      const content = readReceipt(r);
      if (!content) continue;
      const s = new Snapshot(content.text, id, ev.rel);
      if (!s.valid) continue;
      ref = s;
      this.consume(receipts, r);
      this.accept(id, s); // the board's version is the last valid one now, whatever becomes of this edit
      break;
    }
    const author = this.authorOf(after);
    const violations = this.judge(ref, after, author);
    if (!violations.length) {
      this.accept(id, after);
      this.ctx.judged(id, after.raw, { kind: 'accepted' });
      this.ctx.log({ type: 'edit_accepted', id, author, version: hash, ...(ev.type === 'add' ? { new: true } : {}) });
      await this.endClaimOfHandClose(id, after, author);
      return;
    }
    if (!ref && (this.noValid.has(id) || ev.before !== null)) {
      // it never had a valid version to go back to: say so, leave it
      this.noValid.add(id);
      this.ctx.judged(id, after.raw, { kind: 'accepted' });
      this.ctx.log({
        type: 'ticket_invalid',
        id,
        author,
        rules: violations.map((v) => v.rule),
        problem: violations[0].message,
        hint: 'it has no valid version to go back to: fix it by hand',
      });
      return;
    }
    let ino: number | null = null;
    let keptText: string | null = after.error && after.raw === '' ? null : after.raw;
    let link = true;
    try {
      const st = lstatSync(this.board.ticketFile(id));
      ino = st.ino;
      if (st.isSymbolicLink()) {
        // the link itself is not kept (the board keeps no links): where it pointed is
        keptText = `(the refused file was a symbolic link to ${readlinkSync(this.board.ticketFile(id))})\n`;
        link = false;
      }
    } catch {
      /* gone */
    }
    const partial = ref && link ? this.partialRestore(id, ref, after, violations, author) : null;
    this.ctx.judged(id, after.raw, {
      kind: 'refused',
      what: attempted(ref, after, violations),
      author,
      action: partial ? `${partial.fields.join(', ')} restored` : ref ? 'restored' : 'removed',
    });
    await this.refuse({
      id,
      keptText,
      link,
      partial,
      diskHash: hash,
      ino,
      ref,
      violations,
      author,
      tell: tellable(author) ? [author] : [],
      boardWrite: null,
      seen: ev.time,
    });
  }

  /**
   * A ticket file is gone: deleted through the board (`board delete` left its mark), or by
   * hand: then the last valid version is put back (never over a file that came back) and its
   * last author told.
   */
  private async removed(id: string): Promise<void> {
    const mark = deletionMark(this.board, id);
    if (mark) {
      dropDeletionMark(this.board, id);
      this.base.delete(id);
      this.ctx.judged(id, '', { kind: 'accepted', by: mark.by });
      this.ctx.log({ type: 'ticket_deleted', id, by: mark.by });
      return;
    }
    const base = this.validBase(id);
    if (!base) return;
    const file = this.board.ticketFile(id);
    const restored = await withLock(this.board, `ticket-${id}`, () => {
      if (exists(file) || hasAside(this.board, id)) return false; // back already (or being written)
      this.ctx.markOwn(file, base.raw);
      return createExclusive(this.board.tmpDir, file, base.raw, { fsync: false });
    });
    if (!restored) return;
    const author = this.authorOf(base);
    this.ctx.judged(id, '', { kind: 'refused', what: 'hand deletion', author: null, action: 'restored' });
    let notified: string[] = [];
    if (tellable(author)) {
      const rel = this.board.ticketFile(id);
      const sent = this.ctx.sendFromBoard({
        to: [author],
        ticket: id,
        id: refusalRecadoId(`deleted-${id}-${contentHash(base.raw)}`),
        subject: `${id}: deleted by hand; it is back`,
        body: [
          `${rel} was deleted without going through the board, so it was put back as it was (updated ${base.ticket?.updated ?? '?'}${base.ticket?.updated_by ? ` by ${base.ticket.updated_by}` : ''}).`,
          `To delete a ticket: board delete ${id} (recorded in the audit trail); to drop it from the plan but keep it: board close ${id} --cancel, or by file a recado to: board with cancel: ${id}.`,
          '',
        ].join('\n'),
      });
      notified = [...sent.delivered, ...sent.already];
    }
    this.ctx.log({ type: 'deletion_refused', id, action: 'restored', notified });
  }

  /** A version written by the board (its receipt `r` is there). */
  private async boardWrite(ev: TicketEvent, after: TicketSnapshot, r: Receipt, receipts: Receipt[]): Promise<void> {
    const { id } = ev;
    const walk = this.walk(id, r, receipts);
    this.consume(receipts, r);
    const base = this.validBase(id);
    if (walk.clean || !base) {
      this.ctx.judged(id, after.raw, { kind: 'accepted' });
      if (after.valid) this.accept(id, after);
      else
        this.ctx.log({ type: 'error', message: `the board wrote an invalid ${ev.rel}: ${after.problems[0]?.message}` });
      return;
    }
    // built on a hand edit the watcher never checked: judge that edit as if it had been seen
    const hand = new Snapshot(walk.hand, id, ev.rel);
    const author = this.authorOf(hand);
    const violations = this.judge(base, hand, author);
    if (!violations.length) {
      if (after.valid) this.accept(id, after);
      this.ctx.judged(id, after.raw, { kind: 'accepted' });
      this.ctx.log({ type: 'edit_accepted', id, author, under_board_write: true });
      return;
    }
    const actor = after.ticket?.updated_by ?? null;
    this.ctx.judged(id, after.raw, {
      kind: 'refused',
      what: `${attempted(base, hand, violations)} under a board write by ${actor ?? '(unknown)'}`,
      author,
      action: 'restored',
    });
    let ino: number | null = null;
    try {
      ino = lstatSync(this.board.ticketFile(id)).ino;
    } catch {
      /* gone */
    }
    await this.refuse({
      id,
      keptText: walk.hand,
      link: false,
      partial: null,
      diskHash: contentHash(after.raw),
      ino,
      ref: base,
      violations,
      author,
      tell: [...new Set([author, actor].filter(tellable))],
      boardWrite: actor ?? '(unknown)',
      seen: ev.time,
    });
  }

  /**
   * The refused edit with only its refused fields put back to the last valid values (the
   * holder's claim, assignee and status together when a claim rule was broken), or null when
   * nothing else of the edit would remain, or the result would still break a rule: then the
   * whole last valid version goes back.
   */
  private partialRestore(
    id: string,
    ref: TicketSnapshot,
    after: TicketSnapshot,
    violations: EditViolation[],
    author: string | null,
  ): { text: string; fields: string[] } | null {
    if (!after.ticket || !ref.ticket || violations.some((v) => v.rule === 'unparsable' || v.rule === 'id_mismatch'))
      return null;
    try {
      const display = this.board.rel(this.board.ticketFile(id));
      const base = parseFrontmatter(ref.raw, display);
      const mine = parseFrontmatter(after.raw, display);
      const fields = new Set(violations.map((v) => v.field));
      if (violations.some((v) => v.rule === 'claim_by_hand' || v.rule === 'claim_respected'))
        for (const f of ['claim', 'assignee', 'status']) fields.add(f);
      const changes = new Map([...fields].map((f) => [f, base.data[f]] as const));
      const text = spliceFields(mine, changes, mine.body);
      const back = parseFrontmatter(text, display);
      if (back.body === base.body && sameFields(back.data, base.data)) return null; // nothing else was changed
      const s = new Snapshot(text, id, display);
      if (!s.valid || this.judge(ref, s, author).length) return null;
      return { text, fields: [...fields].sort() };
    } catch {
      return null;
    }
  }

  /**
   * A hand close (done, cancelled) or give-back (todo) by the holder, or on a lapsed claim,
   * ends the claim as `board close` and `board release` do, which frees its reserved paths.
   */
  private async endClaimOfHandClose(id: string, s: TicketSnapshot, author: string | null): Promise<void> {
    const t = s.ticket;
    const now = this.ctx.now();
    if (!t?.claim || !ENDS_CLAIM.has(t.status)) return;
    if (t.claim.by !== author && activeClaim(t, now)) return;
    try {
      const r = await mutateTicket(
        this.board,
        id,
        { actor: author && isAgentName(author) ? author : BOARD_SENDER, now },
        (cur, e) => {
          if (!cur.claim || !ENDS_CLAIM.has(cur.status)) return false;
          e.set('claim', undefined);
        },
      );
      if (r.changed)
        this.ctx.log({ type: 'claim_ended', id, by: author, status: t.status, reason: `set to ${t.status} by hand` });
    } catch (e) {
      this.ctx.log({
        type: 'error',
        message: `could not end the claim of ${id} after a hand ${t.status}: ${String((e as Error)?.message ?? e)}`,
      });
    }
  }

  private authorOf(s: TicketSnapshot): string | null {
    return s.ticket ? authorOf(s.ticket) : authorFromText(s.raw);
  }

  private judge(ref: TicketSnapshot | null, s: TicketSnapshot, author: string | null): EditViolation[] {
    if (!s.ticket) return [unparsableViolation(s.error?.message ?? 'the file cannot be read', s.error?.details.hint)];
    return checkHandEdit(
      ref?.ticket ?? null,
      { ticket: s.ticket, problems: s.problems },
      author,
      this.ctx.now(),
      this.view(),
    );
  }

  private accept(id: string, s: TicketSnapshot): void {
    this.base.set(id, s);
    this.noValid.delete(id);
  }

  /** Is `after` still what the ticket file holds? */
  private stillOnDisk(id: string, after: TicketSnapshot): boolean {
    try {
      return readBoardFile(this.board.ticketFile(id)) === after.raw;
    } catch (e) {
      if (e instanceof BoardError && e.kind === 'not_found') return false;
      return after.raw === ''; // unreadable (a link, binary, too big) then and now
    }
  }

  /**
   * Follow receipt `r` back through the receipts it was built on: clean when it reaches the
   * last valid version; otherwise the first version that is no board write (a hand edit).
   */
  private walk(id: string, r: Receipt, all: Receipt[]): Walk {
    const base = this.validBase(id);
    if (!base) return { clean: true }; // nothing to compare with: the board's write is the first valid version
    const baseHash = contentHash(base.raw);
    let cur: Receipt | undefined = r;
    for (let hops = 0; cur && hops < 32; hops++) {
      const c = readReceipt(cur);
      if (!c || c.baseHash === baseHash || c.base === null) return { clean: true };
      const prev: Receipt | undefined = all.find((x) => x.hash === c.baseHash);
      if (!prev) return { clean: false, hand: c.base };
      cur = prev;
    }
    return { clean: true };
  }

  /** Mark receipt `r` and every older receipt of the same ticket (replaced versions) as seen. */
  private consume(all: Receipt[], r: Receipt): void {
    for (const x of all) {
      if (x.order > r.order || x.path.endsWith(SEEN)) continue;
      try {
        renameSync(x.path, x.path + SEEN);
      } catch {
        /* taken meanwhile */
      }
    }
  }

  private view(): BoardView {
    return { lookup: (other) => this.base.get(other)?.ticket ?? this.ctx.tickets.get(other)?.ticket ?? undefined };
  }

  /* ------------------------------------------------------------- refusing ---- */

  private async refuse(r: {
    id: string;
    keptText: string | null;
    link: boolean;
    /** Only the refused fields put back, the rest of the edit kept (else the whole last valid version). */
    partial: { text: string; fields: string[] } | null;
    diskHash: string;
    ino: number | null;
    ref: TicketSnapshot | null;
    violations: EditViolation[];
    author: string | null;
    tell: string[];
    boardWrite: string | null;
    /** When the watcher read the refused version. */
    seen: Date;
  }): Promise<void> {
    const board = this.board;
    const at = this.ctx.now();
    ensureDir(board.rejectedDir);
    ensureDir(journalDir(board));
    let name = refusalFileName(r.id, at);
    for (let n = 2; exists(join(board.rejectedDir, name)) || exists(join(journalDir(board), `${name}.json`)); n++)
      name = refusalFileName(r.id, at, n);
    const j: Journal = {
      v: 1,
      id: r.id,
      name,
      at: at.toISOString(),
      keptText: r.keptText,
      link: r.link,
      diskHash: r.diskHash,
      ino: r.ino,
      restore: r.partial ? r.partial.text : r.ref ? r.ref.raw : null,
      partial: r.partial?.fields ?? null,
      restored: r.ref?.ticket ? { updated: r.ref.ticket.updated, updated_by: r.ref.ticket.updated_by } : null,
      author: tellable(r.author) ? r.author : null,
      tell: r.tell,
      violations: r.violations,
      boardWrite: r.boardWrite,
      recado: refusalRecadoId(name),
    };
    writeAtomic(board.tmpDir, join(journalDir(board), `${name}.json`), JSON.stringify(j) + '\n', { fsync: false });
    crashPoint('enforce:journal');
    await this.carryOut(j, false, r.seen);
  }

  /** Steps 2-6 of a refusal (see the top of this file); safe to run again. */
  private async carryOut(j: Journal, recovering: boolean, seen?: Date): Promise<void> {
    if (this.inFlight.has(j.name)) return;
    this.inFlight.add(j.name);
    try {
      await this.carryOutNow(j, recovering, seen);
    } finally {
      this.inFlight.delete(j.name);
    }
  }

  private async carryOutNow(j: Journal, recovering: boolean, seen?: Date): Promise<void> {
    const board = this.board;
    const ticket = board.ticketFile(j.id);
    const kept = join(board.rejectedDir, j.name);
    const display = board.rel(ticket);

    // 2. keep the refused text, verbatim
    if (!exists(kept)) {
      let linked = false;
      if (j.link) {
        checkNoLink(kept);
        try {
          linkSync(ticket, kept);
          linked = true;
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT' && code !== 'EEXIST') throw e;
        }
        if (linked && !this.isJudged(kept, j)) {
          unlinkSync(kept); // the file changed again meanwhile: keep the text as it was judged
          linked = false;
        }
      }
      if (!linked && !exists(kept)) {
        writeAtomic(
          board.tmpDir,
          kept,
          j.keptText ?? '(the refused file could not be read as text: a link, a binary file or over 1 MiB)\n',
          { fsync: false },
        );
      }
    }
    crashPoint('enforce:kept');

    // 3. undo, under the ticket's lock so that no board command writes in between
    const action = await withLock(board, `ticket-${j.id}`, (): Refusal['action'] => {
      if (!this.isJudged(ticket, j)) {
        // done before a crash (or changed again meanwhile: then it is checked on its own)
        if (recovering && j.restore !== null && this.holds(ticket, j.restore)) return 'restored';
        if (recovering && j.restore === null && !exists(ticket)) return 'removed';
        return 'left';
      }
      if (j.restore !== null) return this.putBack(j);
      this.ctx.markOwn(ticket, null);
      rmSync(ticket, { force: true });
      return 'removed';
    });
    if (action === 'restored') this.accept(j.id, new Snapshot(j.restore!, j.id, display));
    else if (action === 'removed') this.noValid.delete(j.id);
    const undoneMs = seen ? Date.now() - seen.getTime() : undefined;
    crashPoint('enforce:undone');

    // 4. the reason, 5. the recado
    const refusal: Refusal = {
      id: j.id,
      file: ticket, // absolute: the author may read the recado in a worktree with no .board/ of its own
      author: j.author,
      violations: j.violations,
      action,
      kept,
      restored: j.restored ?? undefined,
      partial: j.partial ?? undefined,
      boardWrite: j.boardWrite ?? undefined,
    };
    writeAtomic(board.tmpDir, `${kept}.reason`, refusalReason(refusal, j.at), { fsync: false });
    let notified: string[] = [];
    if (j.tell.length) {
      const { subject, body } = refusalNotice(refusal);
      const sent = this.ctx.sendFromBoard({ to: j.tell, subject, body, ticket: j.id, id: j.recado });
      notified = [...sent.delivered, ...sent.already].sort();
    }
    crashPoint('enforce:told');

    // 6. done
    rmSync(join(journalDir(board), `${j.name}.json`), { force: true });
    this.ctx.log({
      type: 'edit_refused',
      id: j.id,
      version: j.diskHash,
      rules: j.violations.map((v) => v.rule),
      field: j.violations[0]?.field,
      reason: j.violations[0]?.message,
      author: j.author,
      action,
      kept: board.rel(kept),
      notified,
      ...(j.boardWrite ? { board_write: j.boardWrite } : {}),
      ...(recovering ? { recovered: true } : {}),
      ...(undoneMs !== undefined ? { undone_ms: undoneMs } : {}),
    });
  }

  /**
   * Put the journal's version back in place of the refused one (under the ticket's lock),
   * never over a save that came after it: such a save (`displaced`, swap.ts) is put back in
   * place in turn and judged on its own, so the refusal is then 'left'.
   */
  private putBack(j: Journal): Refusal['action'] {
    const board = this.board;
    const ticket = board.ticketFile(j.id);
    // the judged version, by its hash (a link or unreadable file: whatever is there, checked by inode above)
    const expected = j.keptText === null || (!j.link && !j.boardWrite) ? null : { hash: j.diskHash };
    this.ctx.markOwn(ticket, j.restore);
    const staged = stage(board.tmpDir, j.restore!, { fsync: false });
    const swap = swapTicketFile(board, j.id, staged, expected);
    if (!swap.written) {
      rmSync(staged, { force: true });
      return 'left';
    }
    if (swap.displaced === null) return 'restored';
    // a save landed between the check and the swap: it is newer than the refused version
    const staged2 = stage(board.tmpDir, swap.displaced, { fsync: false });
    const again = swapTicketFile(board, j.id, staged2, { text: j.restore! });
    if (again.written && again.displaced !== null)
      keepOverwritten(board, { id: j.id, text: again.displaced, by: "the watcher's restore" });
    if (!again.written) {
      rmSync(staged2, { force: true });
      keepOverwritten(board, { id: j.id, text: swap.displaced, by: "the watcher's restore" });
    }
    return 'left';
  }

  /** Does the file at `path` hold exactly `text`? */
  private holds(path: string, text: string): boolean {
    try {
      return readBoardFile(path) === text;
    } catch {
      return false;
    }
  }

  /** Is the file at `path` (the ticket, or its kept link) still the version that was judged? */
  private isJudged(path: string, j: Journal): boolean {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return false;
    }
    if ((j.keptText === null && j.link) || st.isSymbolicLink()) return j.ino !== null && st.ino === j.ino;
    if (!st.isFile()) return false;
    try {
      return contentHash(readBoardFile(path)) === j.diskHash;
    } catch {
      return false;
    }
  }
}

/** What a refused edit tried to do, in words ("hand claim", "hand close with an open dependency"). */
function attempted(ref: TicketSnapshot | null, after: TicketSnapshot, violations: EditViolation[]): string {
  const v = violations[0];
  const before = ref?.ticket ?? null;
  const t = after.ticket;
  switch (v.rule) {
    case 'claim_by_hand':
      return !t?.claim ? 'hand claim removal' : before?.claim ? 'hand claim change' : 'hand claim';
    case 'claim_respected':
      return `hand ${v.field} change on a ticket claimed by someone else`;
    case 'done_with_open_deps':
      return 'hand close with an open dependency';
    case 'unparsable':
      return 'unparsable edit';
    default:
      return `hand edit (${RULE_WORDS[v.rule]})`;
  }
}

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

export function enforcePlugin(): WatchPlugin {
  const e = new Enforcer();
  let ready: Promise<void> = Promise.resolve();
  return {
    name: 'enforce',
    start(ctx) {
      e.start(ctx);
      ready = (async () => {
        await e.recover();
        const known = await knownVersions(ctx).catch((err: unknown) => {
          ctx.log({
            type: 'error',
            message: `could not read the last recorded tickets: ${String((err as Error)?.message ?? err)}`,
          });
          return null;
        });
        if (known) {
          const judged = await e.catchUp(known);
          if (judged)
            ctx.log({ type: 'caught_up', judged, hint: 'tickets edited by hand while no watcher ran were judged' });
        } else {
          pruneReceipts(ctx.board, ctx.startedAt.getTime() - RECEIPT_TTL_MS);
        }
      })();
      return ready;
    },
    async onTicketEvent(ev) {
      await ready;
      await e.onTicketEvent(ev);
    },
  };
}
