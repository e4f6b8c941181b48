import { mkdtempSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  currentKey,
  dropToken,
  forgetVersion,
  readVersion,
  superseded,
  takeVersion,
  TOKEN_STALE_MS,
} from '../../src/store/cas.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'recado-cas-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const age = (path: string, ms: number) => {
  const t = new Date(Date.now() - ms);
  utimesSync(path, t, t);
};

describe('version tokens', () => {
  it('one holder per version; given back, it can be taken again', () => {
    const tokens = join(dir, 'cas');
    const a = takeVersion(tokens, 'k1');
    expect(a).toBe(join(tokens, 'k1'));
    expect(takeVersion(tokens, 'k1')).toBeNull();
    expect(takeVersion(tokens, 'k2')).not.toBeNull(); // another version is independent
    dropToken(a!);
    expect(takeVersion(tokens, 'k1')).toBe(join(tokens, 'k1'));
  });

  it('an abandoned token is taken over by exactly one successor, which supersedes it', () => {
    const tokens = join(dir, 'cas');
    const dead = takeVersion(tokens, 'k')!;
    age(dead, TOKEN_STALE_MS + 1000);
    const next = takeVersion(tokens, 'k');
    expect(next).toBe(join(tokens, 'k~1'));
    expect(superseded(dead)).toBe(true);
    expect(superseded(next!)).toBe(false);
    expect(takeVersion(tokens, 'k')).toBeNull(); // the successor is alive
    forgetVersion(tokens, 'k');
    expect(readdirSync(tokens)).toEqual([]);
  });

  it('the key of a version changes when the same content comes back in a new file', () => {
    const f = join(dir, 'T.md');
    writeFileSync(f, 'same\n');
    const first = readVersion(f, 'T.md').key;
    expect(currentKey(f, 'T.md')).toBe(first);
    writeFileSync(join(dir, 'tmp'), 'same\n');
    age(join(dir, 'tmp'), 5000);
    renameSync(join(dir, 'tmp'), f);
    expect(readVersion(f, 'T.md').raw).toBe('same\n');
    expect(currentKey(f, 'T.md')).not.toBe(first);
    expect(currentKey(join(dir, 'gone.md'), 'gone.md')).toBeNull();
  });
});
