/**
 * The HTTP side of `board web` (node:http, no framework): the guard on every request, the
 * page and its static files, the JSON API (api.ts) and the event stream.
 *
 * Event stream (GET /api/events): server-sent events from LiveBoard. A page passes the id of
 * the last event it has (the `Last-Event-ID` header on a reconnect, or `?since=` on its first
 * connection: the id that came with the data it loaded); it gets the events it missed, or a
 * `reset` event when they are gone (the server restarted): the page then loads everything
 * again. A comment line every HEARTBEAT_MS keeps proxies and the browser from timing out;
 * the timer only runs while a page is connected.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { BoardError } from '../core/errors.js';
import { packagePath } from '../store/package.js';
import { RawJson, type Api } from './api.js';
import type { Guard } from './guard.js';
import type { LiveBoard, StreamEvent } from './live.js';

export const HEARTBEAT_MS = 20_000;
const MAX_BODY = 1 << 20;
const MAX_BACKLOG = 16 << 20;

const STATUS_OF: Record<string, number> = { usage: 400, invalid: 400, not_found: 404, conflict: 409, internal: 500 };

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
};

interface Asset {
  type: string;
  body: Buffer;
  gz: Buffer;
  etag: string;
}

const TYPES: Record<string, string> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  html: 'text/html; charset=utf-8',
  svg: 'image/svg+xml',
};

export const ASSET_NAMES = ['app.js', 'app.css', 'graph.js', 'favicon.svg'];

function loadAssets(): Map<string, Asset> {
  const out = new Map<string, Asset>();
  for (const name of ASSET_NAMES) {
    const body = readFileSync(packagePath('src', 'web', 'assets', name));
    out.set(`/${name}`, {
      type: TYPES[name.split('.').pop()!],
      body,
      gz: gzipSync(body),
      etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`,
    });
  }
  return out;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export class WebServer {
  readonly http: http.Server;
  private readonly assets = loadAssets();
  private readonly page: string;
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | null = null;
  private gzCache: { text: string; gz: Buffer } | null = null;

  constructor(
    private readonly live: LiveBoard,
    private readonly guard: Guard,
    private readonly api: Api,
  ) {
    this.page = readFileSync(packagePath('src', 'web', 'assets', 'index.html'), 'utf8');
    this.http = http.createServer((req, res) => {
      this.handle(req, res).catch((e) => this.fail(res, e));
    });
    this.http.keepAliveTimeout = 5000;
    live.subscribe((e) => {
      const chunk = frame(e);
      for (const c of this.clients) {
        // a page that stopped reading is cut off rather than buffered without end; its
        // browser reconnects with Last-Event-ID and gets what it missed (or a reset)
        if (c.writableLength > MAX_BACKLOG) c.destroy();
        else c.write(chunk);
      }
    });
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(port, host, () => {
        this.http.off('error', reject);
        const addr = this.http.address();
        const p = typeof addr === 'object' && addr ? addr.port : port;
        this.guard.serve(p, host);
        resolve(p);
      });
    });
  }

  close(): Promise<void> {
    for (const c of this.clients) c.end();
    this.clients.clear();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    return new Promise((r) => {
      this.http.close(() => r());
      this.http.closeAllConnections();
    });
  }

  get connected(): number {
    return this.clients.size;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://board.invalid');
    const v = this.guard.check(req, url);
    if (!v.ok) return this.text(res, v.status, v.message);
    if (v.via === 'query') {
      // the printed URL: set the cookie and go to the same page without the token in it
      url.searchParams.delete('token');
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': this.guard.setCookie(),
        Location: url.pathname + url.search,
      });
      res.end();
      return;
    }
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (url.pathname === '/' || url.pathname === '/index.html') return this.sendPage(req, res);
      const asset = this.assets.get(url.pathname);
      if (asset) return this.sendAsset(req, res, asset);
      if (url.pathname === '/api/events') return this.stream(req, res, url);
      if (url.pathname.startsWith('/api/')) return this.json(req, res, 200, await this.api.get(url));
      return this.text(res, 404, 'not found');
    }
    if (req.method === 'POST' && url.pathname.startsWith('/api/')) {
      const w = this.guard.checkWrite(req, v.via);
      if (!w.ok) return this.text(res, w.status, w.message);
      if (!String(req.headers['content-type'] ?? '').startsWith('application/json'))
        return this.text(res, 415, 'send JSON (Content-Type: application/json)');
      const body = await readBody(req);
      return this.json(req, res, 200, await this.api.post(url, body));
    }
    res.writeHead(405, { ...SECURITY_HEADERS, Allow: 'GET, POST' });
    res.end();
  }

  private sendPage(req: IncomingMessage, res: ServerResponse): void {
    const html = this.page
      .replace('{{CSRF}}', escapeHtml(this.guard.csrf))
      .replace('{{EVENT}}', escapeHtml(this.live.lastId));
    this.send(req, res, 200, 'text/html; charset=utf-8', Buffer.from(html));
  }

  private sendAsset(req: IncomingMessage, res: ServerResponse, a: Asset): void {
    if (req.headers['if-none-match'] === a.etag) {
      res.writeHead(304, { ...SECURITY_HEADERS, 'Cache-Control': 'no-cache', ETag: a.etag });
      res.end();
      return;
    }
    const gz = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Cache-Control': 'no-cache',
      ETag: a.etag,
      'Content-Type': a.type,
      ...(gz ? { 'Content-Encoding': 'gzip' } : {}),
      Vary: 'Accept-Encoding',
    });
    res.end(req.method === 'HEAD' ? undefined : gz ? a.gz : a.body);
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    type: string,
    body: Buffer,
    extra: Record<string, string> = {},
  ): void {
    const gz = body.length > 1024 && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const out = gz ? gzipSync(body, { level: 4 }) : body;
    res.writeHead(status, {
      ...SECURITY_HEADERS,
      ...extra,
      'Content-Type': type,
      ...(gz ? { 'Content-Encoding': 'gzip' } : {}),
      Vary: 'Accept-Encoding',
    });
    res.end(req.method === 'HEAD' ? undefined : out);
  }

  private json(req: IncomingMessage, res: ServerResponse, status: number, value: unknown): void {
    // the id of the last event already reflected in this answer: the page follows the stream from there
    const text = value instanceof RawJson ? value.text : JSON.stringify(value);
    let gz: Buffer | undefined;
    if (
      value instanceof RawJson &&
      text.length > 1024 &&
      /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))
    ) {
      // the ticket list: compressed once per version, whatever the number of pages loading it
      if (this.gzCache?.text !== text) this.gzCache = { text, gz: gzipSync(text, { level: 4 }) };
      gz = this.gzCache.gz;
    }
    const extra = { 'X-Board-Event-Id': this.live.lastId };
    if (gz) {
      res.writeHead(status, {
        ...SECURITY_HEADERS,
        ...extra,
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Encoding': 'gzip',
        Vary: 'Accept-Encoding',
      });
      res.end(req.method === 'HEAD' ? undefined : gz);
      return;
    }
    this.send(req, res, status, 'application/json; charset=utf-8', Buffer.from(text), extra);
  }

  private text(res: ServerResponse, status: number, message: string): void {
    res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(message + '\n');
  }

  private fail(res: ServerResponse, e: unknown): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (e instanceof BoardError) {
      const body = JSON.stringify({ error: e.toJSON() });
      res.writeHead(STATUS_OF[e.kind] ?? 500, {
        ...SECURITY_HEADERS,
        'Content-Type': 'application/json; charset=utf-8',
      });
      res.end(body);
      return;
    }
    const message = String((e as Error)?.message ?? e);
    res.writeHead(500, { ...SECURITY_HEADERS, 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify({ error: { kind: 'internal', exit: 1, message } }));
  }

  private stream(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const from = String(req.headers['last-event-id'] ?? url.searchParams.get('since') ?? '');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    let head = 'retry: 1000\n\n';
    const missed = from ? this.live.since(from) : null;
    if (missed === null)
      head += frame({
        id: this.live.lastId,
        type: 'reset',
        data: {
          reason: from
            ? 'the events since your last one are not kept (the server restarted, or too many happened)'
            : 'first connection',
        },
      });
    else for (const e of missed) head += frame(e);
    res.write(head);
    this.clients.add(res);
    if (!this.heartbeat)
      this.heartbeat = setInterval(() => {
        for (const c of this.clients) c.write(': heartbeat\n\n');
      }, HEARTBEAT_MS);
    const gone = () => {
      this.clients.delete(res);
      if (!this.clients.size && this.heartbeat) {
        clearInterval(this.heartbeat);
        this.heartbeat = null;
      }
    };
    req.on('close', gone);
    res.on('error', gone);
  }
}

/** One server-sent event. JSON never holds a raw newline, so `data:` is one line. */
export function frame(e: StreamEvent): string {
  return `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`;
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BoardError('invalid', 'request body over 1 MiB'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        const v = text ? JSON.parse(text) : {};
        if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
        resolve(v as Record<string, unknown>);
      } catch {
        reject(new BoardError('invalid', 'the request body is not a JSON object'));
      }
    });
    req.on('error', reject);
  });
}
