/**
 * Who may talk to `board web`, checked on every request before anything else:
 *
 * - Host: only the address the board is served on (127.0.0.1, localhost, [::1] with the
 *   port, or the --host address). Anything else is a DNS-rebinding page and gets 421.
 * - The token: a cookie set when the printed URL (`/?token=…`) is opened, or
 *   `Authorization: Bearer TOKEN`. Without it: 401. Compared in constant time.
 * - A POST authenticated by the cookie (a browser) must come from the board's own page:
 *   `Origin` equal to the served origin and `X-CSRF-Token` equal to the page's CSRF token
 *   (a hash of the token, given to the page in its HTML). A POST with the Bearer token is a
 *   program, which no other site can make a browser send: no Origin check.
 *
 * The token lives in .board/run/web.token (mode 0600), so a restarted server accepts the
 * pages and cookies it gave out before.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { writeAtomic } from '../store/atomic.js';
import type { Board } from '../store/board.js';
import { ensureDir } from '../store/nolink.js';

export const tokenFile = (board: Board) => join(board.runDir, 'web.token');

/** The board's web token: the one kept in run/web.token, or a new one written there. */
export function boardToken(board: Board): string {
  try {
    const t = readFileSync(tokenFile(board), 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(t)) return t;
  } catch {
    /* none yet */
  }
  const t = randomBytes(32).toString('hex');
  ensureDir(board.runDir);
  ensureDir(board.tmpDir);
  writeAtomic(board.tmpDir, tokenFile(board), t + '\n', { mode: 0o600 });
  return t;
}

export type Verdict = { ok: true; via: 'cookie' | 'bearer' | 'query' } | { ok: false; status: number; message: string };

const same = (a: string, b: string) => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

function cookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

export const isLoopback = (host: string) => LOOPBACK.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host);

export class Guard {
  readonly csrf: string;
  readonly cookieName: string;
  private hosts = new Set<string>();

  constructor(readonly token: string) {
    this.csrf = createHmac('sha256', token).update('csrf').digest('hex');
    // one cookie per board: two boards served on one machine share the cookie jar of 127.0.0.1
    this.cookieName = `recado_${createHmac('sha256', token).update('cookie').digest('hex').slice(0, 12)}`;
  }

  /** The Host values this server answers to, once its port is known. */
  serve(port: number, host: string): void {
    this.hosts.clear();
    const fmt = (h: string) => (h.includes(':') ? `[${h}]` : h);
    for (const h of ['127.0.0.1', 'localhost', '::1', host]) this.hosts.add(`${fmt(h)}:${port}`.toLowerCase());
  }

  hostAllowed(req: IncomingMessage): boolean {
    return this.hosts.has(String(req.headers.host ?? '').toLowerCase());
  }

  /** Is this request allowed to read? (Host first, then the token.) */
  check(req: IncomingMessage, url: URL): Verdict {
    if (!this.hostAllowed(req)) {
      return {
        ok: false,
        status: 421,
        message: `refused: Host ${JSON.stringify(String(req.headers.host ?? ''))} is not the address this board is served on`,
      };
    }
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ') && same(auth.slice(7).trim(), this.token)) return { ok: true, via: 'bearer' };
    const c = cookies(req.headers.cookie).get(this.cookieName);
    if (c && same(c, this.token)) return { ok: true, via: 'cookie' };
    const q = url.searchParams.get('token');
    if (q && req.method === 'GET' && same(q, this.token)) return { ok: true, via: 'query' };
    return {
      ok: false,
      status: 401,
      message:
        'the board token is required: open the URL `board web` printed (it carries the token), or send `Authorization: Bearer TOKEN`',
    };
  }

  /** May this request change something? (Browsers: same origin and the CSRF token.) */
  checkWrite(req: IncomingMessage, via: 'cookie' | 'bearer' | 'query'): Verdict {
    if (via === 'bearer') return { ok: true, via };
    if (via === 'query')
      return {
        ok: false,
        status: 403,
        message: 'refused: a change needs the cookie or the Bearer token, not a token in the URL',
      };
    const origin = String(req.headers.origin ?? '');
    if (origin !== `http://${req.headers.host}`) {
      return {
        ok: false,
        status: 403,
        message: `refused: a change must come from the board's own page (Origin ${JSON.stringify(origin)})`,
      };
    }
    const t = req.headers['x-csrf-token'];
    if (typeof t !== 'string' || !same(t, this.csrf))
      return { ok: false, status: 403, message: 'refused: missing or wrong CSRF token (reload the page)' };
    return { ok: true, via };
  }

  setCookie(): string {
    return `${this.cookieName}=${this.token}; HttpOnly; SameSite=Strict; Path=/`;
  }
}
