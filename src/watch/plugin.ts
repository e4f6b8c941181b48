/**
 * Watcher plugins: how later parts of the board (edit enforcement, lease expiry, wave
 * announcements, the git audit trail, notifications) plug into `board watch`. The pipeline,
 * how to add a plugin and the rules of the host: docs/architecture.md ("A watcher plugin").
 */
import type { BoardConfig } from '../core/config.js';
import type { BoardError } from '../core/errors.js';
import type { RecadoJson } from '../core/recado.js';
import type { Problem, Ticket } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import type { BoardNotice, SendResult } from '../store/mailbox.js';
import type { BoardPath } from './classify.js';

export type Awaitable<T> = T | Promise<T>;
export type Cancel = () => void;

/** A line of the watcher's event log (`board watch --json` prints one per line, with `time`). */
export interface WatchEvent {
  type: string;
  [key: string]: unknown;
}

/** Any change the watcher saw under .board/ (tmp/, locks/, run/ are never reported). */
export interface FileEvent {
  type: 'add' | 'change' | 'unlink';
  /** Absolute path. */
  path: string;
  /** Relative to the repository, e.g. `.board/tickets/T-4k9x.md`. */
  rel: string;
  where: BoardPath;
  /** Who in the watcher wrote it (`router`, or a plugin's name), or null for anyone else. */
  own: string | null;
  time: Date;
}

/** One version of a ticket file, as the watcher last saw it. */
export interface TicketSnapshot {
  /** The file's text ('' when it could not be read). */
  readonly raw: string;
  /** The parsed ticket (computed on first use); null when the file cannot be read or parsed. */
  readonly ticket: Ticket | null;
  /** Field problems of the parsed ticket (unknown status, id not matching the file, …). */
  readonly problems: Problem[];
  /** Why the file could not be read or parsed (bad YAML, symlink, over 1 MiB, …), else null. */
  readonly error: BoardError | null;
  /** ticket !== null and no problems. */
  readonly valid: boolean;
}

/**
 * A ticket file was added, changed or removed. `before` is the version the watcher saw last
 * (filled at start-up from the disk), `after` the new one. A file whose front-matter does not
 * parse is re-read on the recado retry schedule (it may be half-written by an editor) and
 * reported only once it parses or has stayed broken for a while (about 3 s).
 */
export interface TicketEvent {
  type: 'add' | 'change' | 'unlink';
  id: string;
  path: string;
  rel: string;
  before: TicketSnapshot | null;
  after: TicketSnapshot | null;
  own: string | null;
  time: Date;
}

/** A recado landed in one or more inboxes. */
export interface RecadoDelivered {
  recado: RecadoJson;
  /** Who got a copy in this delivery. */
  recipients: string[];
  /** The inbox files created (absolute). */
  paths: string[];
  /**
   * outbox: routed by the watcher from an outbox; send: seen arriving from `board send` (or
   * another process), one event per inbox file; board: sent by the board (`ctx.sendFromBoard`
   * or a bounce).
   */
  via: 'outbox' | 'send' | 'board';
  /** The outbox file it came from (relative to the repository; removed now), or null. */
  source: string | null;
  time: Date;
}

/** An outbox file the board refused: kept in rejected/ with a `.reason` beside it. */
export interface RecadoRejected {
  id: string;
  /** The sender, or null when the file was in no agent's outbox folder. */
  from: string | null;
  reason: string;
  hint?: string;
  /** Where it was (relative to the repository). */
  source: string;
  /** Where it is kept (absolute), and its reason file. */
  file: string;
  reasonFile: string;
  /** The bounce recado sent to the sender, if one could be. */
  notice: SendResult | null;
  time: Date;
}

/** A request to the board by file (a recado `to: board`), already taken into run/requests/. */
export interface BoardRequestEvent {
  request: import('../store/requests.js').TakenRequest;
  /** Where the agent dropped it (relative to the repository). */
  source: string;
  time: Date;
}

/** What a plugin can use. Each plugin gets its own context (its name is `name`). */
export interface WatchContext {
  readonly board: Board;
  /** The current board.yaml, replaced when the file changes (an invalid edit keeps the old one). */
  readonly config: BoardConfig;
  /** The last-seen version of every ticket file, by id (filled at start-up). */
  readonly tickets: ReadonlyMap<string, TicketSnapshot>;
  readonly startedAt: Date;
  /** True once the watcher is shutting down. */
  readonly stopping: boolean;
  /** This plugin's name. */
  readonly name: string;
  /** Add a line to the event log; `time` and `plugin` are added. */
  log(event: WatchEvent): void;
  /** Send a recado from `board` (see mailbox.ts); plugins then get onRecadoDelivered(via 'board'). */
  sendFromBoard(notice: BoardNotice): SendResult;
  /** Replace a board file atomically, marked as this plugin's own write. */
  writeFile(path: string, content: string): void;
  /** Mark the next event on `path` as this plugin's (when `content` is given: only if the file then has exactly that text). */
  markOwn(path: string, content: string | null): void;
  /** Run `fn` once after `ms`; cleared on stop. */
  setTimer(ms: number, fn: () => Awaitable<void>): Cancel;
  /** Run `fn` every `ms`; cleared on stop. */
  every(ms: number, fn: () => Awaitable<void>): Cancel;
  now(): Date;
  /** What the enforcement of hand edits decided about this version of ticket `id` (waits for it). */
  verdict(id: string, raw: string): Promise<import('./verdicts.js').Verdict>;
  /** Say what was decided about a version (the enforcement plugin does). */
  judged(id: string, raw: string, v: import('./verdicts.js').Verdict): void;
}

export interface WatchPlugin {
  /** Short unique name, used in the log and as the mark of this plugin's own writes. */
  readonly name: string;
  /** After the ticket snapshots are filled, before the catch-up of pending recados. */
  start?(ctx: WatchContext): Awaitable<void>;
  onFileEvent?(ev: FileEvent, ctx: WatchContext): Awaitable<void>;
  onTicketEvent?(ev: TicketEvent, ctx: WatchContext): Awaitable<void>;
  onRecadoDelivered?(ev: RecadoDelivered, ctx: WatchContext): Awaitable<void>;
  onRecadoRejected?(ev: RecadoRejected, ctx: WatchContext): Awaitable<void>;
  /** A recado `to: board` (a claim, close, ... by file): carried out by the requests plugin. */
  onBoardRequest?(ev: BoardRequestEvent, ctx: WatchContext): Awaitable<void>;
  /** board.yaml changed (and is valid). */
  onConfig?(config: BoardConfig, ctx: WatchContext): Awaitable<void>;
  stop?(ctx: WatchContext): Awaitable<void>;
}
