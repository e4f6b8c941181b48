/**
 * Rendering the text that opens a conversation for an agent from a user-editable template.
 * Pure: `{{name}}` placeholders are replaced by the given values; unknown ones are left as
 * they are so a typo in a template shows up in the output instead of vanishing.
 */
import { escapeText } from './escape.js';
import type { WaveSummary } from './graph.js';
import type { TicketJson } from './ticket.js';

/** The prompt stays short enough to read in one go (and to paste as a first message). */
export const PROMPT_MAX_WORDS = 700;
/** At most this many tickets are listed; the rest are counted. */
export const PROMPT_MAX_TICKETS = 8;
/** Titles in the list are cut to this many characters. */
const TITLE_MAX = 48;

export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, key: string) => (key in values ? values[key] : m));
}

/** The agent's open tickets as a Markdown list, most urgent first (at most `max`). */
export function ticketLines(tickets: TicketJson[], agent?: string, max = PROMPT_MAX_TICKETS): string {
  if (!tickets.length) return '- none yet: `board next` will find one for you.';
  const lines = tickets.slice(0, max).map((t) => {
    const state = t.claim
      ? t.claim.by === agent
        ? `claimed by you until ${t.claim.expires}`
        : `claimed by ${t.claim.by}`
      : t.ready
        ? 'ready'
        : t.blocked_by.length
          ? `waits on ${t.blocked_by.slice(0, 2).join(', ')}${t.blocked_by.length > 2 ? ` +${t.blocked_by.length - 2}` : ''}`
          : t.status;
    // a title is one line: one written with a newline (by hand) is shown escaped, never as a new line
    const full = escapeText(t.title, { oneLine: true });
    const title = full.length > TITLE_MAX ? `${full.slice(0, TITLE_MAX - 1)}…` : full;
    return `- ${t.id} [${t.status}] ${title} (wave ${t.wave ?? '-'}, P${t.priority}, ${state})`;
  });
  if (tickets.length > max)
    lines.push(`- … and ${tickets.length - max} more: \`board list --assignee ${agent ?? 'NAME'}\``);
  return lines.join('\n');
}

/** "2 (1 of 3 tickets done)", or a word when there is no open wave. */
export function openWaveLine(open: number | null, waves: WaveSummary[]): string {
  if (!waves.length) return 'none (no tickets yet)';
  if (open === null) return 'none (every wave is done)';
  const w = waves.find((x) => x.wave === open);
  return w ? `${open} of ${waves.length} (${w.done} of ${w.total} tickets done)` : String(open);
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
