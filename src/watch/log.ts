/** The watcher's event log: one JSON object per line (`--json`), or a line for people. */
import type { LoggedEvent } from './host.js';

const list = (v: unknown) => (Array.isArray(v) ? v.join(', ') : String(v ?? ''));

function clock(iso: string): string {
  const d = new Date(iso);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
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
    case 'notified':
      text = e.via === 'tmux'
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
