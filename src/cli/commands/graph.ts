import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import { dot, graphJson, mermaid } from '../../core/diagram.js';
import { loadBoard } from '../../store/tickets.js';
import { action, common, openBoard, type CommonOptions } from '../context.js';
import { humanText, printJson, warn } from '../output.js';

interface Options extends CommonOptions {
  format: string;
}

const FORMATS = ['mermaid', 'dot'];

export function register(program: Command): Command {
  const cmd = program
    .command('graph')
    .description(
      'the dependency graph as a diagram: Mermaid (default) or Graphviz DOT; waves as groups, status as style',
    )
    .option('--format <format>', `${FORMATS.join(' or ')}`, 'mermaid');
  common(cmd);
  return cmd
    .addHelpText(
      'after',
      '\nEdges go from a dependency to the ticket that waits on it. Render with e.g.\n' +
        '  board graph > plan.mmd            (paste into a Markdown ```mermaid block)\n' +
        '  board graph --format dot | dot -Tsvg > plan.svg\n' +
        'JSON: {policy, open, nodes: [{id, title, status, assignee, wave, ready, blocked_by}],\n' +
        '       edges: [{from, to, missing}], missing: [id...], cycles: [[id...]]}',
    )
    .action(
      action(async (opts: Options) => {
        if (!FORMATS.includes(opts.format)) {
          throw usageError(`unknown graph format ${JSON.stringify(opts.format)}`, {
            hint: `use --format ${FORMATS.join(' or --format ')}`,
          });
        }
        const loaded = loadBoard(openBoard(opts));
        for (const b of loaded.broken)
          warn(`${String(b.error.message)}${b.error.line ? ` (line ${b.error.line})` : ''}`);
        if (opts.json) printJson(graphJson(loaded.graph));
        else process.stdout.write(humanText(opts.format === 'dot' ? dot(loaded.graph) : mermaid(loaded.graph)));
      }),
    );
}
