/**
 * What a path inside `.board/` is, from its name alone (no file system access): the first
 * step of the watcher's pipeline (file event → classify → handlers). Also decides which
 * paths chokidar watches at all.
 */
import { isAgentName, isTicketId, RESERVED_AGENT_NAMES } from '../core/names.js';

export type BoardPath =
  | { kind: 'config' }
  | { kind: 'ticket'; id: string }
  /** A file in an agent's outbox folder (`agent` may not be a valid or known agent). */
  | { kind: 'outbox'; agent: string; name: string }
  /** An outbox folder. */
  | { kind: 'outbox-folder'; agent: string }
  /** A file right in outbox/, in nobody's folder. */
  | { kind: 'outbox-stray'; name: string }
  | { kind: 'inbox'; agent: string; box: 'new' | 'cur'; name: string }
  | { kind: 'template'; name: string }
  | { kind: 'rejected'; name: string }
  /** tmp/, locks/, run/: the board's working folders. */
  | { kind: 'internal' }
  | { kind: 'other' };

export type BoardPathKind = BoardPath['kind'];

/** `rel` is relative to the `.board` folder, with `/` separators. */
export function classify(rel: string): BoardPath {
  const parts = rel.split('/').filter((p) => p !== '' && p !== '.');
  const [top, a, b, c] = parts;
  switch (top) {
    case undefined:
      return { kind: 'other' };
    case 'board.yaml':
      return parts.length === 1 ? { kind: 'config' } : { kind: 'other' };
    case 'tickets':
      if (parts.length === 2 && a.endsWith('.md') && isTicketId(a.slice(0, -3)))
        return { kind: 'ticket', id: a.slice(0, -3) };
      return { kind: 'other' };
    case 'outbox':
      if (parts.length === 2) return { kind: 'outbox-folder', agent: a };
      if (parts.length === 3) return { kind: 'outbox', agent: a, name: b };
      return { kind: 'other' };
    case 'inbox':
      if (parts.length === 4 && (b === 'new' || b === 'cur')) return { kind: 'inbox', agent: a, box: b, name: c };
      return { kind: 'other' };
    case 'templates':
      return parts.length === 2 ? { kind: 'template', name: a } : { kind: 'other' };
    case 'rejected':
      return parts.length === 2 ? { kind: 'rejected', name: a } : { kind: 'other' };
    case 'tmp':
    case 'locks':
    case 'run':
      return { kind: 'internal' };
    default:
      return { kind: 'other' };
  }
}

/** Is this outbox folder name one an agent could have (a valid, non-reserved name)? */
export function isSenderFolder(name: string): boolean {
  return isAgentName(name) && !RESERVED_AGENT_NAMES.has(name);
}

/**
 * The paths chokidar watches: board.yaml, templates/, and outbox/ itself (its agent folders
 * coming and going, and stray files). Everything else is left out on purpose: chokidar keeps
 * one watch per file and re-reads (and stats) a whole folder on every event in it, which on
 * tickets/ (thousands of files) or an outbox in a burst costs far more than the work itself;
 * the watcher follows tickets/, each outbox/<agent>/ and each inbox/<agent>/new/ with one
 * directory watch each (dirwatch.ts). Called by chokidar twice per path, once without
 * `isFile` (unknown yet).
 */
export function ignoredByChokidar(rel: string, isFile?: boolean): boolean {
  if (rel === '') return false;
  const parts = rel.split('/');
  const name = parts[parts.length - 1];
  switch (parts[0]) {
    case 'board.yaml':
      return parts.length !== 1;
    case 'templates':
      return parts.length > 2 || (parts.length === 2 && isFile === false);
    case 'outbox':
      if (parts.length === 1) return isFile === true;
      if (parts.length === 2) return name.startsWith('.') || (isFile === true && !name.endsWith('.md'));
      return true;
    default:
      return true;
  }
}
