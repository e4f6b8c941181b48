/**
 * `npm run lint` enforces the layer directions of docs/architecture.md: a module that imports
 * across a layer the wrong way fails the lint. Each case lays one such file beside a copy of
 * the lint configuration in a temporary folder and runs the real linter on it.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const biome = join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');
const dir = mkdtempSync(join(tmpdir(), 'recado-lint-'));
copyFileSync(join(root, 'biome.json'), join(dir, 'biome.json'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Case = [file: string, source: string];

/** Lint every case in one run of the linter: the rules each case broke, in order. */
function lintAll(cases: Case[]): { status: number | null; broke: string[][]; out: string } {
  const files = cases.map(([file], i) => file.replace(/\.ts$/, `${i}.ts`));
  cases.forEach(([, source], i) => {
    mkdirSync(dirname(join(dir, files[i])), { recursive: true });
    writeFileSync(join(dir, files[i]), source);
  });
  const r = spawnSync(process.execPath, [biome, 'lint', '--max-diagnostics=none', ...files], {
    cwd: dir,
    encoding: 'utf8',
  });
  const out = `${r.stdout}${r.stderr}`;
  const rules = (file: string) =>
    [...out.matchAll(/^(\S+\.ts):\d+:\d+ (lint\/\S+)/gm)].filter((m) => m[1] === file).map((m) => m[2]);
  return { status: r.status, broke: files.map(rules), out };
}

describe('npm run lint: layer directions', () => {
  const refused: Case[] = [
    ['src/core/x.ts', "import { readFileSync } from 'node:fs';\nexport const f = readFileSync;\n"],
    ['src/core/x.ts', "import { spawn } from 'node:child_process';\nexport const f = spawn;\n"],
    ['src/core/x.ts', "import chokidar from 'chokidar';\nexport const f = chokidar;\n"],
    ['src/core/x.ts', "import { loadBoard } from '../store/tickets.js';\nexport const f = loadBoard;\n"],
    ['src/store/x.ts', "import { runGit } from '../git/git.js';\nexport const f = runGit;\n"],
    ['src/store/mail/x.ts', "import { runGit } from '../../git/git.js';\nexport const f = runGit;\n"],
    ['src/store/x.ts', "export const f = () => import('../watch/daemon.js');\n"],
    ['src/store/x.ts', "import { main } from '../cli/main.js';\nexport const f = main;\n"],
    ['src/git/x.ts', "import { startHost } from '../watch/host.js';\nexport const f = startHost;\n"],
    ['src/git/x.ts', "import { paint } from '../cli/output.js';\nexport const f = paint;\n"],
    ['src/watch/x.ts', "import { paint } from '../cli/output.js';\nexport const f = paint;\n"],
    ['src/watch/plugins/x.ts', "import { paint } from '../../cli/output.js';\nexport const f = paint;\n"],
    ['src/git/x.ts', "import { claim } from '../ops/tickets.js';\nexport const f = claim;\n"],
    ['src/store/x.ts', "import { claim } from '../ops/tickets.js';\nexport const f = claim;\n"],
    ['src/ops/x.ts', "import { startHost } from '../watch/host.js';\nexport const f = startHost;\n"],
    ['src/ops/x.ts', "import { paint } from '../cli/output.js';\nexport const f = paint;\n"],
    ['src/watch/x.ts', "import { serveStdio } from '../mcp/server.js';\nexport const f = serveStdio;\n"],
  ];
  it('refuses every import across a layer the wrong way, and the lint fails', () => {
    const r = lintAll(refused);
    expect(r.status, r.out).not.toBe(0);
    refused.forEach(([file, source], i) => {
      expect(r.broke[i], `${file}: ${source}`).toContain('lint/style/noRestrictedImports');
    });
  });

  const allowed: Case[] = [
    [
      'src/core/x.ts',
      "import { createHash } from 'node:crypto';\nimport { parse } from './ticket.js';\nexport const f = [createHash, parse];\n",
    ],
    [
      'src/store/x.ts',
      "import { readFileSync } from 'node:fs';\nimport { parse } from '../core/ticket.js';\nexport const f = [readFileSync, parse];\n",
    ],
    ['src/git/x.ts', "import { loadBoard } from '../store/tickets.js';\nexport const f = loadBoard;\n"],
    ['src/watch/x.ts', "import { runGit } from '../git/git.js';\nexport const f = runGit;\n"],
    [
      'src/ops/x.ts',
      "import { runGit } from '../git/git.js';\nimport { mutateTicket } from '../store/tickets.js';\nexport const f = [runGit, mutateTicket];\n",
    ],
    ['src/watch/x.ts', "import { claim } from '../ops/tickets.js';\nexport const f = claim;\n"],
    ['src/cli/x.ts', "import { startHost } from '../watch/host.js';\nexport const f = startHost;\n"],
    ['src/mcp/x.ts', "import { claim } from '../ops/tickets.js';\nexport const f = claim;\n"],
  ];
  it('allows imports downwards', () => {
    const r = lintAll(allowed);
    expect(r.out).not.toContain('noRestrictedImports');
    expect(r.status, r.out).toBe(0);
  });
});
