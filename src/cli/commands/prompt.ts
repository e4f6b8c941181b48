import type { Command } from 'commander';
import { readdirSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { formatDuration } from '../../core/duration.js';
import { escapeText } from '../../core/escape.js';
import { notFound } from '../../core/errors.js';
import { checkAgentName } from '../../core/names.js';
import { openWaveLine, PROMPT_MAX_WORDS, renderTemplate, ticketLines, wordCount } from '../../core/prompt.js';
import { packagePath } from '../../store/package.js';
import { readBoardFile } from '../../store/read.js';
import { loadBoard } from '../../store/tickets.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println, warn } from '../output.js';
import { byPlanOrder } from './list.js';

export function register(program: Command): Command {
  const cmd = program
    .command('prompt')
    .description('print the text that starts a new conversation for an agent')
    .argument('<name>', 'the agent (listed in board.yaml; see `board agent add`)');
  common(cmd);
  return cmd
    .addHelpText('after', '\nRendered from .board/templates/prompt.md (edit it to change the text).\nPlaceholders: {{agent}} {{role}} {{repo}} {{board}} {{worktree}} {{tickets}} {{open_wave}} {{unread}} {{lease}} {{bin}}.')
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const agent = checkAgentName(name);
        const board = openBoard(opts);
        const loaded = loadBoard(board);
        const conf = loaded.config.agents[agent];
        if (!conf) throw notFound(`no agent ${agent} on this board`, { hint: `add it with \`board agent add ${agent}\`` });

        const mine = [...loaded.tickets.values()]
          .filter((t) => (t.assignee === agent || t.claim?.by === agent) && t.status !== 'done' && t.status !== 'cancelled')
          .map((t) => loaded.json(t))
          .sort(byPlanOrder);
        let unread = 0;
        try { unread = readdirSync(board.inboxNew(agent)).filter((f) => f.endsWith('.md') && !f.startsWith('.')).length; } catch { /* no inbox yet */ }
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
        const words = wordCount(text);
        if (words > PROMPT_MAX_WORDS) warn(`the prompt has ${words} words (more than ${PROMPT_MAX_WORDS}): shorten .board/templates/prompt.md`);
        if (opts.json) printJson({ agent, board: board.root, worktree, tickets: mine.map((t) => t.id), words, prompt: text });
        else println(text.replace(/\n+$/, ''));
      }),
    );
}
