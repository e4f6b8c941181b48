import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** A path inside the installed recado package (dist/store/package.js -> package root). */
export function packagePath(...parts: string[]): string {
  return join(fileURLToPath(new URL('../../', import.meta.url)), ...parts);
}

let version: string | undefined;

/** The version in the installed package's package.json. */
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
  return version;
}
