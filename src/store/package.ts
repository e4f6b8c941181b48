import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** A path inside the installed recado package (dist/store/package.js -> package root). */
export function packagePath(...parts: string[]): string {
  return join(fileURLToPath(new URL('../../', import.meta.url)), ...parts);
}
