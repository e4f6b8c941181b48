/**
 * The watcher's memory of every ticket file: the last version it saw, filled at start-up
 * (texts only: parsing 10,000 tickets would cost ~0.7 s, so each is parsed when first
 * asked for) and kept current by the events on tickets/. This is what gives TicketEvent
 * its `before`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BoardError } from '../core/errors.js';
import { isTicketId } from '../core/names.js';
import type { Problem, Ticket } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { readBoardFile } from '../store/read.js';
import { parseTicketText } from '../store/tickets.js';
import type { TicketSnapshot } from './plugin.js';

export class Snapshot implements TicketSnapshot {
  private parsed?: { ticket: Ticket | null; problems: Problem[]; error: BoardError | null };

  constructor(
    readonly raw: string,
    private readonly id: string,
    private readonly display: string,
    private readonly readError: BoardError | null = null,
  ) {}

  private parse() {
    if (this.parsed) return this.parsed;
    if (this.readError) return (this.parsed = { ticket: null, problems: [], error: this.readError });
    try {
      const { ticket, problems } = parseTicketText(this.raw, this.id, this.display);
      this.parsed = { ticket, problems, error: null };
    } catch (e) {
      if (!(e instanceof BoardError)) throw e;
      this.parsed = { ticket: null, problems: [], error: e };
    }
    return this.parsed;
  }

  get ticket() {
    return this.parse().ticket;
  }
  get problems() {
    return this.parse().problems;
  }
  get error() {
    return this.parse().error;
  }
  get valid() {
    return this.ticket !== null && this.problems.length === 0;
  }
  /** The front-matter does not parse (maybe half-written), as opposed to unreadable or invalid fields. */
  get unparsable() {
    return !this.readError && this.error !== null;
  }
  /** Same content as another snapshot. */
  same(o: Snapshot | undefined): boolean {
    return !!o && o.raw === this.raw && (o.readError?.message ?? null) === (this.readError?.message ?? null);
  }
}

export class TicketMemory {
  readonly map = new Map<string, Snapshot>();

  constructor(private readonly board: Board) {}

  /** Read the file of ticket `id` now: a snapshot, or null when there is no file. */
  read(id: string): Snapshot | null {
    const path = join(this.board.ticketsDir, `${id}.md`);
    const display = this.board.rel(path);
    try {
      return new Snapshot(readBoardFile(path, { display }), id, display);
    } catch (e) {
      if (e instanceof BoardError) return e.kind === 'not_found' ? null : new Snapshot('', id, display, e);
      if ((e as NodeJS.ErrnoException).code === 'EISDIR') return null;
      throw e;
    }
  }

  /** Every ticket file's text, read once at start-up. Returns how many. */
  fill(): number {
    let names: string[];
    try {
      names = readdirSync(this.board.ticketsDir);
    } catch {
      return 0;
    }
    for (const name of names) {
      const id = idOfName(name);
      if (!id || this.map.has(id)) continue;
      const s = this.read(id);
      if (s) this.map.set(id, s);
    }
    return this.map.size;
  }

  /** Ids on disk now (for a re-read of the whole folder after its watch was lost). */
  idsOnDisk(): string[] {
    try {
      return readdirSync(this.board.ticketsDir)
        .map(idOfName)
        .filter((x): x is string => x !== null);
    } catch {
      return [];
    }
  }
}

export function idOfName(name: string): string | null {
  if (!name.endsWith('.md') || name.startsWith('.')) return null;
  const id = name.slice(0, -3);
  return isTicketId(id) ? id : null;
}
