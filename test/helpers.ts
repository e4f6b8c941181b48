/** Test helpers: everything is in the one fixture (test/fixture.ts); this path stays importable. */
export * from './fixture.js';
