/** The watcher's event log: one JSON object per line (`--json`), or a line for people. */
import type { LoggedEvent } from './host.js';

const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));

function clock(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Who got an announcement from this sender, and who had it already. */
function told(e: Record<string, unknown>): string {
  const parts: string[] = [];
  if (Array.isArray(e.delivered) && e.delivered.length) parts.push(`told ${list(e.delivered)}`);
  if (Array.isArray(e.already) && e.already.length) parts.push(`already told ${list(e.already)}`);
  if (Array.isArray(e.skipped) && e.skipped.length) parts.push(`no inbox: ${list(e.skipped)}`);
  if (e.error) parts.push(`NOT SENT: ${e.error}`);
  return parts.join('; ') || 'nobody to tell';
}

export function jsonLine(ev: LoggedEvent): string {
  return JSON.stringify(ev);
}

export function humanLine(ev: LoggedEvent): string {
  const e = ev as Record<string, unknown>;
  let text: string;
  switch (ev.type) {
    case 'started':
      text = `watching ${e.board} (pid ${e.pid})`;
      break;
    case 'ready': {
      const parts = [`${e.tickets} ticket(s)`];
      if (e.delivered) parts.push(`caught up ${e.delivered} recado(s)`);
      if (e.rejected) parts.push(`rejected ${e.rejected}`);
      if (e.waiting) parts.push(`${e.waiting} waiting to be complete`);
      text = `ready in ${e.ms} ms: ${parts.join(', ')}`;
      break;
    }
    case 'delivered':
      text = `delivered ${e.id}  ${e.from} → ${list(e.to)}  "${e.subject}"${e.via === 'send' ? '  (board send)' : e.via === 'board' ? '  (from the board)' : ''}${e.resumed ? '  (resumed)' : ''}`;
      break;
    case 'rejected':
      text = `REFUSED ${e.source}: ${e.reason}; kept in ${e.file}${e.notified ? `, ${e.from} told` : ''}`;
      break;
    case 'waiting':
      text = `waiting for ${e.file} to be complete (${e.reason})`;
      break;
    case 'ticket':
      text = `ticket ${e.id} ${e.change === 'add' ? 'added' : e.change === 'unlink' ? 'removed' : 'changed'}${e.by ? ` (updated_by ${e.by})` : ''}${e.problem ? `: ${e.problem}` : ''}${e.own ? ` [${e.own}]` : ''}`;
      break;
    case 'edit_refused':
      text = `UNDID a hand edit of ${e.id}${e.author ? ` by ${e.author}` : ''}: ${e.reason} (${list(e.rules)}); ${e.action === 'restored' ? 'last valid version restored' : e.action === 'removed' ? 'new file taken out' : 'file left as it is now'}; kept in ${e.kept}${Array.isArray(e.notified) && e.notified.length ? `, ${list(e.notified)} told` : ''}${e.board_write ? ` (a board command by ${e.board_write} ran on top of it)` : ''}${e.recovered ? ' (finished after a restart)' : ''}`;
      break;
    case 'edit_accepted':
      text = `hand edit of ${e.id}${e.author ? ` by ${e.author}` : ''} checked: fine${e.new ? ' (new ticket)' : ''}`;
      break;
    case 'ticket_invalid':
      text = `ticket ${e.id} is invalid and has no valid version to go back to: ${e.problem}`;
      break;
    case 'lease_expired':
      text = `lease of ${e.holder} on ${e.id} ran out (${e.expired}); back to ${e.status}${Array.isArray(e.told) && e.told.length ? `, ${list(e.told)} told` : ''}`;
      break;
    case 'config':
      text = `board.yaml reloaded: agents ${list(e.agents) || '(none)'}`;
      break;
    case 'config_error':
      text = `board.yaml is invalid, keeping the last valid one: ${e.message}`;
      break;
    case 'error':
      text = `error: ${e.message}${e.file ? ` (${e.file})` : ''}`;
      break;
    case 'plugin_error':
      text = `plugin ${e.plugin} failed in ${e.hook}: ${e.message}`;
      break;
    // waves (waves.ts) and the git audit trail (audit.ts)
    case 'waves':
      text = `waves: ${e.open === null ? 'every wave done' : `wave ${e.open} open`} (${e.waves} wave(s), ${e.tickets} ticket(s), ${e.policy})${e.caught_up ? `, caught up ${e.caught_up} announcement(s)` : ''}`;
      break;
    case 'wave_open':
    case 'announce':
      text = `${e.subject}: ${told(e)}`;
      break;
    case 'wave_hold':
      text = `ticket ${e.id} held ${Number(e.ms) / 1000} s before it counts for waves (${e.reason})`;
      break;
    case 'audit':
      text = `git: committing board changes to branch ${e.branch}`;
      break;
    case 'audit_off':
      text = `git: not committing (${e.reason})`;
      break;
    case 'commit':
      text = `commit ${String(e.commit).slice(0, 7)} by ${e.author}: ${e.subject} (${e.files} file(s))`;
      break;
    case 'commit_failed':
      text = `COMMIT FAILED: ${e.reason}; ${e.kept} change(s) kept for the next batch (in ${Math.round(Number(e.retry_in_ms) / 1000)} s)`;
      break;
    case 'notified':
      text =
        e.via === 'tmux'
          ? `notified ${e.agent} in tmux ${e.target} (${e.how === 'type' ? `typed into ${e.command}` : 'status line'}; ${e.recados} recado(s))`
          : `notified ${e.agent}: notify command ran for ${e.id} (${e.ms} ms)`;
      break;
    case 'notify_error':
      text = `could not notify ${e.agent} (${e.via}): ${e.message}`;
      break;
    case 'stopping':
      text = `stopping${e.reason ? ` (${e.reason})` : ''}`;
      break;
    case 'stopped':
      text = `stopped (${e.delivered} delivered, ${e.rejected} refused)`;
      break;
    default: {
      const { time: _t, type, ...rest } = e;
      void _t;
      text = `${String(type)}${Object.keys(rest).length ? ' ' + JSON.stringify(rest) : ''}`;
    }
  }
  return `${clock(ev.time)}  ${text}`;
}
