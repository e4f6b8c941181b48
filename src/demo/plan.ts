/** The demo's team and plan: three agents, six tickets in three waves. */

export interface DemoAgent {
  name: string;
  role: string;
}

export interface DemoTicket {
  id: string;
  title: string;
  assignee?: string;
  deps?: string[];
  locks: string[];
  priority?: number;
  body: string;
}

export const AGENTS: DemoAgent[] = [
  { name: 'olga', role: 'orchestrator' },
  { name: 'ana', role: 'backend' },
  { name: 'ben', role: 'frontend' },
];

const checklist = (...items: string[]) => `## Checklist\n${items.map((i) => `- [ ] ${i}`).join('\n')}\n\n## Notes\n`;

export const TICKETS: DemoTicket[] = [
  {
    id: 'API-1',
    title: 'Agree the login API contract',
    assignee: 'ana',
    locks: ['docs/api/**'],
    priority: 1,
    body: `Write down the login request and response.\n\n${checklist('Request and response shapes', 'Tell the frontend')}`,
  },
  {
    id: 'UI-1',
    title: 'App shell and routing',
    assignee: 'ben',
    locks: ['src/ui/shell/**'],
    body: `The page frame the login form lives in.\n\n${checklist('Shell component', 'Route /login')}`,
  },
  {
    id: 'API-2',
    title: 'Login endpoint',
    assignee: 'ana',
    deps: ['API-1'],
    locks: ['src/api/**'],
    body: `POST /login as agreed in API-1.\n\n${checklist('Handler', 'Tell olga')}`,
  },
  {
    id: 'UI-2',
    title: 'Login form',
    assignee: 'ben',
    deps: ['API-1', 'UI-1'],
    locks: ['src/ui/login/**'],
    body: `The form, wired to POST /login.\n\n${checklist('Form', 'Error message')}`,
  },
  {
    id: 'QA-1',
    title: 'End-to-end login test',
    assignee: 'ben',
    deps: ['API-2', 'UI-2'],
    locks: ['test/e2e/**'],
    body: `Log in through the form against the endpoint.\n\n${checklist('Happy path', 'Wrong password')}`,
  },
  {
    id: 'DOC-1',
    title: 'Release notes',
    assignee: 'olga',
    deps: ['API-2', 'UI-2'],
    locks: ['docs/release/**'],
    body: `What ships in this release.\n\n${checklist('Notes written')}`,
  },
];
