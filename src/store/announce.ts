/**
 * Delivering the board's announcements (core/announce.ts decides them) as recados from
 * `board`, each under its deterministic id, through the mailbox. Used by the CLI after a
 * command changed a ticket (store/events.ts) and by the watcher after it saw ticket files
 * change: both may deliver the same announcement, and each recipient gets it once (an inbox
 * that already holds `<id>.md`, unread or read, is left alone).
 *
 * Returns one event per announcement, for the watcher's log and the git audit trail
 * (`board: wave 2 open (3 tickets)`); `delivered` lists who got it from this call, so an
 * event with an empty `delivered` was a no-op (someone else sent it first).
 */
import {
  announcements,
  type AnnounceOptions,
  type AnnounceState,
  type Announcement,
  type AnnouncementKind,
} from '../core/announce.js';
import type { Board } from './board.js';
import { sendFromBoard, type BoardNotice, type SendResult } from './mailbox.js';

/** How a notice is delivered: the mailbox by default; the watcher passes its own (same path, logged and marked as its own). */
export type NoticeSender = (notice: BoardNotice) => SendResult;

export interface AnnounceEvent {
  type: 'announce';
  kind: AnnouncementKind;
  /** The recado id (the same whoever sent it). */
  id: string;
  subject: string;
  ticket?: string;
  wave?: number;
  tickets: string[];
  /** Who it was for. */
  to: string[];
  /** Who got it from this call. */
  delivered: string[];
  /** Who had it already (another sender was first, or a previous run). */
  already: string[];
  /** Who has no inbox (not a registered agent). */
  skipped: string[];
  /** Set when delivery failed (the announcement can be delivered again: same id). */
  error?: string;
}

/** Deliver each announcement; never throws for one that fails (its event carries `error`). */
export function deliverAnnouncements(
  board: Board,
  list: readonly Announcement[],
  now = new Date(),
  send?: NoticeSender,
): AnnounceEvent[] {
  const events: AnnounceEvent[] = [];
  for (const a of list) {
    const ev: AnnounceEvent = {
      type: 'announce',
      kind: a.kind,
      id: a.id,
      subject: a.subject,
      ...(a.ticket !== undefined ? { ticket: a.ticket } : {}),
      ...(a.wave !== undefined ? { wave: a.wave } : {}),
      tickets: a.tickets,
      to: a.to,
      delivered: [],
      already: [],
      skipped: [],
    };
    try {
      const notice: BoardNotice = { id: a.id, to: a.to, subject: a.subject, body: a.body, ticket: a.ticket };
      const r = send ? send(notice) : sendFromBoard(board, notice, now);
      ev.delivered = r.delivered;
      ev.already = r.already ?? [];
      ev.skipped = r.skipped;
    } catch (e) {
      ev.error = String((e as Error)?.message ?? e);
    }
    events.push(ev);
  }
  return events;
}

/** Compute the announcements for `before` -> `after` and deliver them. */
export function announceChange(
  board: Board,
  before: AnnounceState,
  after: AnnounceState,
  agents: Readonly<Record<string, { role: string | null }>>,
  opts: AnnounceOptions & { now?: Date; send?: NoticeSender } = {},
): AnnounceEvent[] {
  return deliverAnnouncements(board, announcements(before, after, agents, opts), opts.now, opts.send);
}
