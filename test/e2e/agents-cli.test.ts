/**
 * The agent commands that need no tmux, through the real `board` binary: the hook events
 * driving the live state, the Stop hook (hands over recados, never loops), claims renewed by
 * activity, `board wait`, `board review`, and `board status` with its "needs you" section.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { STOP_BLOCKS_MAX } from '../../src/core/agents.js';
import { tempRepo, type TempRepo } from '../helpers.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const hook = (r: TempRepo, agent: string, input: Record<string, unknown>) =>
  r.board(['hook', 'claude', '--json'], { env: { BOARD_AGENT: agent }, input: JSON.stringify(input) });
const state = (r: TempRepo, agent: string) =>
  JSON.parse(r.read('.board', 'run', 'agents', `${agent}.json`)) as Record<string, unknown>;

describe('live state from hooks', () => {
  it('SessionStart, UserPromptSubmit, PreToolUse, a permission Notification, Stop move the state; status --json shows it', () => {
    repo = tempRepo();
    const r = repo;
    expect(r.board(['agent', 'add', 'ana']).code).toBe(0);
    expect(hook(r, 'ana', { hook_event_name: 'SessionStart', source: 'startup' }).code).toBe(0);
    expect(state(r, 'ana')).toMatchObject({ state: 'idle', hooks: true });
    hook(r, 'ana', { hook_event_name: 'UserPromptSubmit', prompt: 'go' });
    expect(state(r, 'ana')).toMatchObject({ state: 'working', tool: null });
    hook(r, 'ana', { hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } });
    expect(state(r, 'ana')).toMatchObject({ state: 'working', tool: 'Bash' });
    hook(r, 'ana', {
      hook_event_name: 'Notification',
      notification_type: 'permission_prompt',
      message: 'Claude needs your permission to use Bash',
    });
    expect(state(r, 'ana')).toMatchObject({ state: 'waiting', detail: 'permission_prompt' });
    const st = JSON.parse(r.board(['status', '--json']).stdout);
    expect(st.agents.find((a: { name: string }) => a.name === 'ana').state).toMatchObject({
      state: 'waiting',
      detail: 'permission_prompt',
    });
    expect(st.needs_you.agents).toEqual([expect.objectContaining({ name: 'ana', state: 'waiting' })]);
    const human = r.board(['status']).stdout;
    expect(human.split('\n')[0]).toBe('Needs you');
    expect(human).toMatch(/ana waiting \(permission_prompt\)/);
    hook(r, 'ana', { hook_event_name: 'PostToolUse', tool_name: 'Bash' });
    expect(state(r, 'ana')).toMatchObject({ state: 'working' });
    const stop = hook(r, 'ana', { hook_event_name: 'Stop', stop_hook_active: false });
    expect(stop.stdout).toBe('');
    expect(state(r, 'ana')).toMatchObject({ state: 'idle' });
  });

  it('the Stop hook hands over unread recados once each, and never loops', () => {
    repo = tempRepo();
    const r = repo;
    for (const n of ['ana', 'olga']) expect(r.board(['agent', 'add', n]).code).toBe(0);
    hook(r, 'ana', { hook_event_name: 'UserPromptSubmit', prompt: 'go' });
    expect(r.board(['send', 'ana', 'hi there', '--subject', 'news', '--as', 'olga']).code).toBe(0);
    const first = hook(r, 'ana', { hook_event_name: 'Stop', stop_hook_active: false });
    const out = JSON.parse(first.stdout);
    expect(out.decision).toBe('block');
    expect(out.reason).toContain('hi there');
    expect(state(r, 'ana')).toMatchObject({ state: 'working', blocks: 1 });
    // the same recado is never given twice
    expect(hook(r, 'ana', { hook_event_name: 'Stop', stop_hook_active: true }).stdout).toBe('');
    expect(state(r, 'ana')).toMatchObject({ state: 'idle', blocks: 0 });
    // a sender who keeps sending cannot keep it from stopping: at most STOP_BLOCKS_MAX in a row
    hook(r, 'ana', { hook_event_name: 'UserPromptSubmit', prompt: 'go' });
    let blocked = 0;
    for (let i = 0; i < STOP_BLOCKS_MAX + 2; i++) {
      expect(r.board(['send', 'ana', `again ${i}`, '--as', 'olga']).code).toBe(0);
      const s = hook(r, 'ana', { hook_event_name: 'Stop', stop_hook_active: i > 0 });
      if (!s.stdout) break;
      blocked++;
    }
    expect(blocked).toBe(STOP_BLOCKS_MAX);
    expect(state(r, 'ana')).toMatchObject({ state: 'idle' });
  });

  it('hook events of a working agent renew its claims, at most once a minute', () => {
    repo = tempRepo();
    const r = repo;
    expect(r.board(['agent', 'add', 'ana']).code).toBe(0);
    const id = r.board(['new', 'Build it']).stdout.trim();
    expect(r.board(['claim', id, '--as', 'ana']).code).toBe(0);
    const before = JSON.parse(r.board(['show', id, '--json']).stdout).claim.expires as string;
    hook(r, 'ana', { hook_event_name: 'UserPromptSubmit', prompt: 'go' });
    const renewed = state(r, 'ana').renewed as string;
    expect(renewed).toBeTruthy();
    const after = JSON.parse(r.board(['show', id, '--json']).stdout).claim.expires as string;
    expect(Date.parse(after)).toBeGreaterThanOrEqual(Date.parse(before));
    hook(r, 'ana', { hook_event_name: 'PreToolUse', tool_name: 'Bash' });
    expect(state(r, 'ana').renewed).toBe(renewed); // not again within the minute
  });
});

describe('board wait', () => {
  it('returns at once with unread recados; otherwise blocks until one arrives (no polling); exit 3 on timeout', async () => {
    repo = tempRepo();
    const r = repo;
    for (const n of ['ana', 'olga']) expect(r.board(['agent', 'add', n]).code).toBe(0);
    const t = r.board(['wait', '--as', 'ana', '--timeout', '1s', '--json']);
    expect(t.code).toBe(3);
    const waiting = r.boardAsync(['wait', '--as', 'ana', '--json', '--timeout', '60s']);
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.board(['send', 'ana', 'wake up', '--subject', 'ping', '--as', 'olga']).code).toBe(0);
    const w = await waiting;
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout).recados.map((x: { subject: string }) => x.subject)).toEqual(['ping']);
    // unread: at once, and nothing was marked read
    const again = r.board(['wait', '--as', 'ana']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/from olga: ping/);
  });

  it('returns when a ticket becomes ready for the agent', async () => {
    repo = tempRepo();
    const r = repo;
    expect(r.board(['agent', 'add', 'ana']).code).toBe(0);
    const waiting = r.boardAsync(['wait', '--as', 'ana', '--json', '--timeout', '60s']);
    await new Promise((res) => setTimeout(res, 1500));
    const id = r.board(['new', 'Next job']).stdout.trim();
    const w = await waiting;
    expect(w.code, w.stderr).toBe(0);
    expect(JSON.parse(w.stdout).tickets.map((x: { id: string }) => x.id)).toEqual([id]);
  });
});

describe('board review', () => {
  it('hands the claim to the reviewer, who closes it or sends it back with a note', () => {
    repo = tempRepo();
    const r = repo;
    for (const n of ['ana', 'rev']) expect(r.board(['agent', 'add', n]).code).toBe(0);
    const id = r.board(['new', 'Feature']).stdout.trim();
    expect(r.board(['claim', id, '--as', 'ana']).code).toBe(0);
    expect(r.board(['review', id, '--to', 'rev', '--as', 'rev']).code).toBe(4); // not the holder
    const to = r.board(['review', id, '--to', 'rev', '--as', 'ana', '--json']);
    expect(to.code, to.stderr).toBe(0);
    expect(JSON.parse(to.stdout)).toMatchObject({ status: 'review', assignee: 'rev', claim: 'rev', told: ['rev'] });
    expect(JSON.parse(r.board(['inbox', '--as', 'rev', '--json']).stdout)[0]).toMatchObject({
      from: 'board',
      subject: `please review ${id}`,
    });
    expect(JSON.parse(r.board(['status', '--json']).stdout).needs_you.review).toEqual([
      { id, title: 'Feature', assignee: 'rev' },
    ]);
    // the author can no longer close it; the reviewer sends it back
    expect(r.board(['close', id, '--as', 'ana']).code).toBe(4);
    const back = r.board(['review', id, '--back', '--note', 'add tests', '--as', 'rev', '--json']);
    expect(back.code, back.stderr).toBe(0);
    expect(JSON.parse(back.stdout)).toMatchObject({
      status: 'in_progress',
      assignee: 'ana',
      claim: 'ana',
      told: ['ana'],
    });
    expect(
      JSON.parse(r.board(['inbox', '--as', 'ana', '--json']).stdout).find((m: { subject: string }) =>
        m.subject.includes('back from review'),
      ).body,
    ).toContain('add tests');
    // again to review; this time the reviewer closes it without --force
    expect(r.board(['review', id, '--to', 'rev', '--as', 'ana']).code).toBe(0);
    const close = r.board(['close', id, '--as', 'rev']);
    expect(close.code, close.stderr).toBe(0);
  });
});
