import { describe, expect, it } from 'vitest';
import { parseFrontmatter, spliceFields } from '../../src/store/frontmatter.js';

const edit = (text: string, changes: Record<string, unknown>, body?: string) =>
  spliceFields(parseFrontmatter(text, 't.md'), new Map(Object.entries(changes)), body);

describe('spliceFields: only the changed fields are rewritten', () => {
  it('replaces a one-line field and keeps its trailing comment', () => {
    expect(edit('---\na: 1\nb: 2   # keep me\nc: 3\n---\nbody\n', { b: 5 })).toBe(
      '---\na: 1\nb: 5   # keep me\nc: 3\n---\nbody\n',
    );
  });

  it('adds, replaces and removes a block map (a claim)', () => {
    const added = edit('---\nid: X\nstatus: todo\n---\n', {
      claim: { by: 'al', at: '2026-01-01T00:00:00Z', expires: '2026-01-01T00:30:00Z' },
      status: 'in_progress',
    });
    expect(added).toBe(
      '---\nid: X\nstatus: in_progress\nclaim:\n  by: al\n  at: 2026-01-01T00:00:00Z\n  expires: 2026-01-01T00:30:00Z\n---\n',
    );
    const replaced = edit(added, { claim: { by: 'bo', at: 'a', expires: 'b' } });
    expect(replaced).toBe('---\nid: X\nstatus: in_progress\nclaim:\n  by: bo\n  at: a\n  expires: b\n---\n');
    const removed = edit(added, { claim: undefined, status: 'todo' });
    expect(removed).toBe('---\nid: X\nstatus: todo\n---\n');
  });

  it('writes lists in flow style and handles empty values and the last line', () => {
    expect(edit('---\nassignee:\ndeps: []\n---\nB', { assignee: 'bo', deps: ['A', 'B'] })).toBe(
      '---\nassignee: bo\ndeps: [A, B]\n---\nB',
    );
    expect(edit('---\nx: 1\n---\n', { y: 'null' })).toBe('---\nx: 1\ny: "null"\n---\n');
  });

  it('keeps comments, blank lines and CRLF-free text around the edit, and a BOM', () => {
    const text = '\ufeff---\n# head comment\n\nid: X   \n\n# before status\nstatus: todo\n---\n\n# Body\n';
    expect(edit(text, { status: 'done' })).toBe(text.replace('status: todo', 'status: done'));
  });

  it('replaces the body when asked', () => {
    expect(edit('---\na: 1\n---\nold\n', {}, 'new\n')).toBe('---\na: 1\n---\nnew\n');
  });
});

describe('parseFrontmatter', () => {
  it('refuses other languages and unclosed front-matter', () => {
    expect(() => parseFrontmatter('---js\n{}\n---\n', 'f')).toThrow(/not allowed/);
    expect(() => parseFrontmatter('---json\n{}\n---\n', 'f')).toThrow(/not allowed/);
    expect(() => parseFrontmatter('---\na: 1\n', 'f')).toThrow(/not closed/);
    expect(() => parseFrontmatter('---\na: 1\na: 2\n---\n', 'f')).toThrow(/invalid YAML at line 3/);
    expect(() => parseFrontmatter('---\n- a\n---\n', 'f')).toThrow(/map of fields/);
  });

  it('keeps dates as strings (YAML 1.2 core schema)', () => {
    expect(parseFrontmatter('---\ncreated: 2026-11-21T10:00:00Z\nd: 2024-01-02\n---\n', 'f').data).toEqual({
      created: '2026-11-21T10:00:00Z',
      d: '2024-01-02',
    });
  });
});

describe('spliceFields on an empty front-matter', () => {
  it('adds fields between the two lines', () => {
    expect(edit('---\n---\nbody\n', { a: 1 })).toBe('---\na: 1\n---\nbody\n');
  });
});
