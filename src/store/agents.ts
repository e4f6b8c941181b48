/**
 * The agents of a board: listed in board.yaml under `agents:` (edited through mutateConfig,
 * so comments and order survive), each with an inbox (`inbox/NAME/new`, `inbox/NAME/cur`)
 * and an outbox (`outbox/NAME`). An agent that is not in board.yaml cannot send or receive
 * recados, even if its folders exist.
 */
import { existsSync, readdirSync } from 'node:fs';
import type { Document, YAMLMap } from 'yaml';
import type { AgentConfig, BoardConfig } from '../core/config.js';
import { notFound, usageError } from '../core/errors.js';
import { checkAgentName, RESERVED_AGENT_NAMES } from '../core/names.js';
import type { Board } from './board.js';
import { mutateConfig } from './config.js';
import { yaml } from './frontmatter.js';
import { checkNoLink, ensureDir } from './nolink.js';

export function checkNewAgentName(name: string): string {
  checkAgentName(name);
  if (RESERVED_AGENT_NAMES.has(name)) {
    throw usageError(
      `"${name}" is reserved: ${name === 'all' ? '"to: all" means every agent' : "it is the sender of the board's own recados"}`,
      {
        field: 'name',
        hint: 'choose another name',
      },
    );
  }
  return name;
}

/** Create the inbox and outbox folders of `name` (those missing). Returns the ones created. */
export function ensureMailboxes(board: Board, name: string): string[] {
  const created: string[] = [];
  for (const dir of [board.inboxNew(name), board.inboxCur(name), board.outbox(name)]) {
    checkNoLink(dir, { self: true });
    if (!existsSync(dir)) {
      ensureDir(dir);
      created.push(board.rel(dir) + '/');
    }
  }
  return created;
}

function agentsMap(doc: Document): YAMLMap {
  const Y = yaml();
  let node = doc.get('agents', true);
  if (!Y.isMap(node)) {
    node = doc.createNode({});
    doc.set('agents', node);
  }
  const map = node as YAMLMap;
  map.flow = false;
  return map;
}

export interface AddAgentResult {
  name: string;
  /** false when the agent was there already. */
  added: boolean;
  /** true when an existing agent's role (or worktree) changed. */
  updated: boolean;
  created: string[];
  config: BoardConfig;
}

/**
 * Add an agent (or update the role of an existing one): folders first, then board.yaml, so
 * that an agent listed in board.yaml always has its mailboxes.
 */
export async function addAgent(
  board: Board,
  name: string,
  opts: { role?: string | null; worktree?: string } = {},
): Promise<AddAgentResult> {
  checkNewAgentName(name);
  const role =
    opts.role === undefined ? undefined : opts.role === null || opts.role.trim() === '' ? null : opts.role.trim();
  if (role && !/^[a-z0-9][a-z0-9._-]{0,63}$/i.test(role)) {
    throw usageError(`invalid role ${JSON.stringify(role)}`, {
      field: 'role',
      hint: 'use letters, digits, ".", "_" or "-" (recados to "@ROLE" reach every agent with it)',
    });
  }
  const created = ensureMailboxes(board, name);
  let added = false;
  let updated = false;
  const config = await mutateConfig(board, (doc, current) => {
    const map = agentsMap(doc);
    const existing = current.agents[name];
    if (!existing) {
      added = true;
      map.set(name, doc.createNode(role ? { role } : {}));
    } else if (role !== undefined && (existing.role ?? null) !== role) {
      updated = true;
      if (role === null) doc.deleteIn(['agents', name, 'role']);
      else {
        const entry = doc.getIn(['agents', name], true);
        if (yaml().isMap(entry)) (entry as YAMLMap).flow = false;
        else map.set(name, doc.createNode({}));
        doc.setIn(['agents', name, 'role'], role);
      }
    }
    if (opts.worktree !== undefined && (current.agents[name]?.worktree ?? null) !== opts.worktree) {
      if (!added) updated = true;
      const entry = doc.getIn(['agents', name], true);
      if (yaml().isMap(entry)) (entry as YAMLMap).flow = false;
      else map.set(name, doc.createNode({}));
      doc.setIn(['agents', name, 'worktree'], opts.worktree);
    }
  });
  return { name, added, updated, created, config };
}

/** Remove an agent from board.yaml. Its folders (and recados) are kept. */
export async function removeAgent(board: Board, name: string): Promise<BoardConfig> {
  checkAgentName(name);
  return mutateConfig(board, (doc, current) => {
    if (!current.agents[name]) {
      throw notFound(`${name} is not an agent of this board`, { hint: '`board agent list` shows the agents' });
    }
    doc.deleteIn(['agents', name]);
    const map = agentsMap(doc);
    if (map.items.length === 0) map.flow = true;
  });
}

export interface AgentInfo extends AgentConfig {
  name: string;
  unread: number;
  /** The inbox folder exists. */
  inbox: boolean;
}

function countMd(dir: string): number {
  try {
    return readdirSync(dir).filter((n) => n.endsWith('.md') && !n.startsWith('.')).length;
  } catch {
    return 0;
  }
}

export function listAgents(board: Board, config: BoardConfig): AgentInfo[] {
  return Object.keys(config.agents)
    .sort()
    .map((name) => ({
      name,
      ...config.agents[name],
      unread: countMd(board.inboxNew(name)),
      inbox: existsSync(board.inboxNew(name)),
    }));
}
