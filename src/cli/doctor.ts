/**
 * Every check `board doctor` makes, in the order it reports them. A check sits in the lowest
 * layer that can make it (src/store for files, src/git for the repository); this list sits
 * above them all. A new check: write it beside what it checks and add it here.
 */
import { checkGit } from '../git/doctor.js';
import type { Board } from '../store/board.js';
import { checkAgentWorktrees } from '../store/doctor-agents.js';
import { checkClaims } from '../store/doctor-claims.js';
import { checkEnforcement } from '../store/doctor-enforce.js';
import {
  type Check,
  checkConfig,
  checkLinks,
  checkStrayFiles,
  checkTickets,
  checkTmp,
  type Finding,
} from '../store/doctor.js';
import { checkMailboxes } from '../store/mailbox.js';

export const CHECKS: Check[] = [
  checkConfig,
  checkTickets,
  checkLinks,
  checkStrayFiles,
  checkTmp,
  checkClaims,
  checkMailboxes,
  checkGit,
  checkEnforcement,
  checkAgentWorktrees,
];

export function runChecks(board: Board): Finding[] {
  return CHECKS.flatMap((c) => c(board));
}
