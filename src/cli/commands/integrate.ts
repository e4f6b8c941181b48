import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { oneLine, STRATEGIES, type Strategy } from '../../core/integrate.js';
import { checkTicketId } from '../../core/names.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { paint, printJson, println } from '../output.js';

interface Options extends CommonOptions {
  strategy?: string;
  update?: boolean;
}

const FAILED = new Set(['conflict', 'check_failed', 'missing']);

export function register(program: Command): Command {
  const cmd = program
    .command('integrate')
    .description(
      'merge the work of closed tickets into the integration branch, in wave order (checked first when integrate.check is set)',
    )
    .argument('[ids...]', 'only these tickets (default: every closed ticket not integrated yet)')
    .option('--strategy <s>', 'merge (default: integrate.strategy) or squash, for every ticket of this run')
    .option('--no-update', "do not bring the open wave's worktrees up to date afterwards");
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      '\nThe merges happen in a private worktree of the board (never in your checkout); the branch\n' +
        '(board.yaml integrate.branch, default "integration", made from the main branch) moves only\n' +
        'to a merge that succeeded and passed integrate.check. A conflict or a failed check leaves it\n' +
        'unchanged, marks the ticket and tells its author (and the person) by recado.\n' +
        'Exit 0: done (also when nothing was due); 4: a ticket ended in conflict, check_failed or\n' +
        'missing, or another integration is running. JSON: {branch, base, before, after, recovered,\n' +
        'tickets: [{id, title, wave, result, commit?, files?, message?, check?, told?}], updated: [...], ms}.\n' +
        'See docs/integrate.md.',
    )
    .action(
      action(async (ids: string[], opts: Options) => {
        for (const id of ids) checkTicketId(id);
        if (opts.strategy !== undefined && !STRATEGIES.includes(opts.strategy as Strategy)) {
          throw usageError(`unknown strategy ${JSON.stringify(opts.strategy)}`, { hint: 'use merge or squash' });
        }
        const board = openBoard(opts);
        const { integrate } = await import('../../git/integrate.js');
        const report = await integrate(board, {
          ids,
          strategy: opts.strategy as Strategy | undefined,
          update: opts.update === false ? false : undefined,
        });
        if (report.tickets.some((t) => FAILED.has(t.result))) process.exitCode = 4;
        if (opts.json) return printJson(report);
        if (report.recovered)
          println(
            `an interrupted integration of ${report.recovered.ticket} was ${report.recovered.action === 'finished' ? 'finished' : 'rolled back'}`,
          );
        if (!report.tickets.length) println(`nothing to integrate: every closed ticket is in ${report.branch}`);
        for (const t of report.tickets) {
          const head = `${t.id} ${oneLine(t.title, 50)}`;
          switch (t.result) {
            case 'integrated':
              println(
                `${paint.green('integrated')}  ${head}  ${paint.dim(t.commit!.slice(0, 9))}${t.message ? `  (${oneLine(t.message)})` : ''}`,
              );
              break;
            case 'already':
              println(`${paint.green('integrated')}  ${head}  (already in ${report.branch})`);
              break;
            case 'empty':
              println(`${paint.dim('empty')}       ${head}  ${oneLine(t.message ?? '')}`);
              break;
            case 'waiting':
              println(`${paint.yellow('waiting')}     ${head}  ${oneLine(t.message ?? '')}`);
              break;
            case 'conflict':
              println(`${paint.red('conflict')}    ${head}  ${oneLine(t.message ?? '')}`);
              for (const f of (t.files ?? []).slice(0, 20)) println(`              ${oneLine(f, 200)}`);
              break;
            case 'check_failed':
              println(`${paint.red('check failed')} ${head}  ${oneLine(t.message ?? '')}`);
              break;
            case 'missing':
              println(`${paint.red('missing')}     ${head}  ${oneLine(t.message ?? '')}`);
              break;
            default:
              println(`skipped     ${head}  ${oneLine(t.message ?? '')}`);
          }
          if (t.told?.length) println(`              told ${t.told.join(', ')}`);
        }
        for (const u of report.updated)
          println(
            `worktree of ${u.agent}: ${u.result.replace('_', ' ')}${u.message ? ` (${oneLine(u.message)})` : ''}`,
          );
        if (report.before !== report.after)
          println(`${report.branch}: ${report.before?.slice(0, 9)} -> ${report.after?.slice(0, 9)}`);
      }),
    );
}
