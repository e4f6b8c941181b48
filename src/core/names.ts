/**
 * Names of agents and ids of tickets. They become file and folder names, so they are checked
 * before any path is built from them: no separators, no leading dot, bounded length.
 */
import { invalid } from './errors.js';

export const AGENT_NAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const TICKET_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Names that mean something to the board itself and cannot be agents. */
export const RESERVED_AGENT_NAMES = new Set(['all', 'board']);

/** The sender name of recados the board itself writes. */
export const BOARD_SENDER = 'board';

export function isAgentName(s: unknown): s is string {
  return typeof s === 'string' && AGENT_NAME_RE.test(s);
}

export function isTicketId(s: unknown): s is string {
  return typeof s === 'string' && TICKET_ID_RE.test(s) && !s.endsWith('.md');
}

export function checkAgentName(s: unknown, what = 'agent name'): string {
  if (!isAgentName(s)) {
    throw invalid(`invalid ${what} ${JSON.stringify(s)}`, {
      field: what,
      hint: 'use 1-64 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit',
    });
  }
  return s;
}

export function checkTicketId(s: unknown, what = 'ticket id'): string {
  if (!isTicketId(s)) {
    throw invalid(`invalid ${what} ${JSON.stringify(s)}`, {
      field: what,
      hint: 'use 1-64 characters: letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. T-4k9x, AUTH-12)',
    });
  }
  return s;
}

/**
 * Turn a free-form person name (git config user.name) into a valid agent name:
 * "Ana María Souza" -> "ana-maria-souza". Returns undefined when nothing usable is left.
 */
export function agentNameFrom(person: string): string | undefined {
  const s = person
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+$/, '')
    .slice(0, 64);
  return isAgentName(s) ? s : undefined;
}
