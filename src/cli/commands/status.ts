import { one } from '../format.js';
import type { Command } from 'commander';
import { formatDuration } from '../../core/duration.js';
import { ago } from '../../core/status.js';
import { boardStatus } from '../../store/status.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { bar, paint, printJson, println } from '../output.js';

const clock = (iso: string) => {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toTimeString().slice(0, 8);
};

export function register(program: Command): Command {
  const cmd = program
    .command('status')
    .description('the board at a glance: waves with progress, each agent\'s claims, leases, unread recados and last activity, the watcher');
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      '\nAgents: those in board.yaml, and anyone holding a claim. Last activity: the latest of a\n' +
        'recado it sent, a ticket it changed (updated_by), a read of its inbox.\n' +
        'JSON: {board, policy, open, waves: [{wave, tickets, done, total}], tickets: {total, todo, ...},\n' +
        'agents: [{name, role, listed, worktree, claims: [{id, title, status, since, expires, left_ms,\n' +
        'expired}], unread, last_activity: {at, what} | null}], watcher: {running, pid, since, state,\n' +
        'last_event, heartbeat, delivered, rejected, waiting, plugins}} (see the README).',
    )
    .action(
      action(async (opts: CommonOptions) => {
        const board = openBoard(opts);
        const now = new Date();
        const s = await boardStatus(board, now);
        if (opts.json) {
          printJson(s);
          return;
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
          println(`${open ? paint.bold('>') : ' '} ${open ? paint.bold(name) : name}  ${bar(w.done, w.total)}${w.done === w.total ? `  ${paint.green('done')}` : ''}`);
        }

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
              rows.push(i === 0 ? [name, a.role ?? '-', claim, lease, unread, last] : ['', '', claim, lease, '', '']);
            });
          }
          const head = ['AGENT', 'ROLE', 'CLAIM', 'LEASE', 'UNREAD', 'LAST ACTIVITY'];
          const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
          const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join('  ').trimEnd();
          println(paint.bold(line(head)));
          for (const r of rows) println(r[3] === 'ran out' ? line(r).replace('ran out', paint.red('ran out')) : line(r));
        }

        println('');
        const wt = s.watcher;
        if (wt.running) {
          const parts = [`pid ${wt.pid}`];
          if (wt.since) parts.push(`since ${clock(wt.since)}`);
          if (wt.last_event) parts.push(`last event ${ago(wt.last_event, now)}`);
          if (wt.delivered !== null) parts.push(`${wt.delivered} delivered`);
          if (wt.waiting) parts.push(`${wt.waiting} waiting`);
          println(`${paint.bold('Watcher:')} ${paint.green('running')} (${parts.join(', ')})${wt.plugins.length ? `; plugins: ${wt.plugins.join(', ')}` : ''}`);
        } else {
          println(`${paint.bold('Watcher:')} ${paint.yellow('not running')}${wt.last_event ? ` (last event ${ago(wt.last_event, now)})` : ''}: start it with \`board watch --detach\``);
        }
      }),
    );
}
