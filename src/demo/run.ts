/**
 * `board demo`: a whole run of the board in a temporary git repository, with real
 * processes only. It lays a board with three agents (each in its own git worktree) and a
 * three-wave plan, starts the real watcher (`board watch --json`) and prints its event stream
 * as it happens, then starts three simulated agents (demo/agent.ts, separate processes that
 * use the `board` binary and plain file edits). They read their inboxes, claim with
 * `board next`, edit tickets by hand, commit code in their worktrees, send each other
 * recados (outbox files and `board send`); one makes a bad edit, one walks away from a
 * claim whose lease then runs out and is taken over; tickets close and waves advance. It
 * ends with `board status` and the audit branch's git log.
 *
 * What the watcher does beyond routing recados depends on its plugins (.board/run/watcher.json
 * names them): where one is missing, the demo says what it expected instead.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { paint } from '../cli/output.js';
import { Board } from '../store/board.js';
import { mutateConfig } from '../store/config.js';
import { packagePath } from '../store/package.js';
import { featuresOf, type Features } from './features.js';
import { AGENTS, TICKETS } from './plan.js';

export interface DemoOptions {
  /** Shorter pauses between the agents' steps (for tests). */
  fast?: boolean;
  /** Remove the temporary folder at the end. */
  clean?: boolean;
  /** Where the running commentary goes. */
  write: (line: string) => void;
}

export interface DemoResult {
  ok: boolean;
  /** The temporary folder (repository, worktrees, notify log), or null once removed. */
  dir: string | null;
  repo: string;
  seconds: number;
  problems: string[];
  plugins: string[];
  features: Features;
  /** What a missing plugin would have shown. */
  expected: string[];
  tickets: { id: string; status: string }[];
  /** `git log --format='%an %s' recado`, oldest first; null when the branch does not exist. */
  audit: { branch: string; commits: { author: string; subject: string }[] } | null;
  /** Recados olga's `notify:` command received. */
  notified: number;
}

/** How long the agents have (BOARD_DEMO_BUDGET_MS: the tests give a busy machine more time). */
const BUDGET_MS = Number(process.env.BOARD_DEMO_BUDGET_MS) || 28_000;

/** The environment for the demo's processes: nothing that points at another board or repository. */
function demoEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  for (const k of [
    'BOARD_AGENT',
    'BOARD_DIR',
    'BOARD_TMUX_SOCKET',
    'GIT_DIR',
    'GIT_WORK_TREE',
    'GIT_INDEX_FILE',
    'GIT_COMMON_DIR',
    'GIT_AUTHOR_NAME',
    'GIT_AUTHOR_EMAIL',
    'GIT_COMMITTER_NAME',
    'GIT_COMMITTER_EMAIL',
  ]) {
    if (!(k in extra)) delete env[k];
  }
  return env;
}

const COLOURS: Record<string, (s: string) => string> = {
  demo: paint.bold,
  watch: paint.cyan,
  olga: paint.yellow,
  ana: paint.green,
  ben: paint.blue,
};

export async function runDemo(opts: DemoOptions): Promise<DemoResult> {
  const t0 = Date.now();
  const bin = packagePath('bin', 'board');
  const agentScript = packagePath('dist', 'demo', 'agent.js');
  const say = (who: string, text: string) => {
    for (const line of text.replace(/\n+$/, '').split('\n'))
      opts.write(`${(COLOURS[who] ?? ((s: string) => s))(who.padEnd(5))} │ ${line}`);
  };
  const problems: string[] = [];
  const expected: string[] = [];

  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'recado-demo-')));
  const repo = join(dir, 'repo');
  mkdirSync(repo);
  say('demo', `a temporary git repository: ${repo}`);

  const git = (args: string[], cwd = repo) => {
    const r = spawnSync('git', args, { cwd, env: demoEnv(), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  git(['init', '-q', '-b', 'main']);
  git(['config', 'user.name', 'Demo Person']);
  git(['config', 'user.email', 'person@demo']);
  git(['config', 'commit.gpgsign', 'false']);
  writeFileSync(join(repo, 'README.md'), '# A login feature, built by three agents\n');
  git(['add', 'README.md']);
  git(['commit', '-q', '-m', 'Start']);

  /** Run the real `board` in the background (as olga); resolves with its exit code and output. */
  const boardAsync = (args: string[]) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [bin, ...args], {
        cwd: repo,
        env: demoEnv({ BOARD_AGENT: 'olga' }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (d) => (stdout += d));
      child.stderr!.on('data', (d) => (stderr += d));
      child.on('error', (e) => resolve({ code: null, stdout, stderr: String(e) }));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  /** Run the real `board`, as `as`, and show the command and what it printed. */
  const board = (args: string[], as = 'olga', show = true) => {
    const r = spawnSync(process.execPath, [bin, ...args], {
      cwd: repo,
      env: demoEnv({ BOARD_AGENT: as }),
      encoding: 'utf8',
    });
    if (show) {
      const shown = args
        .map((a) => (/^[\w@%+=:,./*-]+$/.test(a) ? a : JSON.stringify(a.length > 40 ? `${a.slice(0, 37)}...` : a)))
        .join(' ');
      say('demo', paint.dim(`$ board ${shown}`));
      if (r.stdout.trim()) say('demo', r.stdout);
    }
    if (r.status !== 0) throw new Error(`board ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`);
    return r.stdout;
  };

  board(['init']);
  // the three agents at once (each is a board.yaml edit under its lock and a `git worktree add`)
  const adds = await Promise.all(
    AGENTS.map((a) => boardAsync(['agent', 'add', a.name, '--role', a.role, '--worktree'])),
  );
  adds.forEach((r, i) => {
    const a = AGENTS[i];
    say('demo', paint.dim(`$ board agent add ${a.name} --role ${a.role} --worktree`));
    if (r.code !== 0)
      board(['agent', 'add', a.name, '--role', a.role, '--worktree']); // once more, alone
    else say('demo', r.stdout);
  });
  const b = new Board(join(repo, '.board'));
  const notifyLog = join(dir, 'notify-olga.jsonl');
  await mutateConfig(b, (doc) => {
    doc.setIn(['agents', 'olga', 'notify'], 'cat >> ../notify-olga.jsonl');
  });
  say(
    'demo',
    'olga opts in to notifications: `notify: cat >> ../notify-olga.jsonl` in board.yaml (the watcher runs it for each recado she gets)',
  );
  // the plan, written the way `board new` writes it (in this process: six commands cost seconds on a busy machine)
  const [{ createTicket }, { afterTicketChange }] = await Promise.all([
    import('../store/tickets.js'),
    import('../store/events.js'),
  ]);
  for (const t of TICKETS) {
    const ticket = createTicket(
      b,
      {
        id: t.id,
        title: t.title,
        assignee: t.assignee ?? null,
        deps: t.deps,
        locks: t.locks,
        priority: t.priority,
        body: t.body,
      },
      'olga',
    );
    await afterTicketChange(b, null, ticket, 'olga');
  }
  const first = TICKETS[2];
  say(
    'demo',
    `olga planned ${TICKETS.length} tickets, like: board new "${first.title}" --id ${first.id} --deps ${first.deps!.join(',')} --locks '${first.locks.join(',')}' --assignee ${first.assignee}`,
  );
  const [waves, promptRun] = await Promise.all([boardAsync(['waves']), boardAsync(['prompt', 'ana'])]);
  say('demo', paint.dim('$ board waves'));
  say('demo', waves.stdout);
  const prompt = promptRun.stdout.split('\n');
  say(
    'demo',
    `each agent's conversation would start from \`board prompt NAME\` (${prompt.length} lines); the top of ana's:`,
  );
  say(
    'demo',
    paint.dim(
      prompt
        .slice(0, 15)
        .map((l) => `  ${l}`)
        .join('\n'),
    ),
  );

  /* the watcher */
  const children: ChildProcess[] = [];
  const watcher = spawn(process.execPath, [bin, 'watch', '--json'], {
    cwd: repo,
    env: demoEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(watcher);
  const { humanLine } = await import('../watch/log.js');
  let ready!: () => void;
  const isReady = new Promise<void>((r) => (ready = r));
  createInterface({ input: watcher.stdout! }).on('line', (line) => {
    try {
      const ev = JSON.parse(line) as { type: string; time: string };
      say('watch', humanLine(ev as Parameters<typeof humanLine>[0]));
      if (ev.type === 'ready') ready();
    } catch {
      say('watch', line);
    }
  });
  createInterface({ input: watcher.stderr! }).on('line', (line) => say('watch', paint.red(line)));
  const watcherExit = new Promise<number | null>((r) => watcher.once('exit', (code) => r(code)));
  say('demo', paint.dim('$ board watch --json   (the watcher: its events are printed as they happen)'));
  const startTimeout = setTimeout(() => ready(), 15_000);
  await isReady;
  clearTimeout(startTimeout);

  let plugins: string[] = [];
  try {
    plugins = (JSON.parse(readFileSync(b.run.watcherState, 'utf8')) as { plugins?: string[] }).plugins ?? [];
  } catch {
    /* an old state file: none */
  }
  const features = featuresOf(plugins);
  say('demo', `the watcher runs with plugins: ${plugins.length ? plugins.join(', ') : '(none)'}`);
  if (!features.enforce)
    expected.push(
      "edit enforcement: ben's bad edit of UI-2 would be undone by the watcher, his version kept in .board/rejected/, and ben told why (without it, ben puts UI-2 back himself)",
    );
  if (!features.leases)
    expected.push(
      "lease expiry: ben's lapsed lease on QA-1 would be expired by the watcher and ben told (ana still takes it over once it ran out)",
    );
  if (!features.audit)
    expected.push(
      'git autocommit: every change would be committed to the audit branch `recado`, authored by the agent who made it',
    );
  for (const e of expected) say('demo', paint.yellow(`not in this watcher: ${e}`));

  /* the agents */
  say(
    'demo',
    `three agents start, each a separate process in its own worktree: ${AGENTS.map((a) => `${a.name} (${a.role})`).join(', ')}`,
  );
  const remaining = BUDGET_MS - (Date.now() - t0);
  const agentExits = AGENTS.map((a) => {
    const options = {
      worktree: join(dir, `repo-${a.name}`),
      board: b.root,
      bin,
      pace: opts.fast ? 60 : 300,
      deadline: Math.max(8_000, remaining - 2_000),
    };
    const child = spawn(process.execPath, [agentScript, a.name, JSON.stringify(options)], {
      cwd: options.worktree,
      env: demoEnv({ BOARD_AGENT: a.name }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    createInterface({ input: child.stdout! }).on('line', (line) => say(a.name, line));
    createInterface({ input: child.stderr! }).on('line', (line) => say(a.name, paint.red(line)));
    return new Promise<number | null>((r) =>
      child.once('exit', (code) => {
        // an agent that failed leaves the others waiting for work that will not come: end the run
        if (code !== 0)
          setTimeout(() => {
            for (const c of children.slice(1)) if (c.exitCode === null) c.kill('SIGTERM');
          }, 1500);
        r(code);
      }),
    );
  });
  const killer = setTimeout(
    () => {
      problems.push(`the agents were not done within ${Math.round(BUDGET_MS / 1000)} s`);
      for (const c of children.slice(1)) if (c.exitCode === null) c.kill('SIGKILL');
    },
    Math.max(5_000, remaining),
  );
  const codes = await Promise.all(agentExits);
  clearTimeout(killer);
  codes.forEach((c, i) => {
    if (c !== 0) problems.push(`agent ${AGENTS[i].name} exited with ${c}`);
  });

  /* the end */
  if (features.audit) await new Promise((r) => setTimeout(r, 1200)); // the audit trail's debounce
  say('demo', paint.dim('$ board watch --stop'));
  watcher.kill('SIGTERM');
  const stopTimer = setTimeout(() => watcher.kill('SIGKILL'), 15_000);
  const wcode = await watcherExit;
  clearTimeout(stopTimer);
  if (wcode !== 0) problems.push(`the watcher exited with ${wcode}`);

  board(['status']);
  const tickets = (
    JSON.parse(board(['list', '--all', '--json'], 'olga', false)) as { id: string; status: string }[]
  ).map((t) => ({ id: t.id, status: t.status }));
  const open = tickets.filter((t) => t.status !== 'done');
  if (open.length) problems.push(`tickets not done: ${open.map((t) => `${t.id} (${t.status})`).join(', ')}`);

  let audit: DemoResult['audit'] = null;
  const branch = 'recado';
  say('demo', paint.dim(`$ git log --format='%an %s' ${branch}`));
  const hasBranch =
    spawnSync('git', ['rev-parse', '--verify', '-q', `refs/heads/${branch}`], { cwd: repo, env: demoEnv() }).status ===
    0;
  if (hasBranch) {
    const log = git(['log', '--reverse', '--format=%an %s', branch]);
    const commits = log
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ author: l.slice(0, l.indexOf(' ')), subject: l.slice(l.indexOf(' ') + 1) }));
    audit = { branch, commits };
    say('demo', git(['log', '--format=%an %s', branch]) || '(no commits)');
    const authors = new Set(commits.map((c) => c.author));
    say('demo', `${commits.length} commits on ${branch}, by ${[...authors].sort().join(', ')}`);
  } else {
    say(
      'demo',
      paint.yellow(
        `no audit branch ${branch}: this watcher has no git autocommit plugin (\`board commit\` records the board by hand)`,
      ),
    );
  }

  let notified = 0;
  if (existsSync(notifyLog))
    notified = readFileSync(notifyLog, 'utf8')
      .split('\n')
      .filter((l) => l.trim().startsWith('{')).length;
  say('demo', `olga's notify command received ${notified} recado${notified === 1 ? '' : 's'} as JSON (${notifyLog})`);

  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  let kept: string | null = dir;
  if (opts.clean) {
    rmSync(dir, { recursive: true, force: true });
    kept = null;
  }
  if (problems.length) for (const p of problems) say('demo', paint.red(`problem: ${p}`));
  else say('demo', paint.green(`done in ${seconds} s: every ticket closed, three waves`));
  say(
    'demo',
    kept
      ? `everything is kept in ${dir} (the repository, the agents' worktrees beside it); remove it with: rm -rf ${dir}`
      : 'removed the temporary folder (--clean)',
  );
  return {
    ok: problems.length === 0,
    dir: kept,
    repo,
    seconds,
    problems,
    plugins,
    features,
    expected,
    tickets,
    audit,
    notified,
  };
}
