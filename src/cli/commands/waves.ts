import type { Command } from 'commander';
import { loadBoard } from '../../store/tickets.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { bar, paint, printJson, println, warn } from '../output.js';

export function register(program: Command): Command {
  const cmd = program
    .command('waves')
    .description('the plan in waves: each wave with its tickets and progress, and which wave is open');
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      '\nWave of a ticket = 1 + the largest wave of its dependencies (none: wave 1).\n' +
        'Policy strict (board.yaml `waves:`): only the open wave (the lowest one not finished) is ready.\n' +
        'Policy flow: a ticket is ready as soon as its own dependencies are done or cancelled.\n' +
        'JSON: {policy, open, waves: [{wave, tickets: [id...], done, total}], cycles: [[id...]]}',
    )
    .action(
      action(async (opts: CommonOptions) => {
        const loaded = loadBoard(openBoard(opts));
        const g = loaded.graph;
        const waves = g.waves();
        if (opts.json) {
          printJson({ policy: g.policy, open: g.openWave, waves, cycles: g.cycles });
          return;
        }
        for (const b of loaded.broken)
          warn(`${String(b.error.message)}${b.error.line ? ` (line ${b.error.line})` : ''}`);
        const done = waves.reduce((n, w) => n + w.done, 0);
        const total = waves.reduce((n, w) => n + w.total, 0);
        println(
          `${paint.bold('Waves')} (${g.policy}): ${waves.length === 0 ? 'no tickets' : g.openWave === null ? 'all done' : `wave ${g.openWave} open`}` +
            (total ? `, ${done}/${total} tickets done` : ''),
        );
        const width = String(waves.at(-1)?.wave ?? 1).length;
        for (const w of waves) {
          const open = w.wave === g.openWave;
          const ready = w.tickets.filter((id) => g.derived(id).ready);
          let note = '';
          if (w.done === w.total) note = paint.green('done');
          else if (open || ready.length) {
            const left = w.tickets
              .map((id) => g.node(id)!)
              .filter((t) => t.status !== 'done' && t.status !== 'cancelled')
              .map((t) => {
                const d = g.derived(t.id);
                const who = t.claim ? `${t.claim.by}*` : (t.assignee ?? 'unassigned');
                const state = d.ready
                  ? paint.green('ready')
                  : t.status === 'todo' && d.blocked_by.length
                    ? `waits on ${d.blocked_by.join(', ')}`
                    : t.status;
                return `${t.id} ${state} (${who})`;
              });
            note = left.length > 6 ? `${left.slice(0, 6).join(', ')}, … (${left.length - 6} more)` : left.join(', ');
            if (!open) note = `${ready.length} ready: ${note}`;
          }
          const mark = open ? paint.bold('>') : ' ';
          const name = `wave ${String(w.wave).padStart(width)}`;
          println(`${mark} ${open ? paint.bold(name) : name}  ${bar(w.done, w.total)}  ${note}`.trimEnd());
        }
        for (const c of g.cycles)
          println(paint.red(`  no wave: dependency cycle through ${c.join(', ')} (see \`board doctor\`)`));
        const behind = [...g.nodes()].filter((t) => g.waveOf(t.id) === null && !g.cycles.some((c) => c.includes(t.id)));
        if (behind.length)
          println(
            paint.red(
              `  no wave: ${behind
                .map((t) => t.id)
                .sort()
                .join(', ')} (behind a cycle)`,
            ),
          );
      }),
    );
}
