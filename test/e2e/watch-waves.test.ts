/**
 * Waves with a real `board watch` running: tickets closed by hand (an agent saving
 * `status: done` in the file) and with `board close`; each wave announced exactly once to its
 * assignees and the orchestrator, the CLI and the watcher both computing it; a refused
 * version that is restored never counts; changes made while no watcher ran are announced on
 * the next start, and a restart replays nothing.
 * In-process: invalid versions leave the graph alone, a version nobody restores stands.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addAgent } from '../../src/store/agents.js';
import type { Board } from '../../src/store/board.js';
import { initBoard } from '../../src/store/init.js';
import { createTicket } from '../../src/store/tickets.js';
import { WatchHost, type LoggedEvent } from '../../src/watch/host.js';
import { HOLD_MS, WavesPlugin } from '../../src/watch/waves.js';
import { startWatcherProcess, tempRepo, ticketText, waitFor, type TempRepo } from '../helpers.js';

const repos: TempRepo[] = [];
const procs: ChildProcess[] = [];
let host: WatchHost | undefined;

afterEach(async () => {
  await host?.stop();
  host = undefined;
  for (const p of procs.splice(0)) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const r of repos.splice(0)) r.cleanup();
});

const AGENTS: Record<string, string> = { alice: 'dev', bob: 'dev', carol: 'dev', boss: 'orchestrator' };

function ok(repo: TempRepo, args: string[]): string {
  const r = repo.board(args);
  expect(r.code, `board ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

/** Every copy (unread and read) of recados whose id starts with `prefix` in an agent's inbox. */
function copies(repo: TempRepo, agent: string, prefix: string): string[] {
  const out: string[] = [];
  for (const box of ['new', 'cur']) {
    try {
      out.push(...readdirSync(repo.path('.board/inbox', agent, box)).filter((f) => f.startsWith(prefix.toLowerCase())));
    } catch {
      /* no such folder */
    }
  }
  return out.sort();
}

/** An agent editing the ticket file with its own tools: set front-matter lines, keep the rest. */
function handEdit(repo: TempRepo, id: string, fields: Record<string, string>): string {
  const file = `.board/tickets/${id}.md`;
  const before = repo.read(file);
  const end = before.indexOf('\n---', 3);
  let head = before.slice(0, end);
  for (const [k, v] of Object.entries(fields)) {
    const re = new RegExp(`^${k}:.*$`, 'm');
    head = re.test(head) ? head.replace(re, `${k}: ${v}`) : `${head}\n${k}: ${v}`;
  }
  repo.write(file, head + before.slice(end));
  return before;
}

interface Watcher {
  proc: ChildProcess;
  events: () => Record<string, unknown>[];
  stop: () => Promise<void>;
}

async function startWatcher(repo: TempRepo): Promise<Watcher> {
  const w = startWatcherProcess(repo.dir, { track: procs });
  // ready, and the waves plugin has its graph
  await w.until((e) => e.type === 'ready');
  await w.until((e) => e.type === 'waves');
  return {
    proc: w.proc,
    events: w.events,
    stop: async () => {
      if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
      expect(await w.stop(), w.output()).toBe(0);
    },
  };
}

/**
 * The plan: wave 1 A (alice), B (bob); wave 2 C <- A,B (carol), D <- A (alice);
 * wave 3 E <- C,D (bob); wave 4 F <- E (carol).
 */
function planRepo(): TempRepo {
  const repo = tempRepo();
  repos.push(repo);
  for (const [name, role] of Object.entries(AGENTS)) ok(repo, ['agent', 'add', name, '--role', role]);
  ok(repo, ['new', 'Schema', '--id', 'A', '--assignee', 'alice', '--as', 'boss']);
  ok(repo, ['new', 'Auth', '--id', 'B', '--assignee', 'bob', '--as', 'boss']);
  ok(repo, ['new', 'Login API', '--id', 'C', '--deps', 'A,B', '--assignee', 'carol', '--as', 'boss']);
  ok(repo, ['new', 'Sessions', '--id', 'D', '--deps', 'A', '--assignee', 'alice', '--as', 'boss']);
  ok(repo, ['new', 'Login page', '--id', 'E', '--deps', 'C,D', '--assignee', 'bob', '--as', 'boss']);
  ok(repo, ['new', 'Docs', '--id', 'F', '--deps', 'E', '--assignee', 'carol', '--as', 'boss']);
  return repo;
}

describe('waves with the watcher running', () => {
  it('announces each wave once, whether tickets are closed by hand or with board close', async () => {
    const repo = planRepo();
    let w = await startWatcher(repo);
    const waveEvents = (n: number) => w.events().filter((e) => e.type === 'wave_open' && e.wave === n);

    // wave 1 closed BY HAND: alice claims A with the CLI and saves `status: done` in the file;
    // bob saves B as done (unclaimed). No CLI announces these: the watcher does.
    ok(repo, ['claim', 'A', '--as', 'alice']);
    handEdit(repo, 'A', { status: 'done', updated_by: 'alice' });
    // strict: D's only dependency is done, but wave 1 is still open: alice is told so
    await waitFor(() => copies(repo, 'alice', 'board-deps-D-').length === 1);
    handEdit(repo, 'B', { status: 'done', updated_by: 'bob', updated: '2026-11-21T10:00:00Z' });
    await waitFor(() => waveEvents(2).length > 0);
    for (const who of ['alice', 'carol', 'boss']) await waitFor(() => copies(repo, who, 'board-wave-2-').length === 1);
    expect(copies(repo, 'bob', 'board-wave-')).toEqual([]); // nothing of bob's in wave 2
    const w2 = waveEvents(2)[0];
    expect(w2).toMatchObject({
      subject: 'wave 2 open (2 tickets)',
      delivered: ['alice', 'boss', 'carol'],
      already: [],
      cause: 'B',
      by: 'bob',
    });
    const recado = repo.read('.board/inbox/carol/new', copies(repo, 'carol', 'board-wave-2-')[0]);
    expect(recado).toMatch(/^from: board$/m);
    expect(recado).toContain('- C  Login API  (carol, ready)');

    // a refused version: bob marks D done although alice holds it; it is restored (as edit
    // enforcement does) before it could count; then alice closes D for real
    ok(repo, ['claim', 'D', '--as', 'alice']);
    ok(repo, ['claim', 'C', '--as', 'carol']);
    ok(repo, ['close', 'C', '--as', 'carol']);
    const held = handEdit(repo, 'D', { status: 'done', updated_by: 'bob' });
    await waitFor(() => w.events().some((e) => e.type === 'wave_hold' && e.id === 'D'));
    writeFileSync(repo.path('.board/tickets/D.md'), held);
    // wave 2 closed WITH THE CLI while the watcher runs: both compute wave 3, one delivers
    ok(repo, ['close', 'D', '--as', 'alice']);
    for (const who of ['bob', 'boss']) await waitFor(() => copies(repo, who, 'board-wave-3-').length === 1);
    await waitFor(() => waveEvents(3).length > 0);
    const w3 = waveEvents(3);
    expect(w3).toHaveLength(1); // the restored version never opened it
    const got = [...(w3[0].delivered as string[]), ...(w3[0].already as string[])].sort();
    expect(got).toEqual(['bob', 'boss']); // the watcher tried everyone; whoever was second delivered nothing
    expect(copies(repo, 'alice', 'board-wave-3-')).toEqual([]);

    // the watcher goes down; bob closes E by hand meanwhile (nobody announces wave 4 yet)
    await w.stop();
    handEdit(repo, 'E', { status: 'done', updated_by: 'bob' });
    expect(copies(repo, 'carol', 'board-wave-4-')).toEqual([]);
    w = await startWatcher(repo);
    for (const who of ['carol', 'boss']) await waitFor(() => copies(repo, who, 'board-wave-4-').length === 1);
    const start = w.events().find((e) => e.type === 'waves')!;
    expect(start).toMatchObject({ saved: true, caught_up: 1, open: 4 });
    expect(waveEvents(4)[0]).toMatchObject({ catch_up: true, delivered: ['boss', 'carol'] });
    await w.stop();

    // a restart with nothing new announces nothing (history is not replayed)
    w = await startWatcher(repo);
    expect(w.events().find((e) => e.type === 'waves')).toMatchObject({ caught_up: 0 });
    expect(w.events().filter((e) => e.type === 'wave_open' || e.type === 'announce')).toEqual([]);
    await w.stop();

    // in all: every wave exactly once to each of its recipients, nothing twice anywhere
    expect(copies(repo, 'boss', 'board-').map((f) => f.replace(/-[0-9a-f]{16}\.md$/, ''))).toEqual([
      'board-wave-2',
      'board-wave-3',
      'board-wave-4',
    ]);
    expect(copies(repo, 'alice', 'board-wave-')).toHaveLength(1);
    expect(copies(repo, 'bob', 'board-wave-')).toHaveLength(1);
    expect(copies(repo, 'carol', 'board-wave-')).toHaveLength(2);
  });
});

describe('the waves plugin in-process', () => {
  let board: Board;
  let log: LoggedEvent[];

  async function setup() {
    const repo = tempRepo({ init: false, git: false });
    repos.push(repo);
    board = initBoard(repo.dir).board;
    await addAgent(board, 'ana', { role: 'dev' });
    await addAgent(board, 'boss', { role: 'orchestrator' });
    createTicket(board, { id: 'A', title: 'First', assignee: 'ana' }, 'boss');
    createTicket(board, { id: 'B', title: 'Second', deps: ['A'], assignee: 'ana' }, 'boss');
    log = [];
    const plugin = new WavesPlugin();
    host = new WatchHost({ board, plugins: [plugin], onEvent: (e) => log.push(e), tickMs: 200, stateFile: false });
    await host.start();
    await waitFor(() => log.some((e) => e.type === 'waves'));
    return { repo, plugin };
  }

  const file = (id: string) => join(board.ticketsDir, `${id}.md`);
  const opened = () => log.filter((e) => e.type === 'wave_open');

  it('an invalid version does not change the graph; a valid one does', async () => {
    const { plugin } = await setup();
    // done, but with a field the board refuses: not a version of the ticket
    writeFileSync(
      file('A'),
      ticketText({ id: 'A', title: 'First', status: 'done', priority: 'urgent', updated_by: 'ana' }),
    );
    await waitFor(() => log.some((e) => e.type === 'ticket' && e.id === 'A' && e.problem));
    // a later event is handled after this one: the graph has not moved
    writeFileSync(file('Z'), ticketText({ id: 'Z', title: 'Later', deps: '[B]' }));
    await waitFor(() => plugin.current.has('Z'));
    expect(plugin.current.node('A')?.status).toBe('todo');
    expect(plugin.current.openWave).toBe(1);
    expect(opened()).toEqual([]);

    writeFileSync(
      file('A'),
      ticketText({ id: 'A', title: 'First', status: 'done', assignee: 'ana', updated_by: 'ana' }),
    );
    await waitFor(() => opened().length === 1);
    expect(plugin.current.openWave).toBe(2);
    expect(opened()[0]).toMatchObject({ wave: 2, delivered: ['ana', 'boss'] });
  });

  it('a version that breaks a hand-edit rule counts only if nobody restores it', async () => {
    const { plugin } = await setup();
    // B done while A is open: held back
    const t0 = Date.now();
    writeFileSync(
      file('B'),
      ticketText({ id: 'B', title: 'Second', status: 'done', deps: '[A]', assignee: 'ana', updated_by: 'ana' }),
    );
    const hold = await waitFor(() => log.find((e) => e.type === 'wave_hold' && e.id === 'B'));
    expect(String(hold.reason)).toMatch(/cannot be done while dependency A is open/);
    expect(plugin.current.node('B')?.status).toBe('todo');
    // nobody restores it (no enforcement here): after the hold it is the ticket's version
    await waitFor(() => plugin.current.node('B')?.status === 'done', HOLD_MS + 5_000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(HOLD_MS - 100);
  });
});
