/**
 * The watcher as a host for plugins, in-process: ticket events with the previous and new
 * version, own writes, half-written tickets, board.yaml reloads, recado events, timers,
 * errors and stop.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addAgent } from '../../src/store/agents.js';
import type { Board } from '../../src/store/board.js';
import { initBoard } from '../../src/store/init.js';
import { sendRecado } from '../../src/store/mailbox.js';
import { createTicket } from '../../src/store/tickets.js';
import { WatchHost, type LoggedEvent } from '../../src/watch/host.js';
import type { RecadoDelivered, TicketEvent, WatchContext, WatchPlugin } from '../../src/watch/plugin.js';
import { sleep, tempRepo, ticketText, waitFor, type TempRepo } from '../helpers.js';

let repo: TempRepo;
let board: Board;
let host: WatchHost | undefined;
let log: LoggedEvent[];

beforeEach(async () => {
  repo = tempRepo({ init: false, git: false });
  board = initBoard(repo.dir).board;
  for (const a of ['ana', 'ben']) await addAgent(board, a, { role: 'dev' });
  createTicket(board, { id: 'T-1', title: 'First' }, 'ana');
  log = [];
});

afterEach(async () => {
  await host?.stop();
  host = undefined;
  repo.cleanup();
});

function recorder(extra: Partial<WatchPlugin> = {}) {
  const seen = {
    tickets: [] as TicketEvent[],
    recados: [] as RecadoDelivered[],
    configs: [] as string[][],
    stopped: false,
    ctx: null as WatchContext | null,
  };
  const plugin: WatchPlugin = {
    name: 'rec',
    start(ctx) {
      seen.ctx = ctx;
    },
    onTicketEvent(ev) {
      seen.tickets.push(ev);
    },
    onRecadoDelivered(ev) {
      seen.recados.push(ev);
    },
    onConfig(c) {
      seen.configs.push(Object.keys(c.agents));
    },
    stop() {
      seen.stopped = true;
    },
    ...extra,
  };
  return { plugin, seen };
}

async function startHost(plugins: WatchPlugin[]) {
  host = new WatchHost({ board, plugins, onEvent: (e) => log.push(e), tickMs: 200 });
  await host.start();
  return host;
}

const tfile = (id: string) => join(board.ticketsDir, `${id}.md`);

describe('ticket events', () => {
  it('carry the version seen before and the new one, for hand edits, additions and removals', async () => {
    const { plugin, seen } = recorder();
    await startHost([plugin]);
    expect(seen.ctx!.tickets.get('T-1')?.ticket?.title).toBe('First'); // filled at start-up

    writeFileSync(tfile('T-1'), ticketText({ id: 'T-1', title: 'Renamed', status: 'in_progress', updated_by: 'ana' }));
    const change = await waitFor(() => seen.tickets.find((e) => e.id === 'T-1' && e.type === 'change'));
    expect(change.before?.ticket?.title).toBe('First');
    expect(change.after?.ticket?.title).toBe('Renamed');
    expect(change.after?.valid).toBe(true);
    expect(change.own).toBeNull();

    writeFileSync(tfile('T-2'), ticketText({ id: 'T-2', title: 'Second' }));
    const add = await waitFor(() => seen.tickets.find((e) => e.id === 'T-2'));
    expect(add).toMatchObject({ type: 'add', before: null });
    unlinkSync(tfile('T-2'));
    const gone = await waitFor(() => seen.tickets.find((e) => e.id === 'T-2' && e.type === 'unlink'));
    expect(gone.before?.ticket?.title).toBe('Second');
    expect(gone.after).toBeNull();
    expect(host!.tickets.has('T-2')).toBe(false);

    // an edit that breaks a field is reported with its problems
    writeFileSync(tfile('T-1'), ticketText({ id: 'T-1', title: 'Renamed', status: 'doing' }));
    const bad = await waitFor(() => seen.tickets.find((e) => e.after?.problems.length));
    expect(bad.after!.valid).toBe(false);
    expect(bad.after!.problems[0].field).toBe('status');
    expect(bad.before?.ticket?.status).toBe('in_progress');
  });

  it("marks a plugin's own writes, so it does not react to itself", async () => {
    const { plugin, seen } = recorder();
    await startHost([plugin]);
    const restored = ticketText({ id: 'T-1', title: 'Restored by the plugin' });
    seen.ctx!.writeFile(tfile('T-1'), restored);
    const own = await waitFor(() => seen.tickets.find((e) => e.after?.raw === restored));
    expect(own.own).toBe('rec');
    writeFileSync(tfile('T-1'), ticketText({ id: 'T-1', title: 'By hand' }));
    const hand = await waitFor(() => seen.tickets.find((e) => e.after?.ticket?.title === 'By hand'));
    expect(hand.own).toBeNull();
  });

  it('waits for a half-written ticket instead of reporting it broken', async () => {
    const { plugin, seen } = recorder();
    await startHost([plugin]);
    writeFileSync(tfile('T-1'), '---\nid: T-1\ntitle: Half');
    await sleep(150);
    expect(seen.tickets).toEqual([]);
    writeFileSync(tfile('T-1'), ticketText({ id: 'T-1', title: 'Half done' }));
    const ev = await waitFor(() => seen.tickets.find((e) => e.after?.ticket?.title === 'Half done'));
    expect(ev.before?.ticket?.title).toBe('First');
    await sleep(100);
    expect(seen.tickets.filter((e) => e.after && !e.after.valid)).toEqual([]);
  });
});

describe('recados, board.yaml, timers, errors', () => {
  it('reports deliveries once (routed, sent with `board send`, sent by a plugin), and board.yaml changes', async () => {
    const { plugin, seen } = recorder();
    await startHost([plugin]);
    writeFileSync(join(board.outbox('ana'), 'a.md'), '---\nto: ben\nsubject: routed\n---\nx\n');
    const routed = await waitFor(() => seen.recados.find((r) => r.recado.subject === 'routed'));
    expect(routed).toMatchObject({ via: 'outbox', recipients: ['ben'], source: '.board/outbox/ana/a.md' });
    expect(routed.recado.from).toBe('ana');

    sendRecado(board, { from: 'ben', to: ['ana'], subject: 'direct', body: 'y' });
    const direct = await waitFor(() => seen.recados.find((r) => r.recado.subject === 'direct'));
    expect(direct).toMatchObject({ via: 'send', recipients: ['ana'] });

    seen.ctx!.sendFromBoard({ to: ['@dev'], subject: 'notice', body: 'z' });
    const notice = await waitFor(() => seen.recados.find((r) => r.recado.subject === 'notice'));
    expect(notice).toMatchObject({ via: 'board', recipients: ['ana', 'ben'] });

    await sleep(300);
    expect(seen.recados.filter((r) => r.recado.subject === 'routed').length).toBe(1);
    expect(seen.recados.filter((r) => r.recado.subject === 'notice').length).toBe(1);

    await addAgent(board, 'cy');
    await waitFor(() => seen.configs.find((c) => c.includes('cy')));
    expect(seen.ctx!.config.agents.cy).toBeDefined();
  });

  it('logs a failing plugin and goes on; clears timers and calls stop', async () => {
    const { plugin, seen } = recorder();
    let ticks = 0;
    const failing: WatchPlugin = {
      name: 'boom',
      start(ctx) {
        ctx.every(30, () => {
          ticks++;
        });
      },
      onTicketEvent() {
        throw new Error('kaput');
      },
    };
    await startHost([failing, plugin]);
    writeFileSync(tfile('T-1'), ticketText({ id: 'T-1', title: 'Again' }));
    await waitFor(() => log.find((e) => e.type === 'plugin_error' && e.plugin === 'boom' && e.message === 'kaput'));
    await waitFor(() => seen.tickets.length === 1); // the other plugin still got it
    await waitFor(() => ticks >= 2);
    await host!.stop();
    const after = ticks;
    await sleep(100);
    expect(ticks).toBe(after);
    expect(seen.stopped).toBe(true);
    expect(log.at(-1)?.type).toBe('stopped');
  });
});
