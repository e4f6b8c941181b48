// MCP: what `board mcp` costs a conversation (the size of its tools/list answer, next to the
// text of `board prompt` that teaches the same work through the CLI) and what a call costs
// (a claim through a running MCP server vs. a `board claim` process).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, board, env, summarize, tempBoard } from './lib.mjs';

export const name = 'mcp';
export const title = 'board mcp: tools/list size next to board prompt; a claim by MCP vs. by the CLI';

const CALLS = 30;

export async function run() {
  const { dir, cleanup } = tempBoard();
  try {
    board(['agent', 'add', 'ana'], dir);
    const ids = [];
    for (let i = 0; i < CALLS * 2; i++) ids.push(board(['new', `Ticket ${i}`], dir).stdout.trim());
    const prompt = board(['prompt', 'ana'], dir).stdout;

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp', '--as', 'ana'],
      cwd: dir,
      env: env(),
      stderr: 'ignore',
    });
    const client = new Client({ name: 'bench', version: '1' });
    const t0 = process.hrtime.bigint();
    await client.connect(transport);
    const { tools } = await client.listTools();
    const readyMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const listChars = JSON.stringify({ tools }).length;

    const viaMcp = [];
    for (const id of ids.slice(0, CALLS)) {
      const s = process.hrtime.bigint();
      const r = await client.callTool({ name: 'claim', arguments: { id } });
      viaMcp.push(Number(process.hrtime.bigint() - s) / 1e6);
      if (r.isError) throw new Error(`claim ${id} by MCP failed: ${r.content[0].text}`);
    }
    await client.close();
    const viaCli = [];
    for (const id of ids.slice(CALLS)) {
      const s = process.hrtime.bigint();
      board(['claim', id, '--as', 'ana'], dir);
      viaCli.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    return {
      figures: {
        tools: tools.length,
        tools_list_chars: listChars,
        tools_list_tokens_approx: Math.round(listChars / 4),
        prompt_chars: prompt.length,
        prompt_tokens_approx: Math.round(prompt.length / 4),
        server_ready_ms: Math.round(readyMs),
        claim_by_mcp_ms: summarize(viaMcp),
        claim_by_cli_process_ms: summarize(viaCli),
      },
      checks: [{ what: 'tools/list answer (characters)', value: listChars, limit: '<= 6000', ok: listChars <= 6000 }],
    };
  } finally {
    cleanup();
  }
}
