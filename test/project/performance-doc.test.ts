/** docs/performance.md is generated from bench/results.json: every figure and goal comes from it. */
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { render } from '../../scripts/performance-doc.mjs';

describe('docs/performance.md from bench/results.json', () => {
  it('renders the goals and every figure of each bench, with the machine it was measured on', async () => {
    const results = {
      date: '2026-12-03T10:00:00.000Z',
      node: 'v20.20.2',
      cpus: 2,
      cpu: 'Test CPU',
      load: { before: [0.5, 0.4, 0.3], after: [1.1, 0.6, 0.4] },
      benches: {
        tickets: {
          date: '2026-12-03T10:00:00.000Z',
          seconds: 12.3,
          figures: {
            'node -e 0 (ms)': { n: 20, min: 70, p50: 74.5, p90: 80, p99: 90, max: 91 },
            'show ID: files parsed': { parsed: 1, cached: 9999 },
          },
          checks: [{ what: 'list --json over 1000 tickets (cache) / node -e 0', value: 2.2, limit: '<= 4x', ok: true }],
        },
      },
    };
    const md: string = await render(results);
    expect(md).toContain('Measured 2026-12-03 on 2 × Test CPU, Node v20.20.2; load average 0.5 / 0.4 / 0.3 before');
    expect(md).toContain('| tickets | list --json over 1000 tickets (cache) / node -e 0 <= 4x | 2.2 | met |');
    expect(md).toContain('| node -e 0 (ms) | 20 | 70 | 74.5 | 80 | 90 | 91 |');
    expect(md).toContain('| show ID: files parsed | {"parsed":1,"cached":9999} |');
    expect(md).toMatch(/## list\/show at 1,000 and 10,000 tickets vs node -e 0 \(`npm run bench tickets`\)/);
    expect(md).toContain('derived cache'); // the bench's notes
    expect(await render(null)).toContain('No results yet: run `npm run bench`.');
  });
});
