import type { Command } from 'commander';
import { packageVersion } from '../../store/package.js';
import { action, actorOf, common, openBoard, type CommonOptions } from '../context.js';

export function register(program: Command): Command {
  const cmd = program
    .command('mcp')
    .description('serve the board as a small MCP server over stdio, acting as one agent');
  common(cmd, { as: true });
  return cmd
    .addHelpText(
      'after',
      '\nTools: inbox, read, send, next, claim, close, show, status — the same operations as the CLI\n' +
        'commands, answering with their --json shapes; a refusal is a tool error with the message,\n' +
        'hint and exit code the CLI would give. --json changes nothing (the protocol is JSON).\n' +
        'Register it, e.g. in Claude Code: claude mcp add board -- board mcp --as ana\n' +
        'See docs/mcp.md.',
    )
    .action(
      action(async (opts: CommonOptions) => {
        const agent = actorOf(opts);
        const board = openBoard(opts);
        const { serveStdio } = await import('../../mcp/server.js');
        await serveStdio(board, agent, packageVersion());
      }),
    );
}
