/**
 * `board mcp`: the real server process driven by the MCP SDK's own client over stdio.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { existsSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, tempRepo, type TempRepo } from '../helpers.js';

let repo: TempRepo;
const clients: Client[] = [];

async function connect(agent: string): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, 'mcp', '--as', agent],
    cwd: repo.dir,
    env: cleanEnv() as Record<string, string>,
    stderr: 'pipe',
  });
  const client = new Client({ name: 'test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

interface ToolText {
  content: { type: string; text: string }[];
  isError?: boolean;
}
async function call(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<{ value: any; isError: boolean }> {
  const r = (await client.callTool({ name, arguments: args })) as ToolText;
  return { value: JSON.parse(r.content[0].text), isError: Boolean(r.isError) };
}

beforeAll(() => {
  repo = tempRepo();
  for (const a of ['ana', 'ben', 'cid']) expect(repo.board(['agent', 'add', a]).code).toBe(0);
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  repo.cleanup();
});

describe('board mcp', () => {
  it('lists exactly the eight tools, small enough for a conversation', async () => {
    const ana = await connect('ana');
    const { tools } = await ana.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([
      'claim',
      'close',
      'inbox',
      'next',
      'read',
      'send',
      'show',
      'status',
    ]);
    expect(JSON.stringify({ tools }).length).toBeLessThanOrEqual(6000);
  });

  it("sends a recado that lands in the recipient's inbox; read marks it read", async () => {
    const ana = await connect('ana');
    const ben = await connect('ben');
    const sent = await call(ana, 'send', { to: 'ben', text: 'API contract ready', ticket: undefined });
    expect(sent.isError).toBe(false);
    expect(sent.value).toMatchObject({ from: 'ana', to: ['ben'], subject: 'API contract ready', delivered: ['ben'] });
    expect(existsSync(repo.path('.board', 'inbox', 'ben', 'new', `${sent.value.id}.md`))).toBe(true);
    // the same shape as `board inbox --json`
    const cli = JSON.parse(repo.board(['inbox', '--as', 'ben', '--json']).stdout);
    const inbox = await call(ben, 'inbox');
    expect(inbox.value).toEqual(cli);
    expect(inbox.value.map((r: { id: string }) => r.id)).toContain(sent.value.id);
    const read = await call(ben, 'read', { id: sent.value.id });
    expect(read.value).toMatchObject({ id: sent.value.id, body: 'API contract ready\n' });
    expect(readdirSync(repo.path('.board', 'inbox', 'ben', 'cur'))).toContain(`${sent.value.id}.md`);
    expect((await call(ben, 'inbox')).value).toEqual([]);
  });

  it('two clients claiming one ticket at once: one wins, the other gets a tool error naming the holder', async () => {
    const id = repo.board(['new', 'Login API']).stdout.trim();
    const [ana, cid] = await Promise.all([connect('ana'), connect('cid')]);
    const [a, c] = await Promise.all([call(ana, 'claim', { id }), call(cid, 'claim', { id })]);
    const winners = [a, c].filter((r) => !r.isError);
    const losers = [a, c].filter((r) => r.isError);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const holder = winners[0].value.claim.by;
    expect(['ana', 'cid']).toContain(holder);
    expect(losers[0].value.error).toMatchObject({ kind: 'conflict', exit: 4, data: { holder } });
    expect(losers[0].value.error.message).toContain(`claimed by ${holder}`);
    const shown = await call(ana, 'show', { id });
    expect(shown.value).toEqual(JSON.parse(repo.board(['show', id, '--json']).stdout));
    // the loser cannot close it; the holder can
    const loserClient = holder === 'ana' ? cid : ana;
    const holderClient = holder === 'ana' ? ana : cid;
    const refused = await call(loserClient, 'close', { id });
    expect(refused.isError).toBe(true);
    expect(refused.value.error).toMatchObject({ exit: 4 });
    const closed = await call(holderClient, 'close', { id });
    expect(closed.value).toMatchObject({ id, status: 'done', claim: null });
  });

  it('refuses hostile ids and bad input as tool errors, touching nothing', async () => {
    const ana = await connect('ana');
    for (const id of ['../../etc/passwd', 'T-1/../../x', '', 'a\nb']) {
      const r = await call(ana, 'show', { id });
      expect(r.isError, id).toBe(true);
      expect(r.value.error.exit).toBe(2);
      const c = await call(ana, 'claim', { id });
      expect(c.isError).toBe(true);
    }
    const bad = await call(ana, 'claim', { id: 'T-nope', lease: 'forever' });
    expect(bad.isError).toBe(true);
    expect(bad.value.error.message).toMatch(/lease/);
    const missing = await call(ana, 'show', { id: 'T-nope' });
    expect(missing.value.error).toMatchObject({ kind: 'not_found', exit: 3 });
    const nobody = await call(ana, 'send', { to: 'zed', text: 'hi' });
    expect(nobody.isError).toBe(true);
    expect(nobody.value.error.exit).toBe(3);
    expect(readdirSync(repo.path('.board', 'tickets')).filter((f) => !f.endsWith('.md'))).toEqual([]);
  });

  it("next claims the best ready ticket, and says when nothing is ready; status is the CLI's", async () => {
    const ben = await connect('ben');
    const id = repo.board(['new', 'Docs', '--assignee', 'ben']).stdout.trim();
    const n = await call(ben, 'next');
    expect(n.value).toMatchObject({ id, status: 'in_progress', claim: { by: 'ben' } });
    // holding a claim, ben is not given a second one (no hoarding); cid, holding none, is told nothing is ready
    const hoarding = await call(ben, 'next');
    expect(hoarding.isError).toBe(true);
    expect(hoarding.value.error).toMatchObject({ exit: 4 });
    expect(hoarding.value.error.message).toContain(id);
    const none = await call(await connect('cid'), 'next');
    expect(none.value.error).toMatchObject({ exit: 3 });
    const status = await call(ben, 'status');
    expect(Object.keys(status.value).sort()).toEqual(
      Object.keys(JSON.parse(repo.board(['status', '--json']).stdout)).sort(),
    );
    expect(
      status.value.agents.find((a: { name: string }) => a.name === 'ben').claims.map((c: { id: string }) => c.id),
    ).toEqual([id]);
  });
});
