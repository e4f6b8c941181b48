/**
 * The plugins `board watch` runs, in this order (see plugin.ts for how to write one).
 * Each entry loads its module only when the watcher starts: add one line per plugin.
 */
import type { WatchPlugin } from './plugin.js';

export const PLUGINS: Array<() => Promise<WatchPlugin>> = [
  async () => (await import('./enforce.js')).enforcePlugin(),
  async () => (await import('./leases.js')).leasePlugin(),
  async () => (await import('./requests.js')).requestsPlugin(),
  async () => (await import('./waves.js')).wavesPlugin(),
  async () => (await import('./integrate.js')).integratePlugin(),
  async () => (await import('./audit.js')).auditPlugin(),
  async () => (await import('./notify.js')).notifyPlugin(),
  async () => (await import('./sync.js')).liveSyncPlugin(),
];

export async function loadPlugins(): Promise<WatchPlugin[]> {
  return Promise.all(PLUGINS.map((load) => load()));
}
