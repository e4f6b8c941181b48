/**
 * Helpers for the web board tests: a real `board web` process and a real headless Chromium
 * (Debian's chromium, driven by playwright-core).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { boardSpawn, waitFor } from '../helpers.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface WebProcess {
  proc: ChildProcess;
  url: string;
  port: number;
  token: string;
  watcher: string | null;
  output(): string;
  stop(): Promise<number | null>;
}

/** Start `board web --json` in `cwd` and wait for its first line. */
export async function startWeb(cwd: string, args: string[] = []): Promise<WebProcess> {
  const proc = boardSpawn(['web', '--json', '--as', 'ann', ...args], { cwd });
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d) => (out += d));
  proc.stderr!.on('data', (d) => (err += d));
  const line = await waitFor(() => {
    if (proc.exitCode !== null) throw new Error(`board web exited ${proc.exitCode}: ${err}`);
    const nl = out.indexOf('\n');
    return nl > 0 ? out.slice(0, nl) : null;
  }, 30_000);
  const first = JSON.parse(line) as { url: string; port: number; token: string; watcher: string | null };
  const gone = () => proc.exitCode !== null || proc.signalCode !== null;
  return {
    proc,
    ...first,
    output: () => out + err,
    stop: async () => {
      if (!gone()) {
        const done = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await done;
      }
      return proc.exitCode;
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One HTTP request with exactly the headers given (Host included). */
export function request(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: { Host: `127.0.0.1:${port}`, ...opts.headers },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
