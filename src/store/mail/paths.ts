/** Names and places of recados in flight: run/outgoing and the names of the files in it. */
import { randomBytes } from 'node:crypto';
import { recadoId } from '../../core/recado.js';
import type { Board } from '../board.js';

/** run/outgoing: recados taken from an outbox, or stamped by `board send`, not yet in every inbox. */
export function outgoingDir(board: Board): string {
  return board.run.outgoing;
}

/**
 * A file in run/outgoing. `<id>+<from>+<name>`: taken from outbox/<from>/<name> (`orig` is
 * the name); `<id>=<from>`: already stamped by `board send` or the board. Ids and agent
 * names never contain `+` or `=`.
 */
export interface OutgoingName {
  id: string;
  from: string;
  orig: string | null;
}

const RAW_NAME = /^([A-Za-z0-9][A-Za-z0-9._-]{0,127})\+([a-z0-9][a-z0-9._-]{0,63})\+(.+)$/;
const STAMPED_NAME = /^([A-Za-z0-9][A-Za-z0-9._-]{0,127})=([a-z0-9][a-z0-9._-]{0,63})$/;

export function parseOutgoingName(name: string): OutgoingName | null {
  let m = RAW_NAME.exec(name);
  if (m) return { id: m[1], from: m[2], orig: m[3] };
  m = STAMPED_NAME.exec(name);
  if (m) return { id: m[1], from: m[2], orig: null };
  return null;
}

export function outgoingName(o: OutgoingName): string {
  if (o.orig === null) return `${o.id}=${o.from}`;
  const room = 240 - o.id.length - o.from.length;
  const orig = o.orig.length > room ? o.orig.slice(0, room - 3) + '.md' : o.orig;
  return `${o.id}+${o.from}+${orig}`;
}

export function newRecadoId(now = new Date()): string {
  return recadoId(now.getTime(), randomBytes(8));
}

export const errnoOf = (e: unknown) => (e as NodeJS.ErrnoException)?.code;
