// `npm run bench [name…]` (after `npm run build`): runs every bench/*.bench.mjs (or the named
// ones), prints the figures, writes them to bench/results.json (a named run replaces only its
// own benches there) and rewrites docs/performance.md from it. Each module exports `name`,
// `title`, `notes` (optional Markdown, no figures) and `run()` returning
// { figures: {...}, checks: [{what, value, limit, ok}] }. The benches use the built `board`
// binary and the package's public module (`recado/api`), nothing else of dist/.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { render } from '../scripts/performance-doc.mjs';
import { ROOT } from './lib.mjs';

const only = process.argv.slice(2);
const files = readdirSync(join(ROOT, 'bench'))
  .filter((f) => f.endsWith('.bench.mjs'))
  .sort();
const resultsFile = join(ROOT, 'bench', 'results.json');
const previous = only.length && existsSync(resultsFile) ? JSON.parse(readFileSync(resultsFile, 'utf8')) : null;
const loadavg = () => os.loadavg().map((x) => Math.round(x * 10) / 10);
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  load: { before: loadavg(), after: null },
  benches: { ...(previous?.benches ?? {}) },
};
let failed = 0;
for (const f of files) {
  const mod = await import(join(ROOT, 'bench', f));
  if (only.length && !only.includes(mod.name)) continue;
  process.stdout.write(`\n== ${mod.name}: ${mod.title}\n`);
  const t0 = Date.now();
  const out = await mod.run();
  out.seconds = Math.round((Date.now() - t0) / 100) / 10;
  out.date = new Date(t0).toISOString();
  results.benches[mod.name] = out;
  for (const [k, v] of Object.entries(out.figures ?? {})) process.stdout.write(`  ${k}: ${JSON.stringify(v)}\n`);
  for (const c of out.checks ?? []) {
    if (!c.ok) failed++;
    process.stdout.write(`  ${c.ok ? 'PASS' : 'MISS'} ${c.what}: ${c.value} (goal ${c.limit})\n`);
  }
}
results.load.after = loadavg();
writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
writeFileSync(join(ROOT, 'docs', 'performance.md'), `${(await render(results)).trimEnd()}\n`);
process.stdout.write(
  `\nwrote bench/results.json and docs/performance.md${failed ? ` (${failed} goal${failed === 1 ? '' : 's'} missed)` : ''}\n`,
);
