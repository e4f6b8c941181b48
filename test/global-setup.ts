import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Tests run the real `board` binary, which runs dist/: build it once before the suite. */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
}
