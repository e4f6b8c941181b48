// `npm run bench [name…]`: runs every bench/*.bench.mjs (or the named ones), prints the
// figures and writes them to bench/results.json. Each module exports `name`, `title`, and
// `run()` returning { figures: {...}, checks: [{what, value, limit, ok}] }.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { ROOT } from './lib.mjs';

const only = process.argv.slice(2);
const files = readdirSync(join(ROOT, 'bench')).filter((f) => f.endsWith('.bench.mjs')).sort();
const results = {
  date: new Date().toISOString(),
  node: process.version,
  cpus: os.cpus().length,
  cpu: os.cpus()[0]?.model,
  benches: {},
};
let failed = 0;
for (const f of files) {
  const mod = await import(join(ROOT, 'bench', f));
  if (only.length && !only.includes(mod.name)) continue;
  process.stdout.write(`\n== ${mod.name}: ${mod.title}\n`);
  const t0 = Date.now();
  const out = await mod.run();
  out.seconds = Math.round((Date.now() - t0) / 100) / 10;
  results.benches[mod.name] = out;
  for (const [k, v] of Object.entries(out.figures ?? {})) process.stdout.write(`  ${k}: ${JSON.stringify(v)}\n`);
  for (const c of out.checks ?? []) {
    if (!c.ok) failed++;
    process.stdout.write(`  ${c.ok ? 'PASS' : 'MISS'} ${c.what}: ${c.value} (goal ${c.limit})\n`);
  }
}
writeFileSync(join(ROOT, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
process.stdout.write(`\nwrote bench/results.json${failed ? ` (${failed} goal${failed === 1 ? '' : 's'} missed)` : ''}\n`);
