#!/usr/bin/env node
// `prepare`: build dist/ with the TypeScript compiler. npm runs it on `npm install` or
// `npm ci` in a checkout (where the dev dependencies are installed), and also when a checkout
// is installed as a command somewhere else, e.g. `npm install -g /path/to/recado`, where
// they are not: then it installs this checkout's dependencies first (from npm's cache when
// it can), so that `board` works as the README says on a fresh machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));

function tscPath() {
  try {
    return join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    return null;
  }
}

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  if (r.error) throw r.error;
  if (r.status !== 0) process.exit(r.status ?? 1);
}

let tsc = tscPath();
if (!tsc || !existsSync(join(root, 'node_modules', 'chokidar'))) {
  // The install that called us may be a global one (npm_config_global, a --prefix): the
  // nested install is a plain one of this folder, so drop what would make it global.
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^npm_config_(global|prefix|location|omit|include|production|only|also|dev|save.*|package_lock.*)$/i.test(k)) {
      delete env[k];
    }
  }
  console.error('recado: installing its dependencies to build dist/ (npm install --include=dev)');
  const npm = process.env.npm_execpath;
  const args = ['install', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'];
  if (npm && npm.endsWith('.js')) run(process.execPath, [npm, ...args], env);
  else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, env);
  tsc = tscPath();
  if (!tsc) {
    console.error('recado: typescript is still missing after npm install; run `npm install` in this folder');
    process.exit(1);
  }
}
run(process.execPath, [tsc, '-p', 'tsconfig.json']);
