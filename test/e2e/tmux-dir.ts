import { rmdirSync } from 'node:fs';
import { join } from 'node:path';

/** tmux leaves its (then empty) socket folder in TMUX_TMPDIR after kill-server: removed, so a run leaves nothing behind. */
export function removeTmuxDir(): void {
  if (!process.env.TMUX_TMPDIR || !process.getuid) return;
  try {
    rmdirSync(join(process.env.TMUX_TMPDIR, `tmux-${process.getuid()}`));
  } catch {
    /* not empty (another server still runs), or gone */
  }
}
