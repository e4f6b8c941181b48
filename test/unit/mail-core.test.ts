/** The pure parts of recados: fields, recipients, stamping, the retry schedule, paths. */
import { describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../src/core/config.js';
import {
  bounceIdOf,
  bounceNotice,
  draftFromData,
  isRecadoId,
  recadoFromData,
  recadoId,
  recipientTokens,
  resolutionProblem,
  resolveRecipients,
  retryDelay,
  RETRY_DELAYS_MS,
  sentOfId,
  SETTLE_MS,
  stampedFields,
  GIVE_UP_MS,
} from '../../src/core/recado.js';
import { classify, ignoredByChokidar } from '../../src/watch/classify.js';

const agent = (role: string | null = null): AgentConfig => ({
  role,
  worktree: null,
  tmux: null,
  notify: null,
  email: null,
});
const AGENTS = { alice: agent('backend'), bob: agent('backend'), carol: agent('orchestrator'), dan: agent() };

describe('recado ids', () => {
  it('sort by time and carry the send time', () => {
    const a = recadoId(Date.UTC(2026, 10, 21, 10, 0, 0), new Uint8Array(8).fill(1));
    const b = recadoId(Date.UTC(2026, 10, 21, 10, 0, 1), new Uint8Array(8).fill(0));
    expect(a < b).toBe(true);
    expect(isRecadoId(a)).toBe(true);
    expect(sentOfId(a)).toBe('2026-11-21T10:00:00Z');
    expect(sentOfId(bounceIdOf(a))).toBe('2026-11-21T10:00:00Z');
    expect(isRecadoId(bounceIdOf(a))).toBe(true);
    expect(isRecadoId('../x')).toBe(false);
    expect(isRecadoId('a/b')).toBe(false);
  });
});

describe('recipients', () => {
  it('accepts a name, a list, a comma string, all and @role; lower-cases', () => {
    expect(recipientTokens('bob').tokens).toEqual(['bob']);
    expect(recipientTokens(['bob', 'Carol']).tokens).toEqual(['bob', 'carol']);
    expect(recipientTokens('bob, carol').tokens).toEqual(['bob', 'carol']);
    expect(recipientTokens('@Backend').tokens).toEqual(['@backend']);
    expect(recipientTokens(undefined).problem?.field).toBe('to');
    expect(recipientTokens([1]).problem?.message).toMatch(/must name agents/);
  });

  it('expands all and @role to the other agents, keeps explicit self-addressing', () => {
    expect(resolveRecipients(['all'], AGENTS, 'alice').recipients).toEqual(['bob', 'carol', 'dan']);
    expect(resolveRecipients(['@backend'], AGENTS, 'carol').recipients).toEqual(['alice', 'bob']);
    expect(resolveRecipients(['@backend'], AGENTS, 'alice').recipients).toEqual(['bob']);
    expect(resolveRecipients(['alice', '@backend', 'bob'], AGENTS, 'alice').recipients).toEqual(['alice', 'bob']);
  });

  it('names unknown recipients and empty groups', () => {
    const r = resolveRecipients(['bob', 'zed', 'board', '../x'], AGENTS, 'alice');
    expect(r.unknown).toEqual(['zed', 'board', '../x']);
    expect(resolutionProblem(r)?.message).toBe('unknown recipients "zed", "board", "../x"');
    const e = resolveRecipients(['@nobody'], AGENTS, 'alice');
    expect(e.recipients).toEqual([]);
    expect(resolutionProblem(e)?.message).toMatch(/nobody to deliver to: @nobody/);
    expect(resolutionProblem(resolveRecipients(['all'], { alice: agent() }, 'alice'))?.message).toMatch(/nobody/);
    expect(resolveRecipients(['ghost'], AGENTS, 'board', new Set(['ghost'])).recipients).toEqual(['ghost']);
  });
});

describe('fields and stamping', () => {
  it('ignores a hand-written from, id and sent; keeps unknown keys', () => {
    const { draft, problems } = draftFromData(
      { to: 'bob', from: 'carol', id: 'x', sent: 'y', subject: 'Hi', mood: 'good' },
      'Body\n',
      'alice',
    );
    expect(problems).toEqual([]);
    expect(draft.claimed_from).toBe('carol');
    const f = stampedFields(draft, { id: 'mi0-abc', from: 'alice', sent: '2026-11-21T10:00:00Z' });
    expect(Object.keys(f)).toEqual(['id', 'from', 'claimed_from', 'to', 'subject', 'sent', 'mood']);
    expect(f.from).toBe('alice');
    expect(f.id).toBe('mi0-abc');
    const json = recadoFromData(f, 'Body\n', 'mi0-abc', false);
    expect(json).toMatchObject({
      id: 'mi0-abc',
      from: 'alice',
      to: ['bob'],
      subject: 'Hi',
      ticket: null,
      reply_to: null,
      read: false,
    });
    expect(json.extra).toEqual({ claimed_from: 'carol', mood: 'good' });
  });

  it('takes the subject from the body when none is written; checks ticket and reply_to', () => {
    expect(draftFromData({ to: 'bob' }, '\n# Deploy done\nmore\n', 'alice').draft.subject).toBe('Deploy done');
    expect(draftFromData({ to: 'bob', ticket: 'bad id!' }, '', 'a').problems[0].field).toBe('ticket');
    expect(draftFromData({ to: 'bob', reply_to: '../etc' }, '', 'a').problems[0].field).toBe('reply_to');
    expect(draftFromData({ to: 'bob', subject: { a: 1 } }, '', 'a').problems[0].field).toBe('subject');
  });
});

describe('the retry schedule of files that are not valid yet', () => {
  it('retries quickly first, then bounces only once the file has settled', () => {
    expect(retryDelay(1, 0, 0)).toBe(RETRY_DELAYS_MS[0]);
    expect(retryDelay(3, 10, 100)).toBe(RETRY_DELAYS_MS[2]);
    const n = RETRY_DELAYS_MS.length;
    // schedule spent but the file changed recently: wait for it to settle
    const d = retryDelay(n, 500, 3000);
    expect(d).not.toBeNull();
    expect(d!).toBeLessThanOrEqual(SETTLE_MS - 500);
    expect(retryDelay(n, SETTLE_MS, 3000)).toBeNull();
    // never bounced on an early attempt, however old the file
    expect(retryDelay(1, 60_000, 0)).not.toBeNull();
    // a file that keeps changing gives up eventually
    expect(retryDelay(50, 0, GIVE_UP_MS)).toBeNull();
  });

  it('writes a bounce notice that says why and where the file is', () => {
    const n = bounceNotice({
      reason: 'unknown recipient "zed"',
      hint: 'see board agent list',
      original: '.board/outbox/alice/a.md',
      kept: '.board/rejected/x',
      subject: 'Hi',
    });
    expect(n.subject).toBe('not delivered: Hi');
    expect(n.body).toContain('unknown recipient "zed"');
    expect(n.body).toContain('.board/rejected/x.reason');
  });
});

describe('writing front-matter', () => {
  it('renders strings that read back exactly, quoting whatever YAML would read otherwise', async () => {
    const { renderRecado, yamlString } = await import('../../src/store/mailbox.js');
    const { parseFrontmatter } = await import('../../src/store/frontmatter.js');
    const tricky = [
      'plain words',
      'T-4k9x',
      'mwptty5g-shy3fjp1',
      'mwp.bounce',
      '2026-11-21T10:00:00Z',
      '123',
      '1.5',
      '1e3',
      '0x1f',
      'true',
      'No',
      'null',
      '~',
      '',
      ' lead',
      'trail ',
      'a: b',
      'a #b',
      '#c',
      '@backend',
      '*alias',
      '&a',
      '!tag',
      '- item',
      '? q',
      '[x]',
      '{y}',
      '"q"',
      "it's",
      'multi\nline',
      'tab\there',
      'ünïcødé',
      '%x',
      '`x`',
      '|',
      '>',
      'a,b',
      '.5',
      '5.',
      '-1',
      '+1',
      '.inf',
      'NaN',
    ];
    for (const s of tricky) {
      const text = renderRecado({ subject: s, to: [s, 'bob'] }, '');
      const { data } = parseFrontmatter(text, 'x');
      expect(data.subject, `${JSON.stringify(s)} -> ${yamlString(s)}`).toBe(s);
      expect(data.to).toEqual([s, 'bob']);
    }
    // other values go through the yaml library
    const { data } = parseFrontmatter(renderRecado({ subject: 'x', mood: { a: [1, 2] } }, 'b'), 'x');
    expect(data.mood).toEqual({ a: [1, 2] });
  });
});

describe('reading front-matter fast', () => {
  it('gives exactly what the YAML parser gives, or leaves the file to it', async () => {
    const { fastFrontmatter, parseRecadoText } = await import('../../src/store/mailbox.js');
    const { parseFrontmatter } = await import('../../src/store/frontmatter.js');
    const values = [
      'bob',
      '[bob, carol]',
      '"@backend"',
      '@backend',
      'all',
      'Hello world',
      'T-4k9x',
      '2026-11-21T10:00:00Z',
      '123',
      'true',
      '~',
      'null',
      'a: b',
      'x # y',
      '"esc \\" quote"',
      '"\\x41"',
      '[a, [b]]',
      '[a,b]',
      '[]',
      '[ a ]',
      "'single'",
      '|',
      '>',
      '&a',
      '*a',
      '!t x',
      '- x',
      "it's",
      'ünï',
      '"a, b"',
    ];
    const keys = ['to', 'subject', 'ticket', 'reply_to', 'from', 'mood'];
    const bodies = ['', 'Body\n', '\nBody', 'a\n---\nb\n'];
    let fast = 0;
    for (let i = 0; i < 600; i++) {
      const lines = [];
      for (let k = 0; k < 1 + (i % 4); k++)
        lines.push(`${keys[(i + k * 7) % keys.length]}: ${values[(i * 13 + k * 5) % values.length]}`);
      if (i % 17 === 0) lines.push('# a comment');
      if (i % 19 === 0) lines.push('nested:\n  a: 1');
      const text = `---\n${lines.join('\n')}\n---${i % 11 === 0 ? '' : '\n' + bodies[i % bodies.length]}`;
      let want: unknown;
      try {
        const p = parseFrontmatter(text, 'x');
        want = { data: p.data, body: p.body };
      } catch {
        want = 'error';
      }
      let got: unknown;
      try {
        got = parseRecadoText(text, 'x');
      } catch {
        got = 'error';
      }
      expect(got, text).toEqual(want);
      const f = fastFrontmatter(text);
      if (f) {
        fast++;
        expect(f, text).toEqual(want);
      }
    }
    expect(fast).toBeGreaterThan(50); // the simple ones did take the fast path
  });
});

describe('classify', () => {
  it('names every kind of board path', () => {
    expect(classify('board.yaml')).toEqual({ kind: 'config' });
    expect(classify('tickets/T-1.md')).toEqual({ kind: 'ticket', id: 'T-1' });
    expect(classify('tickets/bad name.md')).toEqual({ kind: 'other' });
    expect(classify('outbox/alice/hi.md')).toEqual({ kind: 'outbox', agent: 'alice', name: 'hi.md' });
    expect(classify('outbox/alice')).toEqual({ kind: 'outbox-folder', agent: 'alice' });
    expect(classify('inbox/bob/new/x.md')).toEqual({ kind: 'inbox', agent: 'bob', box: 'new', name: 'x.md' });
    expect(classify('run/outgoing/x')).toEqual({ kind: 'internal' });
    expect(classify('rejected/x.md')).toEqual({ kind: 'rejected', name: 'x.md' });
    expect(classify('templates/task.md')).toEqual({ kind: 'template', name: 'task.md' });
  });

  it('lets chokidar watch only board.yaml, templates and the outbox folders', () => {
    expect(ignoredByChokidar('')).toBe(false);
    expect(ignoredByChokidar('board.yaml')).toBe(false);
    expect(ignoredByChokidar('templates/task.md', true)).toBe(false);
    expect(ignoredByChokidar('outbox')).toBe(false);
    expect(ignoredByChokidar('outbox/alice')).toBe(false);
    expect(ignoredByChokidar('outbox/stray.md', true)).toBe(false);
    expect(ignoredByChokidar('outbox/notes.txt', true)).toBe(true);
    expect(ignoredByChokidar('outbox/.hidden')).toBe(true);
    // an agent's outbox files are followed by a directory watch of their own
    for (const p of [
      'outbox/alice/a.md',
      'tickets',
      'tickets/T-1.md',
      'inbox',
      'inbox/bob/new/x.md',
      'tmp',
      'run',
      'locks',
      'rejected',
    ]) {
      expect(ignoredByChokidar(p), p).toBe(true);
    }
  });
});
