import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { STATUSES } from '../../core/ticket.js';
import { loadBoard } from '../../store/tickets.js';
import { action, common, intOption, list, openBoard, type CommonOptions } from '../context.js';
import { ticketTable } from '../format.js';
import { printJson, println, warn } from '../output.js';

interface Options extends CommonOptions {
  status?: string[];
  assignee?: string;
  label?: string[];
  ready?: boolean;
  wave?: number;
  all?: boolean;
}

export { byPlanOrder } from '../../agents/prompt.js';
import { byPlanOrder } from '../../agents/prompt.js';

export function register(program: Command): Command {
  const cmd = program
    .command('list')
    .description('list tickets (open ones by default), in plan order: wave, priority, age')
    .option('--status <statuses>', 'only these statuses, comma-separated', list)
    .option('--assignee <name>', 'only tickets assigned to (or claimed by) NAME')
    .option('--label <labels>', 'only tickets with all these labels', list)
    .option('--ready', 'only tickets that are ready to start')
    .option('--wave <n>', 'only tickets of wave N', intOption('--wave'))
    .option('--all', 'include done and cancelled tickets');
  common(cmd);
  return cmd
    .addHelpText('after', '\nA ticket file that cannot be read is named on stderr; the others are still listed.')
    .action(
      action(async (opts: Options) => {
        for (const s of opts.status ?? []) {
          if (!(STATUSES as readonly string[]).includes(s))
            throw usageError(`unknown status ${JSON.stringify(s)}`, { hint: `use one of: ${STATUSES.join(', ')}` });
        }
        const loaded = loadBoard(openBoard(opts));
        const brokenIds = new Set(loaded.broken.map((b) => b.id));
        let out = [...loaded.tickets.values()].filter((t) => !brokenIds.has(t.id)).map((t) => loaded.json(t));
        if (opts.status) out = out.filter((t) => opts.status!.includes(t.status));
        else if (!opts.all && !opts.ready) out = out.filter((t) => t.status !== 'done' && t.status !== 'cancelled');
        if (opts.assignee) out = out.filter((t) => t.assignee === opts.assignee || t.claim?.by === opts.assignee);
        if (opts.label) out = out.filter((t) => opts.label!.every((l) => t.labels.includes(l)));
        if (opts.ready) out = out.filter((t) => t.ready);
        if (opts.wave !== undefined) out = out.filter((t) => t.wave === opts.wave);
        out.sort(byPlanOrder);
        for (const b of loaded.broken)
          warn(`${String(b.error.message)}${b.error.line ? ` (line ${b.error.line})` : ''}`);
        if (opts.json) printJson(out);
        else if (out.length === 0) println('no tickets match');
        else for (const line of ticketTable(out)) println(line);
      }),
    );
}
