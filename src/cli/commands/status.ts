import { one } from '../format.js';
import type { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { describeState } from '../../core/agents.js';
import { usageError } from '../../core/errors.js';
import { ago, type BoardStatus } from '../../core/status.js';
import type { IntegrationSummary } from '../../core/integrate.js';
import type { Board } from '../../store/board.js';
import { boardStatus } from '../../store/status.js';
import { terminalSafe } from '../../core/notify.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { integrationLines } from '../integrate-status.js';
import { bar, paint, printJson, println } from '../output.js';

/** Text from files, for a terminal: no control or bidi characters. */
const safe = (t: string) => terminalSafe(t);

const clock = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toTimeString().slice(0, 8);
};

export function register(program: Command): Command {
  const cmd = program
    .command('status')
    .description(
      "the board at a glance: waves with progress, each agent's claims, leases, unread recados and last activity, the watcher",
    );
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      '\nAgents: those in board.yaml, and anyone holding a claim. Last activity: the latest of a\n' +
        'recado it sent, a ticket it changed (updated_by), a read of its inbox.\n' +
        'JSON: {board, policy, open, waves: [{wave, tickets, done, total}], tickets: {total, todo, ...},\n' +
        'agents: [{name, role, listed, worktree, claims: [{id, title, status, since, expires, left_ms,\n' +
        'expired}], unread, last_activity: {at, what} | null}], watcher: {running, pid, since, state,\n' +
        'last_event, heartbeat, delivered, rejected, waiting, plugins}, needs_you: {agents: [{name,\n' +
        'state, since, detail}], review: [{id, title, assignee}], rejected: [{file, kind, reason, from,\n' +
        'at}]}, integration: null | {branch, counts, waves: [{wave, counts}], pending: [{id, title, wave,\n' +
        'state, files?, message?}]}}; each agent also has state: {state, since, tool, detail, target, hooks}\n' +
        '| null (its live state: starting, working, waiting, idle, stopped, dead; see docs/agents.md and\n' +
        'docs/json.md). --watch (a terminal only): redraws in place on every change of the board, until Ctrl-C.',
    )
    .option('--watch', 'redraw in place on every change (a terminal only)')
    .action(
      action(async (opts: CommonOptions & { watch?: boolean }) => {
        const board = openBoard(opts);
        if (opts.watch) {
          if (opts.json || !process.stdout.isTTY)
            throw usageError('status --watch needs a terminal (and no --json)', {
              hint: 'run it in a terminal, or use board status --json once',
            });
          return watchStatus(board, async () => {
            const now = new Date();
            return render(
              board,
              await boardStatus(
                board,
                await import('../../watch/daemon.js'),
                now,
                (await import('../../agents/live.js')).agentStates,
              ),
              now,
            );
          });
        }
        const now = new Date();
        const s = await boardStatus(
          board,
          await import('../../watch/daemon.js'),
          now,
          (await import('../../agents/live.js')).agentStates,
        );
        if (opts.json) {
          printJson(s);
          return;
        }
        for (const l of render(board, s, now)) println(l);
      }),
    );
}

/** Redraw on every change under .board/ (fs.watch; tmp/, locks/ and run/ but run/agents/ ignored). */
async function watchStatus(board: Board, draw: () => Promise<string[]>): Promise<void> {
  const { watch } = await import('node:fs');
  let timer: NodeJS.Timeout | null = null;
  let busy = false;
  let again = false;
  const redraw = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const lines = await draw();
      process.stdout.write(`\u001b[H\u001b[2J${lines.join('\n')}\n`);
    } finally {
      busy = false;
      if (again) {
        again = false;
        void redraw();
      }
    }
  };
  await redraw();
  const w = watch(board.root, { recursive: true }, (_ev, name) => {
    const n = String(name ?? '');
    if (/^(tmp|locks)(\/|$)/.test(n) || (/^run(\/|$)/.test(n) && !/^run\/(agents\/|watcher\.json)/.test(n))) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void redraw(), 100);
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => {
      w.close();
      resolve();
    });
  });
}

function render(board: Board, s: BoardStatus & { integration: IntegrationSummary | null }, now: Date): string[] {
  const out: string[] = [];
  const println = (l = '') => out.push(l);
  {
    const ny = s.needs_you;
    if (ny.agents.length || ny.review.length || ny.rejected.length) {
      println(paint.bold(paint.yellow('Needs you')));
      for (const a of ny.agents)
        println(
          `  ${a.name} ${a.state === 'dead' ? paint.red('dead') : paint.yellow(`waiting${a.detail ? ` (${safe(a.detail)})` : ''}`)} since ${clock(a.since)}: ${a.state === 'dead' ? `board peek ${a.name}, board up ${a.name}` : `board attach ${a.name}`}`,
        );
      for (const t of ny.review)
        println(`  ${t.id} in review${t.assignee ? ` (${t.assignee})` : ''}: ${safe(t.title)}`);
      for (const r of ny.rejected)
        println(
          `  ${r.kind}${r.from ? ` from ${safe(r.from)}` : ''} ${ago(r.at, now)}: ${safe(r.reason).slice(0, 100)} (${safe(r.file)})`,
        );
      println('');
    }
    const done = s.tickets.done + s.tickets.cancelled;
    println(
      `${paint.bold('Board')} ${board.root}  (waves ${s.policy}; ` +
        `${s.waves.length === 0 ? 'no tickets yet' : s.open === null ? 'all waves done' : `wave ${s.open} of ${s.waves.length} open`}` +
        `${s.tickets.total ? `, ${done}/${s.tickets.total} tickets done` : ''})`,
    );
    const width = String(s.waves.at(-1)?.wave ?? 1).length;
    for (const w of s.waves) {
      const open = w.wave === s.open;
      const name = `wave ${String(w.wave).padStart(width)}`;
      println(
        `${open ? paint.bold('>') : ' '} ${open ? paint.bold(name) : name}  ${bar(w.done, w.total)}${w.done === w.total ? `  ${paint.green('done')}` : ''}`,
      );
    }

    for (const l of integrationLines(s.integration)) println(l);

    println('');
    if (!s.agents.length) println('No agents yet: `board agent add NAME --role ROLE` adds one.');
    else {
      const rows: string[][] = [];
      for (const a of s.agents) {
        const last = a.last_activity ? `${ago(a.last_activity.at, now)}: ${a.last_activity.what}` : '-';
        const unread = a.unread === null ? 'no inbox' : String(a.unread);
        const name = a.listed ? a.name : `${a.name} (not in board.yaml)`;
        const claims = a.claims.length ? a.claims : [null];
        claims.forEach((c, i) => {
          const title = one(c?.title ?? '');
          const claim = c ? `${c.id} ${title.length > 28 ? `${title.slice(0, 27)}…` : title}` : '-';
          const lease = c ? (c.expired ? 'ran out' : `${formatDuration(c.left_ms)} left`) : '';
          const state = a.state ? `${describeState(a.state)} ${ago(a.state.since, now)}` : '-';
          rows.push(
            (i === 0
              ? [name, a.role ?? '-', state, claim, lease, unread, last]
              : ['', '', '', claim, lease, '', '']
            ).map(safe),
          );
        });
      }
      const head = ['AGENT', 'ROLE', 'STATE', 'CLAIM', 'LEASE', 'UNREAD', 'LAST ACTIVITY'];
      const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (r: string[]) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i])))
          .join('  ')
          .trimEnd();
      println(paint.bold(line(head)));
      for (const r of rows) println(r[4] === 'ran out' ? line(r).replace('ran out', paint.red('ran out')) : line(r));
    }

    println('');
    const wt = s.watcher;
    if (wt.running) {
      const parts = [`pid ${wt.pid}`];
      if (wt.since) parts.push(`since ${clock(wt.since)}`);
      if (wt.last_event) parts.push(`last event ${ago(wt.last_event, now)}`);
      if (wt.delivered !== null) parts.push(`${wt.delivered} delivered`);
      if (wt.waiting) parts.push(`${wt.waiting} waiting`);
      println(
        `${paint.bold('Watcher:')} ${paint.green('running')} (${parts.join(', ')})${wt.plugins.length ? `; plugins: ${wt.plugins.join(', ')}` : ''}`,
      );
    } else {
      println(
        `${paint.bold('Watcher:')} ${paint.yellow('not running')}${wt.last_event ? ` (last event ${ago(wt.last_event, now)})` : ''}: start it with \`board watch --detach\``,
      );
    }
  }
  return out;
}
