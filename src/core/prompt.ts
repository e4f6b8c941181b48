/**
 * Rendering the text that opens a conversation for an agent from a user-editable template.
 * Pure: `{{name}}` placeholders are replaced by the given values; unknown ones are left as
 * they are so a typo in a template shows up in the output instead of vanishing.
 */
import type { TicketJson } from './ticket.js';

export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, key: string) => (key in values ? values[key] : m));
}

/** The agent's open tickets as a Markdown list, most urgent first. */
export function ticketLines(tickets: TicketJson[]): string {
  if (!tickets.length) return '- none yet: `board next` will find one for you.';
  return tickets
    .map((t) => {
      const state = t.claim ? `claimed by ${t.claim.by}` : t.ready ? 'ready' : t.blocked_by.length ? `waits on ${t.blocked_by.join(', ')}` : t.status;
      return `- ${t.id} [${t.status}] ${t.title} (wave ${t.wave ?? '-'}, priority ${t.priority}, ${state})`;
    })
    .join('\n');
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
