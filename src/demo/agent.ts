/**
 * A simulated agent for `board demo`: a separate process that works the way an AI
 * conversation with file tools and a shell would. It reads its inbox (plain files, or
 * `board inbox`/`board read`), takes work with `board next`, edits its ticket file by hand
 * (ticks the checklist, adds notes, sets updated_by), commits code in its own worktree,
 * sends recados (a file in its outbox, or `board send`) and closes with `board close`.
 * Each agent has a few habits of its own (see PERSONAS): ben makes a bad edit and later
 * walks away from a claim; ana takes over a ticket whose lease ran out; olga kicks off and
 * wraps up.
 *
 * Usage: node dist/demo/agent.js NAME JSON-OPTIONS  (started by `board demo`)
 * Prints one line per thing it does; exits 0 when the plan is done (or when it "crashes").
 */
import { run } from '../proc/run.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, watch, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { featuresOf, type Features } from './features.js';

interface Options {
  /** The agent's worktree (its commands run there). */
  worktree: string;
  /** The board's folder (.board of the main worktree). */
  board: string;
  /** bin/board of this package. */
  bin: string;
  /** Milliseconds an agent "thinks" between steps. */
  pace: number;
  /** Give up after this long (ms). */
  deadline: number;
}

interface TicketJson {
  id: string;
  title: string;
  status: string;
  claim: { by: string; at: string; expires: string } | null;
  assignee: string | null;
}

interface Recado {
  id: string;
  from: string;
  subject: string;
  ticket: string | null;
}

const name = process.argv[2];
const opts = JSON.parse(process.argv[3] ?? '{}') as Options;
const started = Date.now();
const say = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const think = (factor = 1) => sleep(opts.pace * factor);

/* --------------------------------------------------------------- the tools ---- */

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function exec(file: string, args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  const r = await run(file, args, { cwd: opts.worktree, env: { ...process.env, ...env, NO_COLOR: '1' }, input });
  const [stdout, stderr] = [r.stdout.toString(), r.stderr.toString()];
  if (r.error) return { code: 127, stdout, stderr: String(r.error) };
  return { code: r.code ?? 1, stdout, stderr };
}

/** The real `board` binary, as this agent (BOARD_AGENT), from its worktree. */
const board = (args: string[]) => exec(process.execPath, [opts.bin, ...args], { BOARD_AGENT: name });

async function boardOk(args: string[]): Promise<string> {
  const r = await board(args);
  if (r.code !== 0) throw new Error(`board ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

function git(args: string[]): Promise<Run> {
  return exec('git', args, {
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: `${name}@demo`,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: `${name}@demo`,
  });
}

const inboxNew = join(opts.board, 'inbox', name, 'new');
const inboxCur = join(opts.board, 'inbox', name, 'cur');
const ticketFile = (id: string) => join(opts.board, 'tickets', `${id}.md`);

function field(text: string, key: string): string | null {
  const fm = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
  const m = new RegExp(`^${key}:[ \\t]*(.*)$`, 'm').exec(fm);
  return m ? m[1].trim().replace(/^["']|["']$/g, '') : null;
}

/** Read the unread recados by hand: each file in new/, then moved to cur/. */
function readInboxByHand(): Recado[] {
  let names: string[] = [];
  try {
    names = readdirSync(inboxNew)
      .filter((n) => n.endsWith('.md') && !n.startsWith('.'))
      .sort();
  } catch {
    return [];
  }
  const out: Recado[] = [];
  for (const n of names) {
    let text: string;
    try {
      text = readFileSync(join(inboxNew, n), 'utf8');
      mkdirSync(inboxCur, { recursive: true });
      renameSync(join(inboxNew, n), join(inboxCur, n));
    } catch {
      continue; // read meanwhile
    }
    const r = {
      id: n.slice(0, -3),
      from: field(text, 'from') ?? '?',
      subject: field(text, 'subject') ?? '',
      ticket: field(text, 'ticket'),
    };
    out.push(r);
    say(`read recado from ${r.from}: "${r.subject}"${r.ticket ? ` [${r.ticket}]` : ''}`);
  }
  return out;
}

/** Read the unread recados the way a Claude Code hook hands them over: `board hook claude` (marks them read). */
async function readInboxThroughHook(): Promise<void> {
  const text = await boardOk(['hook', 'claude']);
  const heads = [...text.matchAll(/^--- recado (\S+) from (\S+), [^\n]*\nSubject: (.*)$/gm)];
  if (heads.length)
    say(
      `board hook claude: ${heads.length} recado(s) put into my context: ${heads.map((m) => `"${m[3]}" (${m[2]})`).join(', ')}`,
    );
}

/**
 * Wait until something lands in the inbox or a ticket file changes (an agent keeping an eye
 * on the board), or `ms` pass. Changes within 100 ms of the first one are waited out.
 */
function waitForChange(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const watchers: ReturnType<typeof watch>[] = [];
    let settle: NodeJS.Timeout | null = null;
    const done = () => {
      clearTimeout(timer);
      if (settle) clearTimeout(settle);
      for (const w of watchers) w.close();
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const dir of [inboxNew, join(opts.board, 'tickets')]) {
      try {
        watchers.push(
          watch(dir, () => {
            settle ??= setTimeout(done, 100);
          }),
        );
      } catch {
        /* no such folder: the timeout still ends the wait */
      }
    }
  });
}

/** Edit a ticket file by hand, the way a file tool would: read, change, write back, with updated_by. */
function editTicket(id: string, change: (text: string) => string): { before: string; after: string } {
  const before = readFileSync(ticketFile(id), 'utf8');
  let after = change(before);
  after = /^updated_by:.*$/m.test(after.split('\n---')[0])
    ? after.replace(/^updated_by:.*$/m, `updated_by: ${name}`)
    : after.replace(/^---\n([\s\S]*?)\n---/, (_m, fm: string) => `---\n${fm}\nupdated_by: ${name}\n---`);
  writeFileSync(ticketFile(id), after);
  return { before, after };
}

const tick = (item: string) => (text: string) => text.replace(`- [ ] ${item}`, `- [x] ${item}`);
const note = (line: string) => (text: string) => `${text.replace(/\n*$/, '\n')}- ${name}: ${line}\n`;

/** Write a file in the worktree, check its path against reservations, commit it on board/NAME. */
async function commitCode(path: string, content: string, message: string, check = false): Promise<void> {
  const full = join(opts.worktree, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, content);
  if (check) {
    const c = await board(['check-paths', path]);
    if (c.code !== 0) {
      say(`check-paths refused ${path}: ${c.stderr.trim()}`);
      return;
    }
    say(`board check-paths ${path}: ${c.stdout.trim()}`);
  }
  await git(['add', '--', path]);
  const c = await git(['commit', '-q', '-m', message]);
  say(c.code === 0 ? `committed ${path} on board/${name}: "${message}"` : `git commit failed: ${c.stderr.trim()}`);
}

/** Send a recado the file way: a Markdown file dropped into the outbox. */
function drop(to: string | string[], subject: string, body: string, extra: Record<string, string> = {}): void {
  const dir = join(opts.board, 'outbox', name);
  const file = join(dir, `${Date.now()}-${Math.random().toString(36).slice(2, 6)}.md`);
  const head = [
    `to: ${Array.isArray(to) ? `[${to.join(', ')}]` : to}`,
    `subject: ${subject}`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  // written aside and moved in, so the watcher never sees half a file
  const tmp = join(dir, `.${Date.now()}.tmp`);
  writeFileSync(tmp, `---\n${head.join('\n')}\n---\n${body}\n`);
  renameSync(tmp, file);
  say(`dropped a recado for ${Array.isArray(to) ? to.join(', ') : to} in .board/outbox/${name}/: "${subject}"`);
}

async function send(to: string, subject: string, body: string, extra: string[] = []): Promise<void> {
  const id = (await boardOk(['send', to, body, '--subject', subject, ...extra])).trim();
  say(`board send ${to} "${subject}" -> ${id}`);
}

/** A look at the ticket files themselves (what an agent with file tools would do). */
interface TicketLook {
  id: string;
  status: string;
  claim: { by: string; expires: string } | null;
}

function lookAtTickets(): TicketLook[] {
  const dir = join(opts.board, 'tickets');
  const out: TicketLook[] = [];
  for (const n of readdirSync(dir)) {
    if (!n.endsWith('.md')) continue;
    let text: string;
    try {
      text = readFileSync(join(dir, n), 'utf8');
    } catch {
      continue;
    }
    const fm = /^---\n([\s\S]*?)\n---/.exec(text)?.[1] ?? '';
    const block = /^claim:[ \t]*\n((?:[ \t]+.*\n?)+)/m.exec(fm)?.[1] ?? '';
    const by = /^\s+by:\s*(\S+)/m.exec(block)?.[1];
    const expires = /^\s+expires:\s*["']?([^"'\s]+)/m.exec(block)?.[1];
    out.push({
      id: n.slice(0, -3),
      status: field(text, 'status') ?? '?',
      claim: by && expires ? { by, expires } : null,
    });
  }
  return out;
}

const allDone = (ts: TicketLook[]) => ts.length > 0 && ts.every((t) => t.status === 'done' || t.status === 'cancelled');
const hasUnread = () =>
  existsSync(inboxNew) && readdirSync(inboxNew).some((n) => n.endsWith('.md') && !n.startsWith('.'));

function features(): Features {
  try {
    const s = JSON.parse(readFileSync(join(opts.board, 'run', 'watcher.json'), 'utf8')) as { plugins?: string[] };
    return featuresOf(s.plugins ?? []);
  } catch {
    return featuresOf([]);
  }
}

/* -------------------------------------------------------------- personas ---- */

interface Persona {
  /** Once, before the loop. */
  start?(): Promise<void>;
  /** Read the inbox (default: by hand) and react to what came. */
  inbox?(): Promise<void>;
  /** Work on a claimed ticket, up to (not including) the close. Return false to walk away. */
  work: Record<string, (t: TicketJson) => Promise<boolean | void>>;
  /** Extra `board next` options. */
  nextArgs?(): string[];
  /** Nothing was ready: anything else to do? Returns a ticket it claimed, if any, or how long to wait. */
  idle?(tickets: TicketLook[]): Promise<TicketJson | number | null>;
  /** The plan is done. */
  finish?(): Promise<void>;
}

let closed = 0;

/** The bad edit. Returns once its outcome is known: undone by the watcher, or put back by hand. */
async function badEdit(): Promise<void> {
  // ben is sure the login form is as good as done, and says so in the ticket: but UI-2 waits on UI-1 (his own, open)
  const { before } = editTicket('UI-2', (t) =>
    note('the form is basically done')(t.replace(/^status: .*$/m, 'status: done')),
  );
  say('edited .board/tickets/UI-2.md by hand: status: done (a bad edit: UI-2 waits on UI-1, still open)');
  const f = features();
  const until = Date.now() + (f.enforce ? 10_000 : 1_000);
  await null;
  while (Date.now() < until) {
    await sleep(100);
    const now = readFileSync(ticketFile('UI-2'), 'utf8');
    if (field(now, 'status') !== 'done') {
      say('the watcher undid my edit of UI-2 (my version is kept in .board/rejected/, a recado tells me why)');
      return;
    }
  }
  say(
    'expected: the watcher undoes that edit, keeps my version in .board/rejected/ and tells me why; ' +
      'this watcher has no edit-enforcement plugin, so I put UI-2 back by hand',
  );
  writeFileSync(ticketFile('UI-2'), before);
}

const seenClaimed = new Map<string, string>();

const PERSONAS: Record<string, Persona> = {
  olga: {
    async start() {
      drop(
        'all',
        'Plan is on the board',
        'Three waves: API and shell first, then endpoint and form, then the e2e test and the notes.\nTake work with `board next`; tell each other when something you own is ready.',
      );
    },
    inbox: async () => {
      if (hasUnread()) await readInboxThroughHook();
    },
    work: {
      'DOC-1': async (t) => {
        editTicket(t.id, (x) => note('endpoint and form shipped; e2e test pending')(tick('Notes written')(x)));
        say(`ticked "Notes written" in .board/tickets/${t.id}.md`);
        await think();
        await commitCode(
          'docs/release/notes.md',
          '# Release notes\n\n- Log in with POST /login and the new form.\n',
          'Release notes for login',
        );
      },
    },
    async finish() {
      drop('all', 'All done', 'Every wave is done: thank you all.');
      // stay until the watcher has taken it from the outbox
      const outbox = join(opts.board, 'outbox', name);
      for (let i = 0; i < 100 && readdirSync(outbox).some((n) => n.endsWith('.md')); i++) await sleep(30);
    },
  },

  ana: {
    work: {
      'API-1': async (t) => {
        editTicket(t.id, (x) =>
          note('POST /login {user, password} -> 200 {token} | 401')(tick('Request and response shapes')(x)),
        );
        say(`ticked "Request and response shapes" in .board/tickets/${t.id}.md and noted the contract`);
        await think();
        await commitCode(
          'docs/api/login.md',
          '# POST /login\n\nRequest: {user, password}\nResponse: 200 {token}, 401 {error}\n',
          'Login API contract',
          true,
        );
        drop(
          'ben',
          'Login API contract ready',
          'POST /login {user, password} -> 200 {token} or 401 {error}. Details in docs/api/login.md.',
          { ticket: t.id },
        );
        editTicket(t.id, tick('Tell the frontend'));
      },
      'API-2': async (t) => {
        editTicket(t.id, tick('Handler'));
        say(`ticked "Handler" in .board/tickets/${t.id}.md`);
        await think();
        await commitCode(
          'src/api/login.ts',
          'export function login(user: string, password: string) {\n  return user && password ? { token: "t" } : null;\n}\n',
          'Login endpoint',
        );
        await send('olga', 'Login endpoint is in', 'POST /login works as agreed in API-1.', ['--ticket', t.id]);
        editTicket(t.id, tick('Tell olga'));
      },
      'QA-1': async (t) => {
        editTicket(t.id, (x) =>
          note('took this over from ben after his lease ran out')(tick('Wrong password')(tick('Happy path')(x))),
        );
        say(`ticked both items in .board/tickets/${t.id}.md`);
        await think();
        await commitCode('test/e2e/login.test.ts', 'test("login", () => {});\n', 'End-to-end login test');
        drop(
          ['olga', 'ben'],
          'QA-1 done (I took it over)',
          "ben's lease on QA-1 ran out, so I claimed it and finished it.",
          { ticket: t.id },
        );
      },
    },
    async idle(tickets) {
      // A ticket someone claimed and then went quiet on: its lease ran out (or the board released it).
      const active = new Set<string>();
      let expired: string | null = null;
      let soonest = Infinity;
      for (const t of tickets) {
        if (!t.claim || t.claim.by === name || t.status === 'done' || t.status === 'cancelled') continue;
        const left = Date.parse(t.claim.expires) - Date.now();
        if (!(left > 0)) expired ??= t.id;
        else {
          active.add(t.id);
          seenClaimed.set(t.id, t.claim.by);
          soonest = Math.min(soonest, left);
        }
      }
      const dropped = [...seenClaimed.keys()].find((id) => !active.has(id));
      const candidate = expired ?? dropped;
      if (!candidate) return soonest < 10_000 ? Math.max(50, soonest + 100) : null; // look again right when a lease ends
      const t = JSON.parse(await boardOk(['show', candidate, '--json'])) as TicketJson;
      const holder = seenClaimed.get(candidate) ?? t.claim?.by ?? 'someone';
      seenClaimed.delete(candidate);
      if (t.status === 'done' || t.status === 'cancelled') return null;
      if (t.claim && Date.parse(t.claim.expires) > Date.now()) return null;
      say(`${candidate} was claimed by ${holder}, who went quiet and whose lease ran out: taking it over`);
      const r = await board(['claim', candidate, '--json']);
      if (r.code !== 0) {
        say(`board claim ${candidate} refused: ${r.stderr.trim()}`);
        return null;
      }
      return JSON.parse(r.stdout) as TicketJson;
    },
  },

  ben: {
    inbox: async () => {
      for (const r of readInboxByHand()) {
        if (r.from === 'ana' && r.ticket === 'API-1') {
          await send('ana', 'Re: Login API contract ready', 'Thanks! Wiring the form to POST /login.', [
            '--reply-to',
            r.id,
            '--ticket',
            'UI-2',
          ]);
        }
      }
    },
    nextArgs: () => (closed >= 2 ? ['--lease', '2s'] : []),
    work: {
      'UI-1': async (t) => {
        const outcome = badEdit(); // he works on while the watcher looks at it
        editTicket(t.id, tick('Shell component'));
        say(`ticked "Shell component" in .board/tickets/${t.id}.md`);
        await think();
        await commitCode('src/ui/shell/app.tsx', 'export const App = () => null;\n', 'App shell');
        await outcome;
        editTicket(t.id, tick('Route /login'));
      },
      'UI-2': async (t) => {
        editTicket(t.id, (x) => tick('Error message')(tick('Form')(x)));
        say(`ticked both items in .board/tickets/${t.id}.md`);
        await think();
        await commitCode('src/ui/login/form.tsx', 'export const LoginForm = () => null;\n', 'Login form');
        drop('olga', 'Login form done', 'The form posts to /login and shows the error on 401.', { ticket: t.id });
      },
      'QA-1': async (t) => {
        say(
          `claimed ${t.id} with a 2 s lease ... and this conversation ends here (its window was closed): the claim is left behind`,
        );
        return false;
      },
    },
  },
};

/* ------------------------------------------------------------------- loop ---- */

async function main(): Promise<void> {
  const me = PERSONAS[name];
  if (!me) throw new Error(`no persona ${name}`);
  if (!existsSync(opts.worktree)) throw new Error(`no worktree ${opts.worktree}`);
  await me.start?.();
  for (;;) {
    if (Date.now() - started > opts.deadline)
      throw new Error(`still not done after ${Math.round(opts.deadline / 1000)} s`);
    await (me.inbox ?? (async () => void readInboxByHand()))();
    let t: TicketJson | null = null;
    const r = await board(['next', '--json', ...(me.nextArgs?.() ?? [])]);
    if (r.code === 0) {
      t = JSON.parse(r.stdout) as TicketJson;
      say(
        `board next: claimed ${t.id} "${t.title}"${t.claim ? ` (lease until ${t.claim.expires.slice(11, 19)})` : ''}`,
      );
    } else if (r.code === 3) {
      const tickets = lookAtTickets();
      if (allDone(tickets)) break;
      const idle = (await me.idle?.(tickets)) ?? null;
      if (idle === null || typeof idle === 'number') {
        if (!hasUnread()) await waitForChange(typeof idle === 'number' ? idle : 5000);
        continue;
      }
      t = idle;
    } else {
      throw new Error(`board next exited ${r.code}: ${r.stderr.trim()}`);
    }
    // a moment before editing what the board just wrote (as anyone would read the claimed ticket first)
    await sleep(Math.max(opts.pace, 250));
    const work = me.work[t.id];
    const carryOn = work ? await work(t) : undefined;
    if (carryOn === false) return; // walked away: the claim stays until its lease runs out
    await think(0.5);
    await boardOk(['close', t.id]);
    closed++;
    say(`board close ${t.id}`);
  }
  await me.finish?.();
  say('the plan is done: signing off');
}

main().then(
  () => process.exit(0),
  (e) => {
    say(`failed: ${String((e as Error)?.message ?? e)}`);
    process.exit(1);
  },
);
