/** Agents' live state, exits and restarts, and the tmux notice: pure decisions (src/core/agents.ts, src/core/notify.ts). */
import { describe, expect, it } from 'vitest';
import { applyExit, applyHook, initialState, mayType, shouldRestart } from '../../src/core/agents.js';
import { noticeText, pokeHow, terminalSafe } from '../../src/core/notify.js';

describe('agents (pure)', () => {
  it('the notice is fixed, typed only into known agent CLIs; terminal text loses controls and bidi', () => {
    expect(noticeText('ana', 2)).toBe('recado: 2 new for ana (board inbox)');
    for (const cmd of [
      'bash',
      '-zsh',
      'sh',
      'script',
      'sudo',
      'ssh',
      'docker',
      'kubectl',
      'python3',
      'node',
      'vim',
      'less',
      'cat',
      'codex',
    ]) {
      expect(pokeHow({ command: cmd, inMode: false, dead: false }), cmd).toBe('message');
    }
    for (const cmd of ['claude', 'gemini', 'aider', '/usr/local/bin/claude'])
      expect(pokeHow({ command: cmd, inMode: false, dead: false }), cmd).toBe('type');
    expect(pokeHow({ command: 'claude', inMode: false, dead: true })).toBe('message');
    expect(pokeHow({ command: 'claude', inMode: true, dead: false })).toBe('message');
    expect(mayType('my-cli', ['my-cli'])).toBe(true);
    expect(terminalSafe('a\u001b]52;c;ZXZpbA==\u0007b\u202ec\u2066d\u009be')).toBe('a]52;c;ZXZpbA==bcde');
  });

  it('exits and restarts: a failure is dead and restarted at most 3 times in 10 minutes; asked to stop is stopped', () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    let s = applyHook(
      initialState('ana', new Date(t0).toISOString()),
      { name: 'UserPromptSubmit' },
      new Date(t0).toISOString(),
    );
    s = applyExit(s, { code: null, signal: '9' }, new Date(t0 + 1000).toISOString());
    expect(s.state).toBe('dead');
    expect(shouldRestart(s, 'on-failure', t0 + 1000)).toBe(true);
    expect(shouldRestart(s, 'never', t0 + 1000)).toBe(false);
    const three = { ...s, restarts: [0, 1, 2].map((i) => new Date(t0 + i * 60_000).toISOString()) };
    expect(shouldRestart(three, 'on-failure', t0 + 5 * 60_000)).toBe(false);
    expect(shouldRestart(three, 'on-failure', t0 + 11 * 60_000)).toBe(true);
    expect(
      applyExit({ ...s, state: 'working', stopping: true }, { code: 130, signal: null }, new Date(t0).toISOString())
        .state,
    ).toBe('stopped');
    expect(applyExit({ ...s, state: 'idle' }, { code: 0, signal: null }, new Date(t0).toISOString()).state).toBe(
      'stopped',
    );
  });
});
