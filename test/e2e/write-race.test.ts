/**
 * A board write racing a careless editor: an "editor" process saves a ticket every few
 * milliseconds (read, add a note line, write aside, rename into place) while `board close`
 * runs, with a real watcher enforcing hand edits. Nothing may be undone and nothing lost:
 * every close stays closed, and every note the editor saved is in the ticket or kept in
 * rejected/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentHash } from '../../src/store/receipts.js';
import { startWatcherProcess, tempRepo, waitFor, type TempRepo, type WatcherProcess } from '../helpers.js';

const EDITOR = `
const fs = require('node:fs');
const [file, tag] = process.argv.slice(1);
const saved = [];
let n = 0, stop = false;
process.on('SIGTERM', () => { stop = true; });
function once() {
  if (stop) { process.stdout.write(JSON.stringify(saved)); process.exit(0); }
  let text;
  try { text = fs.readFileSync(file, 'utf8'); } catch { return setTimeout(once, 1); }
  const note = tag + '-' + (n++);
  const tmp = file.replace(/[^/]+$/, '.' + tag + '.swp');
  fs.writeFileSync(tmp, text + note + '\\n');
  fs.renameSync(tmp, file);
  saved.push(note);
  setTimeout(once, 3);
}
process.stdout.write('ready\\n');
once();
`;

function startEditor(file: string, tag: string): { proc: ChildProcess; done: () => Promise<string[]> } {
  const proc = spawn(process.execPath, ['-e', EDITOR, file, tag], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  proc.stdout!.on('data', (d) => (out += d));
  const done = async () => {
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGTERM');
    await exited;
    return JSON.parse(out.slice(out.indexOf('\n') + 1)) as string[];
  };
  return { proc, done };
}

describe('board writes racing an editor that saves every 3 ms', () => {
  let repo: TempRepo;
  let w: WatcherProcess;
  const procs: ChildProcess[] = [];

  beforeAll(async () => {
    repo = tempRepo();
    expect(repo.board(['agent', 'add', 'alice']).code).toBe(0);
    w = startWatcherProcess(repo.dir, { track: procs });
    await w.until((e) => e.type === 'ready');
  });

  afterAll(async () => {
    await w?.stop();
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    repo?.cleanup();
  });

  it('undoes no close and loses no note (12 rounds)', async () => {
    const B = (...p: string[]) => repo.path('.board', ...p);
    const rounds = 12;
    let undone = 0;
    let lost: string[] = [];
    let saves = 0;
    for (let i = 0; i < rounds; i++) {
      const made = repo.board(['new', `Race ${i}`, '--as', 'alice']);
      expect(made.code, made.stderr).toBe(0);
      const id = made.stdout.trim();
      expect(repo.board(['claim', id, '--as', 'alice']).code).toBe(0);
      const file = B('tickets', `${id}.md`);
      const editor = startEditor(file, `note${i}`);
      procs.push(editor.proc);
      await waitFor(() => readFileSync(file, 'utf8').includes(`note${i}-3`), 20_000);
      const closed = await repo.boardAsync(['close', id, '--as', 'alice']);
      expect(closed.code, closed.stderr).toBe(0);
      // let the editor save on top of the closed version for a while
      const after = readFileSync(file, 'utf8').split(`note${i}-`).length;
      await waitFor(() => readFileSync(file, 'utf8').split(`note${i}-`).length > after + 10, 20_000);
      const notes = await editor.done();
      saves += notes.length;
      // a last save, then wait until the watcher has judged exactly that version
      const final = readFileSync(file, 'utf8') + `final${i}\n`;
      writeFileSync(`${file}.swp`, final);
      renameSync(`${file}.swp`, file);
      const hash = contentHash(final);
      await w.until(
        (e) => e.id === id && e.version === hash && (e.type === 'edit_accepted' || e.type === 'edit_refused'),
        30_000,
      );
      await waitFor(() => !existsSync(B('run', 'enforce')) || readdirSync(B('run', 'enforce')).length === 0, 20_000);
      const shown = JSON.parse(repo.board(['show', id, '--json']).stdout) as { status: string; claim: unknown };
      if (shown.status !== 'done' || shown.claim) {
        undone++;
        if (process.env.RACE_DEBUG)
          console.log(
            id,
            JSON.stringify(
              w.events().filter((e) => e.id === id),
              null,
              0,
            ),
          );
      }
      const text = readFileSync(file, 'utf8');
      const kept = existsSync(B('rejected'))
        ? readdirSync(B('rejected'))
            .filter((n) => n.endsWith('.md'))
            .map((n) => readFileSync(B('rejected', n), 'utf8'))
            .join('\n')
        : '';
      lost = lost.concat(
        notes.filter((n) => !new RegExp(`^${n}$`, 'm').test(text) && !new RegExp(`^${n}$`, 'm').test(kept)),
      );
    }
    expect(saves).toBeGreaterThan(rounds * 10);
    expect({ undone, lost }).toEqual({ undone: 0, lost: [] });
  }, 600_000);
});
