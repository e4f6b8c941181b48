import { defineConfig } from 'vitest/config';

/**
 * `npm run test:stress`: the race and crash tests with their full rounds (BOARD_STRESS=1:
 * many rounds of concurrent claimers, bursts of thousands of recados with the watcher killed
 * in the middle), and anything under test/stress/. `npm test` runs the same race and crash
 * tests with one short round each.
 */
export default defineConfig({
  test: {
    include: ['test/stress/**/*.test.ts', 'test/e2e/claims-race.test.ts', 'test/e2e/watch-crash.test.ts'],
    env: { BOARD_STRESS: '1' },
    maxWorkers: 2,
    testTimeout: 600_000,
    hookTimeout: 180_000,
    globalSetup: ['test/global-setup.ts'],
  },
});
