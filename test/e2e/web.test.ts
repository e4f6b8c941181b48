/**
 * `board web`: a real server process, real HTTP, and a real headless Chromium looking at the
 * page the way a person does.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tempRepo, type TempRepo } from '../helpers.js';
import { haveChromium, launchBrowser, request, startWeb, type WebProcess } from './web-helpers.js';

// every `board web` process and temp repository is ended and removed after its test by the fixture
function boardWithTickets(): { repo: TempRepo; a: string; b: string; c: string } {
  const repo = tempRepo();
  for (const [name, role] of [
    ['ann', 'lead'],
    ['alice', 'dev'],
    ['bob', 'dev'],
  ])
    expect(repo.board(['agent', 'add', name, '--role', role]).code).toBe(0);
  const a = repo.board(['new', 'Design the API', '--labels', 'api', '--as', 'ann']).stdout.trim();
  const b = repo.board(['new', 'Build the API', '--deps', a, '--as', 'ann']).stdout.trim();
  const c = repo.board(['new', 'Write the docs', '--labels', 'docs', '--as', 'ann']).stdout.trim();
  expect(repo.board(['claim', c, '--as', 'alice']).code).toBe(0);
  return { repo, a, b, c };
}

/** Rewrite a ticket file by hand, the way an agent with file tools does. */
function handEdit(repo: TempRepo, id: string, edit: (text: string) => string): void {
  const file = repo.path('.board', 'tickets', `${id}.md`);
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

describe('board web: server, token and Host', () => {
  it('prints one JSON line with url, port and token, and refuses requests without the token', async () => {
    const { repo } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    expect(web.url).toBe(`http://127.0.0.1:${web.port}/?token=${web.token}`);
    expect(web.token).toMatch(/^[0-9a-f]{64}$/);
    expect(web.watcher).toBe('in this process');

    const none = await request(web.port, '/api/tickets');
    expect(none.status).toBe(401);
    expect(none.body).toContain('token is required');
    const wrong = await request(web.port, '/api/tickets', { headers: { Authorization: 'Bearer ' + '0'.repeat(64) } });
    expect(wrong.status).toBe(401);
    const page = await request(web.port, '/app.js');
    expect(page.status).toBe(401);

    const ok = await request(web.port, '/api/tickets', { headers: { Authorization: `Bearer ${web.token}` } });
    expect(ok.status).toBe(200);
    // the same shape as `board list --all --json`
    expect(JSON.parse(ok.body)).toEqual(JSON.parse(repo.board(['list', '--all', '--json']).stdout));

    // the printed URL sets the cookie and sends the browser on without the token in the address
    const first = await request(web.port, `/?token=${web.token}`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(String(first.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    await web.stop();
  });

  it('runs the watcher in its process when none runs, so a second watcher is refused; uses a running one', async () => {
    const { repo } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    expect(web.watcher).toBe('in this process');
    const second = await repo.boardAsync(['watch', '--json']);
    expect(second.code).toBe(4);
    expect(second.stderr).toContain(`a watcher is already running for this board (pid ${web.proc.pid}`);
    expect(await web.stop()).toBe(0);

    const detached = repo.board(['watch', '--detach', '--json']);
    expect(detached.code).toBe(0);
    const pid = JSON.parse(detached.stdout).pid as number;
    try {
      const web2 = await startWeb(repo.dir, []);
      expect(web2.watcher).toBe(`pid ${pid}`);
      await web2.stop();
    } finally {
      expect(repo.board(['watch', '--stop']).code).toBe(0);
    }
  });

  it('refuses a request whose Host is not the served address (DNS rebinding), token or not', async () => {
    const { repo } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    for (const host of ['evil.example:' + web.port, `127.0.0.1.evil.example:${web.port}`, '127.0.0.1:1']) {
      const r = await request(web.port, '/api/tickets', {
        headers: { Host: host, Authorization: `Bearer ${web.token}` },
      });
      expect(r.status, host).toBe(421);
      expect(r.body).toContain('not the address this board is served on');
    }
    const local = await request(web.port, '/api/tickets', {
      headers: { Host: `localhost:${web.port}`, Authorization: `Bearer ${web.token}` },
    });
    expect(local.status).toBe(200);
    await web.stop();
  });

  it('refuses a browser POST from another origin or without the CSRF token; a refusal reads as in the CLI', async () => {
    const { repo, b } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    const cookie = String((await request(web.port, `/?token=${web.token}`)).headers['set-cookie']).split(';')[0];
    const post = (headers: Record<string, string>) =>
      request(web.port, `/api/tickets/${b}/close`, {
        method: 'POST',
        body: '{}',
        headers: { 'Content-Type': 'application/json', Cookie: cookie, ...headers },
      });
    const foreign = await post({ Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    const noCsrf = await post({ Origin: `http://127.0.0.1:${web.port}` });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body).toContain('CSRF');
    expect(JSON.parse(repo.board(['show', b, '--json']).stdout).status).toBe('todo');

    const viaApi = await request(web.port, `/api/tickets/${b}/close`, {
      method: 'POST',
      body: '{}',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${web.token}` },
    });
    const cli = repo.board(['close', b, '--json', '--as', 'ann']);
    expect(viaApi.status).toBe(409);
    expect(cli.code).toBe(4);
    expect(JSON.parse(viaApi.body).error.message).toBe(JSON.parse(cli.stderr).error.message);
    await web.stop();
  });

  it('serves the status and recados in the CLI shapes, and sends a recado as the person', async () => {
    const { repo } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    const auth = { Authorization: `Bearer ${web.token}` };
    const status = JSON.parse((await request(web.port, '/api/status', { headers: auth })).body);
    const cli = JSON.parse(repo.board(['status', '--json']).stdout);
    expect(status.agents.map((a: { name: string }) => a.name)).toEqual(cli.agents.map((a: { name: string }) => a.name));
    expect(status.waves).toEqual(cli.waves);
    const sent = await request(web.port, '/api/send', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: 'bob', text: 'hello <b>bob</b>' }),
    });
    expect(sent.status).toBe(200);
    const inbox = JSON.parse(repo.board(['inbox', '--as', 'bob', '--json']).stdout);
    expect(inbox[0]).toMatchObject({ from: 'ann', body: 'hello <b>bob</b>\n' });
    const recados = JSON.parse((await request(web.port, '/api/recados', { headers: auth })).body);
    expect(recados.map((r: { id: string }) => r.id)).toContain(inbox[0].id);
    // an agent's screen is `board peek`'s: the same refusal when it has no pane
    const screen = await request(web.port, '/api/agents/bob/screen', { headers: auth });
    expect(screen.status).toBe(404);
    expect(JSON.parse(screen.body).error.message).toBe(
      JSON.parse(repo.board(['peek', 'bob', '--json']).stderr).error.message,
    );
    const unknown = await request(web.port, '/api/send', {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ to: 'nobody', text: 'x' }),
    });
    expect(unknown.status).toBe(404);
    await web.stop();
  });
});

describe.skipIf(!haveChromium)('board web in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(web: WebProcess): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    await page.goto(web.url);
    await page.waitForSelector('body[data-ready="1"]');
    await page.waitForSelector('#live.on');
    // a reload would lose this mark: the tests check that changes arrive without one
    await page.evaluate(() => {
      (window as unknown as { mark: number }).mark = 42;
    });
    return page;
  }

  const card = (page: Page, id: string) => page.locator(`#board .card[data-id="${id}"]`);
  const marked = (page: Page) => page.evaluate(() => (window as unknown as { mark?: number }).mark);

  it('shows cards in their status column and wave, with the open wave marked', async () => {
    const { repo, a, b, c } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    const page = await open(web);
    await expect(page.locator(`#wave-1 .col[data-status="todo"] .card[data-id="${a}"]`).count()).resolves.toBe(1);
    await expect(page.locator(`#wave-1 .col[data-status="in_progress"] .card[data-id="${c}"]`).count()).resolves.toBe(
      1,
    );
    await expect(page.locator(`#wave-2 .col[data-status="todo"] .card[data-id="${b}"]`).count()).resolves.toBe(1);
    expect(await page.locator('#wave-1').getAttribute('class')).toContain('open');
    expect(await page.locator('#wave-2').getAttribute('class')).not.toContain('open');
    expect(await card(page, b).locator('.blocked').textContent()).toBe(`blocked by ${a}`);
    expect(await card(page, c).locator('.claim').textContent()).toMatch(/alice \d+m\d\ds left/);
    expect(await card(page, a).locator('.label').textContent()).toBe('api');
    await page.close();
    await web.stop();
  });

  it('shows a hand edit of a ticket file in every open page without a reload', async () => {
    const { repo, a } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    const pages = [await open(web), await open(web)];
    handEdit(repo, a, (t) =>
      t
        .replace('title: Design the API', 'title: Design the API, edited by hand')
        .replace('status: todo', 'status: review'),
    );
    for (const page of pages) {
      await page
        .locator(`#wave-1 .col[data-status="review"] .card[data-id="${a}"] .title`)
        .filter({ hasText: 'edited by hand' })
        .waitFor();
      expect(await marked(page)).toBe(42);
      // in review: the person is told
      await page.locator('#needs', { hasText: a }).waitFor();
    }
    for (const p of pages) await p.close();
    await web.stop();
  });

  it('shows an action refused with its reason, and a permitted one applied', async () => {
    const { repo, a, b } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    const page = await open(web);
    await card(page, b).click();
    await page.locator('#detail h2.title', { hasText: 'Build the API' }).waitFor();
    await page.locator('#detail button[data-action="close"]').first().click();
    const refusal = page.locator('#detail .refused');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain(`${b} cannot be done while dependency ${a} is open`);
    expect(await refusal.locator('.hint').textContent()).toBe('close the dependencies first, or cancel them');

    await card(page, a).click();
    await page.locator('#detail h2.title', { hasText: 'Design the API' }).waitFor();
    await page.locator('#detail button[data-action="claim"]').click();
    await page
      .locator(`#wave-1 .col[data-status="in_progress"] .card[data-id="${a}"] .claim`, { hasText: 'ann' })
      .waitFor();
    expect(JSON.parse(repo.board(['show', a, '--json']).stdout).claim.by).toBe('ann');
    await page.close();
    await web.stop();
  });

  it('renders a hostile title and body as text', async () => {
    const { repo } = boardWithTickets();
    const title = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    const id = repo
      .board([
        'new',
        title,
        '--body',
        'Hello <iframe src="javascript:window.pwned=3"></iframe> [x](javascript:window.pwned=4)\n',
        '--as',
        'ann',
      ])
      .stdout.trim();
    const web = await startWeb(repo.dir, []);
    const page = await open(web);
    expect(await card(page, id).locator('.title').textContent()).toBe(title);
    expect(await card(page, id).locator('img, script').count()).toBe(0);
    await card(page, id).click();
    await page.locator('#detail .markdown').waitFor();
    expect(await page.locator('#detail h2.title').textContent()).toBe(title);
    expect(await page.locator('#detail .markdown iframe').count()).toBe(0);
    expect(await page.locator('#detail .markdown').textContent()).toContain('<iframe');
    expect(await page.locator('#detail .markdown a[href^="javascript"]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await page.close();
    await web.stop();
  });

  it('needs the token: the page without it shows no board', async () => {
    const { repo } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    const page = await browser.newPage();
    const res = await page.goto(`http://127.0.0.1:${web.port}/`);
    expect(res?.status()).toBe(401);
    expect(await page.locator('#board').count()).toBe(0);
    await page.close();
    await web.stop();
  });

  it('follows the event stream again after the server restarts, changes made meanwhile included', async () => {
    const { repo, a } = boardWithTickets();
    let web = await startWeb(repo.dir, []);
    const port = web.port;
    const page = await open(web);
    await web.stop();
    await page.locator('#live.off').waitFor();
    handEdit(repo, a, (t) => t.replace('title: Design the API', 'title: Changed while the server was down'));
    web = await startWeb(repo.dir, ['--port', String(port)]);
    await card(page, a)
      .locator('.title', { hasText: 'Changed while the server was down' })
      .waitFor({ timeout: 20_000 });
    await page.locator('#live.on').waitFor();
    handEdit(repo, a, (t) => t.replace('title: Changed while the server was down', 'title: And after it came back'));
    await card(page, a).locator('.title', { hasText: 'And after it came back' }).waitFor();
    expect(await marked(page)).toBe(42);
    await page.close();
    await web.stop();
  });

  it('shows one lane per agent with its claim, and a recado arriving live', async () => {
    const { repo, c } = boardWithTickets();
    const web = await startWeb(repo.dir, []);
    const page = await open(web);
    await page.click('nav button[data-view="agents"]');
    const lane = page.locator('.lane[data-agent="alice"]');
    await lane.locator('.claim', { hasText: c }).waitFor();
    expect(await lane.getAttribute('data-state')).toBe('working');
    expect(await page.locator('.lane').count()).toBe(3);
    expect(repo.board(['send', 'ann', 'Docs are half done', '--as', 'alice']).code).toBe(0);
    await page.locator('#needs', { hasText: 'Docs are half done' }).waitFor();
    await page.click('nav button[data-view="recados"]');
    await page.locator('#stream .recado', { hasText: 'Docs are half done' }).waitFor();
    expect(await marked(page)).toBe(42);
    if (process.env.WEB_SCREENSHOTS === '1') {
      const docs = join(ROOT, 'docs');
      mkdirSync(docs, { recursive: true });
      // a fuller board for the picture
      const more = ['Login form', 'Session store', 'Rate limits', 'Audit log', 'Release notes'].map((t, i) =>
        repo
          .board([
            'new',
            t,
            '--labels',
            i % 2 ? 'ui' : 'api',
            '--priority',
            String(i % 4),
            '--as',
            'ann',
            ...(i > 2 ? ['--deps', c] : []),
          ])
          .stdout.trim(),
      );
      repo.board(['edit', more[0], '--status', 'review', '--as', 'ann']);
      repo.board(['claim', more[1], '--as', 'bob']);
      repo.board(['close', more[2], '--as', 'ann']);
      await card(page, more[4]).waitFor({ state: 'attached' });
      await page.click('nav button[data-view="agents"]');
      await lane.locator('.lease').waitFor();
      await page.waitForFunction(() => !document.querySelector('#live.off'));
      // a lane is redrawn when the status changes: take the picture of the one there now
      await lane
        .screenshot({ path: join(docs, 'web-agent-lane.png') })
        .catch(() => lane.screenshot({ path: join(docs, 'web-agent-lane.png') }));
      await page.click('nav button[data-view="board"]');
      await page.screenshot({ path: join(docs, 'web-board.png') });
    }
    await page.close();
    await web.stop();
  });
});
