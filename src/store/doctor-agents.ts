/** `board doctor`: agents' worktrees recorded in board.yaml that are not there (any more). */
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Board } from './board.js';
import { loadConfig } from './config.js';
import type { Finding } from './doctor.js';

export function checkAgentWorktrees(board: Board): Finding[] {
  let agents;
  try {
    agents = loadConfig(board).agents;
  } catch {
    return []; // reported by the config check
  }
  const file = board.rel(board.configFile);
  const out: Finding[] = [];
  for (const [name, a] of Object.entries(agents)) {
    if (!a.worktree) continue;
    const path = isAbsolute(a.worktree) ? a.worktree : resolve(board.repo, a.worktree);
    if (!existsSync(path)) {
      out.push({
        severity: 'warning',
        file,
        field: `agents.${name}.worktree`,
        message: `${name}'s worktree ${path} does not exist`,
        hint: `\`board agent add ${name} --worktree ${a.worktree}\` makes it again (on its branch board/${name})`,
      });
    } else {
      let isFile = false;
      try {
        isFile = statSync(join(path, '.git')).isFile();
      } catch {
        /* no .git */
      }
      if (!isFile) {
        out.push({
          severity: 'warning',
          file,
          field: `agents.${name}.worktree`,
          message: `${name}'s worktree ${path} is not a linked git worktree (no .git file there)`,
          hint: `commands run there may not find this board; \`board agent add ${name} --worktree PATH\` records another`,
        });
      }
    }
  }
  return out;
}
