/**
 * `board mcp`: the board as a small MCP server over stdio, acting as one agent. Eight tools,
 * each a thin call into the same operations the CLI commands run (src/ops), answering with
 * the CLI's `--json` shapes; a refusal is a tool error carrying the CLI's message, hint and
 * exit code. The tool list is kept short on purpose (it is read into every conversation).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { parseDuration } from '../core/duration.js';
import { BoardError } from '../core/errors.js';
import * as mail from '../ops/mail.js';
import * as tickets from '../ops/tickets.js';
import type { Board } from '../store/board.js';
import { boardStatus } from '../store/status.js';

export const SERVER_NAME = 'recado';

const ok = (value: unknown): CallToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value) }] });

/** A refusal as the CLI would give it: kind, exit code, message, hint and data. */
function refused(e: unknown): CallToolResult {
  const error =
    e instanceof BoardError ? e.toJSON() : { kind: 'internal', exit: 1, message: String((e as Error)?.message ?? e) };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error }) }] };
}

async function run(fn: () => unknown): Promise<CallToolResult> {
  try {
    return ok(await fn());
  } catch (e) {
    return refused(e);
  }
}

/** The server for `agent` on `board`, not yet connected to a transport. */
export function boardServer(board: Board, agent: string, version: string): McpServer {
  const server = new McpServer({ name: SERVER_NAME, version });
  const json = (t: { after: Parameters<typeof tickets.ticketJson>[1] }) => tickets.ticketJson(board, t.after);

  server.registerTool(
    'inbox',
    {
      description: 'Your unread recados (messages), oldest first; all: read ones too. Marks nothing read.',
      inputSchema: { all: z.boolean().optional() },
    },
    ({ all }) => run(() => mail.inbox(board, agent, { all }).recados),
  );

  server.registerTool(
    'read',
    {
      description: 'One of your recados by id; marks it read.',
      inputSchema: { id: z.string() },
    },
    ({ id }) => run(() => mail.read(board, agent, id)),
  );

  server.registerTool(
    'send',
    {
      description: 'Send a recado. to: agent names (comma-separated), "all" or "@role".',
      inputSchema: {
        to: z.string(),
        text: z.string(),
        subject: z.string().optional(),
        ticket: z.string().optional(),
        reply_to: z.string().optional(),
      },
    },
    ({ to, text, subject, ticket, reply_to }) =>
      run(() => {
        const r = mail.send(board, {
          from: agent,
          to: to
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
          body: text,
          subject,
          ticket,
          reply_to,
        });
        return { ...r.recado, delivered: r.delivered };
      }),
  );

  server.registerTool(
    'next',
    {
      description: 'Claim the best ready ticket for you; error (exit 3) when none is ready.',
      inputSchema: {},
    },
    () => run(async () => json(await tickets.next(board, { actor: agent }))),
  );

  server.registerTool(
    'claim',
    {
      description: 'Claim a ticket (a lease: "90s", "30m", "2h"). Error (exit 4) naming the holder when taken.',
      inputSchema: { id: z.string(), lease: z.string().optional() },
    },
    ({ id, lease }) =>
      run(async () =>
        json(
          await tickets.claim(board, id, {
            actor: agent,
            leaseMs: lease === undefined ? undefined : parseDuration(lease, 'lease'),
          }),
        ),
      ),
  );

  server.registerTool(
    'close',
    {
      description: 'Close a ticket you hold: done, or cancelled with cancel.',
      inputSchema: { id: z.string(), cancel: z.boolean().optional() },
    },
    ({ id, cancel }) => run(async () => json(await tickets.close(board, id, { actor: agent, cancel }))),
  );

  server.registerTool(
    'show',
    {
      description: 'One ticket with its wave, ready and blocked_by.',
      inputSchema: { id: z.string() },
    },
    ({ id }) => run(() => tickets.showTicket(board, id)),
  );

  server.registerTool(
    'status',
    {
      description: 'The board at a glance: waves, agents, claims, unread counts.',
      inputSchema: {},
    },
    () =>
      run(async () =>
        boardStatus(
          board,
          await import('../watch/daemon.js'),
          new Date(),
          (await import('../agents/live.js')).agentStates,
        ),
      ),
  );

  return server;
}

/** Serve on stdin/stdout until the client closes the connection. */
export async function serveStdio(board: Board, agent: string, version: string): Promise<void> {
  const server = boardServer(board, agent, version);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
    process.stdin.once('end', () => resolve());
  });
  await server.connect(transport);
  await closed;
  await server.close();
}
