import type { Command } from 'commander';
import { checkAgentName } from '../../core/names.js';
import { PROMPT_MAX_WORDS, wordCount } from '../../core/prompt.js';
import { renderAgentPrompt } from '../../agents/prompt.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { printJson, println, warn } from '../output.js';

export function register(program: Command): Command {
  const cmd = program
    .command('prompt')
    .description('print the text that starts a new conversation for an agent')
    .argument('<name>', 'the agent (listed in board.yaml; see `board agent add`)');
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      '\nRendered from .board/templates/prompt.md (edit it to change the text).\nPlaceholders: {{agent}} {{role}} {{repo}} {{board}} {{worktree}} {{tickets}} {{open_wave}} {{unread}} {{lease}} {{bin}}.',
    )
    .action(
      action(async (name: string, opts: CommonOptions) => {
        const agent = checkAgentName(name);
        const board = openBoard(opts);
        const { text, worktree, tickets: mine } = renderAgentPrompt(board, agent);
        const words = wordCount(text);
        if (words > PROMPT_MAX_WORDS)
          warn(`the prompt has ${words} words (more than ${PROMPT_MAX_WORDS}): shorten .board/templates/prompt.md`);
        if (opts.json) printJson({ agent, board: board.root, worktree, tickets: mine, words, prompt: text });
        else println(text.replace(/\n+$/, ''));
      }),
    );
}
