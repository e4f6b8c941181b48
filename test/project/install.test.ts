/**
 * Installing `board` for use in one's own repository, as the README says, on a machine that
 * has nothing but Node, npm (and its cache) and git: from a fresh copy of this checkout
 * (its tracked files, no node_modules, no dist), `npm install -g /path/to/clone` into a
 * temporary prefix must give a working `board` (`prepare` installs what it needs to build).
 * npm uses its cache (--prefer-offline), so this works offline once the packages were
 * installed here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tempDir } from '../fixture.js';

describe('installing board from a fresh clone', () => {
  it('npm install -g /path/to/clone gives a working board command', () => {
    const dir = tempDir('recado-install-');
    const clone = join(dir, 'recado');
    const prefix = join(dir, 'prefix');
    mkdirSync(clone);
    // a fresh clone: the tracked files (and new ones not ignored), as they are now
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT })
      .toString('utf8')
      .split('\0')
      .filter((f) => f && existsSync(join(ROOT, f)));
    const tar = spawnSync('sh', ['-c', `tar -cf - --null -T - | tar -xf - -C ${JSON.stringify(clone)}`], {
      cwd: ROOT,
      input: files.join('\0'),
    });
    expect(tar.status, String(tar.stderr)).toBe(0);
    expect(existsSync(join(clone, 'node_modules'))).toBe(false);
    expect(existsSync(join(clone, 'dist'))).toBe(false);

    const env = {
      ...process.env,
      npm_config_prefix: prefix,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    };
    for (const k of Object.keys(env))
      if (/^npm_(lifecycle|package)_/.test(k) || k === 'npm_config_global') delete env[k];
    const install = spawnSync('npm', ['install', '-g', '--prefer-offline', clone], {
      cwd: dir,
      env,
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(install.status, `${install.stdout}\n${install.stderr}`).toBe(0);

    const bin = join(prefix, 'bin', 'board');
    const version = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);

    // and it works in a repository of one's own
    const repo = join(dir, 'shop');
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo });
    const run = (args: string[]) =>
      spawnSync(bin, args, { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(run(['init']).status).toBe(0);
    const made = run(['new', 'Login API', '--as', 'alice']);
    expect(made.status, made.stderr).toBe(0);
    expect(run(['list']).stdout).toContain('Login API');
  });
});
