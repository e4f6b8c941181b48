/**
 * The integration part of `board status` (kept apart from the rest of status): per wave and
 * per ticket, integrated, waiting, check failed, conflict, empty, missing.
 */
import { countsText, oneLine, type IntegrationSummary } from '../core/integrate.js';
import { paint } from './output.js';

/** Lines to print (none without an integration branch). */
export function integrationLines(s: IntegrationSummary | null): string[] {
  const out: string[] = [];
  const println = (l = '') => out.push(l);
  if (!s) return out;
  println('');
  println(`${paint.bold('Integration')} into ${s.branch}: ${countsText(s.counts)}`);
  for (const w of s.waves) println(`  ${w.wave === null ? 'no wave' : `wave ${w.wave}`}: ${countsText(w.counts)}`);
  for (const p of s.pending.slice(0, 10)) {
    const state = p.state === 'waiting' ? paint.yellow('waiting') : paint.red(p.state.replace('_', ' '));
    const files = p.files?.length
      ? ` (${p.files
          .slice(0, 3)
          .map((f) => oneLine(f, 60))
          .join(', ')}${p.files.length > 3 ? ', ...' : ''})`
      : '';
    println(
      `  ${state} ${p.id} ${oneLine(p.title, 40)}${files}${p.message && !files ? ` (${oneLine(p.message, 80)})` : ''}`,
    );
  }
  if (s.pending.length > 10) println(`  ... ${s.pending.length - 10} more (board integrate --json)`);
  return out;
}
