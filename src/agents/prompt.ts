/**
 * The text that opens an agent's conversation (`board prompt NAME`, and the file `board up`
 * hands its program as BOARD_PROMPT_FILE), and the recovery prompt of a restarted agent.
 */
import { readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { formatDuration } from '../core/duration.js';
import { notFound } from '../core/errors.js';
import { openWaveLine, renderTemplate, ticketLines } from '../core/prompt.js';
import type { TicketJson } from '../core/ticket.js';
import type { Board } from '../store/board.js';
import { packagePath } from '../store/package.js';
import { readBoardFile } from '../store/read.js';
import { loadBoard } from '../store/tickets.js';
import { escapeText } from '../core/escape.js';

/** Order: wave, priority, creation, id (tickets without a wave last). */
export function byPlanOrder(a: TicketJson, b: TicketJson): number {
  return (
    (a.wave ?? Infinity) - (b.wave ?? Infinity) ||
    a.priority - b.priority ||
    (a.created ?? '').localeCompare(b.created ?? '') ||
    a.id.localeCompare(b.id)
  );
}

export interface AgentPrompt {
  text: string;
  /** Absolute path of the agent's worktree, or null. */
  worktree: string | null;
  /** Ids of its open tickets (assigned or claimed), in plan order. */
  tickets: string[];
  /** Ids of the tickets it holds a claim on. */
  claims: string[];
  unread: number;
}

export function renderAgentPrompt(board: Board, agent: string): AgentPrompt {
  const loaded = loadBoard(board);
  const conf = loaded.config.agents[agent];
  if (!conf) throw notFound(`no agent ${agent} on this board`, { hint: `add it with \`board agent add ${agent}\`` });

  const mine = [...loaded.tickets.values()]
    .filter((t) => (t.assignee === agent || t.claim?.by === agent) && t.status !== 'done' && t.status !== 'cancelled')
    .map((t) => loaded.json(t))
    .sort(byPlanOrder);
  let unread = 0;
  try {
    unread = readdirSync(board.inboxNew(agent)).filter((f) => f.endsWith('.md') && !f.startsWith('.')).length;
  } catch {
    /* no inbox yet */
  }
  let template: string;
  try {
    template = readBoardFile(join(board.templatesDir, 'prompt.md'), { display: '.board/templates/prompt.md' });
  } catch {
    template = readBoardFile(packagePath('templates', 'prompt.md'));
  }
  const worktree = conf.worktree ? (isAbsolute(conf.worktree) ? conf.worktree : join(board.repo, conf.worktree)) : null;
  const text = renderTemplate(template, {
    agent,
    role: escapeText(conf.role ?? 'agent', { oneLine: true }), // board.yaml is a file an agent can write too
    repo: board.repo,
    board: board.root,
    worktree: worktree
      ? `\`${worktree}\` (your own git worktree, on branch \`board/${agent}\`: commit your work there)`
      : `\`${board.repo}\` (shared with the others: stay inside your ticket's \`locks:\`)`,
    tickets: ticketLines(mine, agent),
    open_wave: openWaveLine(loaded.graph.openWave, loaded.graph.waves()),
    unread: String(unread),
    lease: formatDuration(loaded.config.leaseMs),
    bin: `node ${packagePath('bin', 'board')}`,
  });
  return {
    text,
    worktree,
    tickets: mine.map((t) => t.id),
    claims: mine.filter((t) => t.claim?.by === agent).map((t) => t.id),
    unread,
  };
}

/**
 * The prompt of an agent restarted after its program died: the usual prompt, then what it
 * held and what waits for it. Only ids and the board's own words: no text of other agents.
 */
export function recoveryPrompt(
  p: AgentPrompt,
  agent: string,
  exit: { code: number | null; signal: string | null } | null,
): string {
  const how = exit
    ? exit.signal
      ? `was killed by signal ${exit.signal}`
      : `exited with code ${exit.code}`
    : 'stopped';
  return [
    p.text.replace(/\n+$/, ''),
    '',
    '## Recovery',
    `Your previous conversation ${how}; this is a new one. Pick up where it left off:`,
    p.claims.length
      ? `- you still hold claims on: ${p.claims.join(', ')} (\`board show ID\`, then go on with it)`
      : '- you hold no claim',
    p.unread
      ? `- ${p.unread} unread recado${p.unread === 1 ? '' : 's'} wait for you: \`board inbox --as ${agent}\``
      : '- no unread recados',
    '- look at your worktree (`git status`, `git log -3`) for work not yet committed',
    '',
  ].join('\n');
}
