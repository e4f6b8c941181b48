import { readdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * After `kill-server`: tmux leaves its socket folder in TMUX_TMPDIR (and the socket, until the
 * server has gone). The private server's socket and then the folder, once empty, are removed,
 * so a run leaves nothing behind. Other servers' sockets are left alone.
 */
export async function removeTmuxDir(socket?: string): Promise<void> {
  if (!process.env.TMUX_TMPDIR || !process.getuid) return;
  const dir = join(process.env.TMUX_TMPDIR, `tmux-${process.getuid()}`);
  for (let i = 0; i < 40; i++) {
    let left: string[];
    try {
      left = readdirSync(dir);
    } catch {
      return; // gone
    }
    if (socket && left.includes(socket) && i >= 20) rmSync(join(dir, socket), { force: true }); // its server is gone by now
    if (!left.length) {
      try {
        rmdirSync(dir);
      } catch {
        /* raced */
      }
      return;
    }
    if (!socket || !left.includes(socket)) return; // another server still runs: its own test removes the folder
    await new Promise((r) => setTimeout(r, 50));
  }
}
