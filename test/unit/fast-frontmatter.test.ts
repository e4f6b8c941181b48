/**
 * The fast front-matter paths against the libraries they stand in for, on generated input:
 *   - splitFrontmatter against gray-matter's split,
 *   - readSimpleYaml / readFrontmatter against the `yaml` package as the board configures it,
 *   - yamlString / renderRecado / fastFrontmatter against the `yaml` package.
 * Every run draws new cases (fast-check); a failure prints the smallest one it found.
 */
import fc from 'fast-check';
import matter from 'gray-matter';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { readSimpleYaml, splitFrontmatter } from '../../src/core/fast-frontmatter.js';
import { isPlainSafe, resolvePlain, yamlString } from '../../src/core/yaml-scalar.js';
import {
  fastFrontmatter,
  lineOfKey,
  MAX_ALIASES,
  parseFrontmatter,
  readFrontmatter,
  YAML_PARSE,
} from '../../src/store/frontmatter.js';
import { renderRecado } from '../../src/store/recado-text.js';

const RUNS = 1500;

/** Deep equality with Object.is on primitives (so -0, NaN and types all count). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** What the `yaml` package gives for a front-matter text, as the board configures it. */
function oracle(text: string): { ok: true; data: unknown } | { ok: false; error: string } {
  const doc = YAML.parseDocument(text, YAML_PARSE);
  if (doc.errors.length) return { ok: false, error: doc.errors[0].code };
  try {
    return { ok: true, data: doc.toJS({ maxAliasCount: MAX_ALIASES }) ?? {} };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/* ------------------------------------------------------------ generators ---- */

const NASTY = [
  'plain',
  'T-4k9x',
  'two words',
  '123',
  '-0',
  '+5',
  '007',
  '1_000',
  '1.5e3',
  '1e3',
  '1E-2',
  '.5',
  '5.',
  '1.0',
  '0x1F',
  '0x',
  '0o17',
  '0o8',
  '.inf',
  '-.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  'NaN',
  'inf',
  '~',
  'null',
  'Null',
  'NULL',
  'nULL',
  'true',
  'True',
  'TRUE',
  'tRUE',
  'false',
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'Yes',
  '2026-11-21T09:00:00Z',
  '2026-11-21',
  '2026-11-21 09:00:00',
  '12:30',
  '1:20:30',
  'a: b',
  'a:b',
  'a:',
  'a #b',
  'a#b',
  '#c',
  '-x',
  '- x',
  '-',
  '--',
  '?x',
  '? x',
  ':x',
  '@x',
  '`x',
  '%x',
  '!t x',
  '!!str 1',
  '&a x',
  '*a',
  '|',
  '>',
  '|-',
  'ünïcødé',
  'Tâche numéro 1',
  '🚀 launch',
  '日本語',
  'a, b',
  'a,b',
  '[x]',
  '{y}',
  'x]',
  'x}',
  '"q"',
  "it's",
  "'q'",
  'a "q" b',
  '...',
  '---',
  'src/**',
  'src/mod1/**',
  'a\\b',
  'a\\nb',
  ' lead',
  'trail ',
  'a  b',
  '\u00a0nbsp',
  'zero\u200bwidth',
  'bidi\u202eevil',
  'del\x7f',
  'c1\x85',
  'ls\u2028x',
  '\ufeffbom',
  'tab\there',
  'cr\rx',
  'nl\nx',
  'nul\x00x',
  'esc\x1bx',
  '%',
  '@',
  '=',
  '<<',
  'x'.repeat(300),
];

const nasty = fc.constantFrom(...NASTY);
const anyText = fc.oneof(
  nasty,
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.array(nasty, { minLength: 2, maxLength: 3 }).map((p) => p.join('')),
  fc.array(fc.constantFrom(...'ab1.-_:#,[]{}"\' \\e+xo0'), { maxLength: 8 }).map((p) => p.join('')),
);

const DQ_EXTRA = [
  '\\x41',
  '\\u00e9',
  '\\U0001F600',
  '\\N',
  '\\_',
  '\\L',
  '\\P',
  '\\0',
  '\\e',
  '\\ ',
  '\\/',
  '\\t',
  '\\q',
  '\\x4',
  '\\U00110000',
  '\\ud800',
  '\\"',
  '\\\\',
];

/** A scalar as written in a file: plain, double- or single-quoted, or odd YAML escapes. */
const scalarText = fc.oneof(
  { weight: 4, arbitrary: anyText },
  { weight: 2, arbitrary: anyText.map((s) => JSON.stringify(s)) },
  { weight: 2, arbitrary: anyText.map((s) => `'${s.replaceAll("'", "''")}'`) },
  {
    weight: 1,
    arbitrary: fc
      .array(fc.oneof(fc.constantFrom(...DQ_EXTRA), fc.constantFrom('a', ' ', 'é')), { maxLength: 4 })
      .map((p) => `"${p.join('')}"`),
  },
  { weight: 1, arbitrary: anyText.map((s) => yamlString(s)) },
);

const KEYS = [
  'id',
  'title',
  'status',
  'assignee',
  'deps',
  'locks',
  'labels',
  'priority',
  'claim',
  'created',
  'updated',
  'updated_by',
  'x-y',
  'a.b',
  'a/b',
  'mood',
  'true',
  'null',
  'Null',
  'y',
  'on',
  '1',
  '0x1',
  '__proto__',
  'constructor',
  'toString',
  'key with space',
  '"quoted"',
  "'sq'",
  '? k',
  '&a k',
  'k!',
  '<<',
  'é',
  '_',
  'A',
];
const key = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 1, arbitrary: fc.stringMatching(/^[a-z_][a-z0-9_.-]{0,6}$/) },
);

const comment = fc.constantFrom('', '', '', ' # note', '  #x', '#x', ' #', ' # a: b');
const sep = fc.constantFrom(', ', ',', ' , ', ',  ');
const indent = fc.constantFrom('  ', '  ', '    ', ' ', '', '\t');

const flowList = fc
  .tuple(fc.array(scalarText, { maxLength: 4 }), sep, fc.constantFrom('[', '[ '), fc.constantFrom(']', ' ]', ',]'))
  .map(([items, s, open, close]) => `${open}${items.join(s)}${close}`);

/** One top-level entry: its lines. */
const entry = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(key, scalarText, comment).map(([k, v, c]) => [`${k}: ${v}${c}`]) },
  { weight: 2, arbitrary: fc.tuple(key, flowList, comment).map(([k, v, c]) => [`${k}: ${v}${c}`]) },
  { weight: 1, arbitrary: fc.tuple(key, comment).map(([k, c]) => [`${k}:${c}`]) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(key, comment, indent, fc.array(fc.tuple(scalarText, comment), { minLength: 1, maxLength: 4 }))
      .map(([k, c, ind, items]) => [`${k}:${c}`, ...items.map(([v, ic]) => `${ind}- ${v}${ic}`)]),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        key,
        indent,
        fc.array(fc.tuple(key, fc.oneof(scalarText, flowList), comment), { minLength: 1, maxLength: 3 }),
      )
      .map(([k, ind, pairs]) => [`${k}:`, ...pairs.map(([pk, v, c]) => `${ind}${pk}: ${v}${c}`)]),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      ['# a comment'],
      [''],
      ['   '],
      ['  # indented comment'],
      ['a: &x 1', 'b: *x'],
      ['t: |', '  text'],
      ['f: {a: 1}'],
      ['m: multi', '  line'],
      ['- item'],
      ['...'],
      ['k: v', ' bad: indent'],
      ['s: "open'],
      ['q: [a,', '  b]'],
      ['c: !!str 1'],
      ['x: 1', 'x: 2'],
      ['  lead: 1'],
      ['k:', '  - a', '  b: 1'],
      ['k:', '  a: 1', '    b: 2'],
      ['? complex', ': v'],
      ['e:', '-'],
    ),
  },
);

/** A front-matter text as split off a file: the rest of the opening line, then lines. */
const matterText = fc
  .tuple(fc.array(entry, { maxLength: 7 }), fc.constantFrom('\n', '\n', '\r\n'), fc.constantFrom('', '', ' '))
  .map(([entries, nl, open]) => open + nl + entries.flat().join(nl));

/* ------------------------------------------------------------------ tests ---- */

describe('the fast front-matter reader gives exactly what the yaml package gives', () => {
  it('resolves plain scalars as the core schema does', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        if (
          /[\n\r\t#]|: |^[\s,[\]{}&*!|>'"%@`?:-]|\s$|:$/.test(s) ||
          s === '' ||
          /[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/.test(s)
        )
          return;
        const o = oracle(`\nk: ${s}`);
        if (o.ok) expect(same(resolvePlain(s), (o.data as Record<string, unknown>).k), JSON.stringify(s)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('on generated front-matter (nasty scalars, lists, claims, comments, CRLF, anchors, errors)', () => {
    let fast = 0;
    let total = 0;
    fc.assert(
      fc.property(matterText, (text) => {
        total++;
        const got = readSimpleYaml(text);
        if (!got) return;
        fast++;
        const o = oracle(text);
        expect(o.ok, `fast reader accepted what yaml refuses: ${JSON.stringify(text)}`).toBe(true);
        if (!o.ok) return;
        expect(typeof o.data === 'object' && !Array.isArray(o.data), JSON.stringify(text)).toBe(true);
        expect(
          same(got.data, o.data),
          `${JSON.stringify(text)}\nfast: ${JSON.stringify(got.data)}\nyaml: ${JSON.stringify(o.data)}`,
        ).toBe(true);
      }),
      { numRuns: RUNS * 2 },
    );
    // the generator must exercise both sides
    expect(fast).toBeGreaterThan(total / 10);
    expect(fast).toBeLessThan(total);
  });

  it('whole files: same data, body, key lines and errors as the full parse', () => {
    const body = fc.constantFrom('', 'Body\n', '\nBody', 'a\n---\nb\n', '\r\nx', '--- not a closing line');
    const close = fc.constantFrom('\n---\n', '\n---', '\n---  \n', '\r\n---\r\n', '\n---x\n');
    fc.assert(
      fc.property(fc.constantFrom('', '\ufeff'), matterText, close, body, (bom, m, c, b) => {
        const raw = `${bom}---${m}${c}${b}`;
        let full: ReturnType<typeof parseFrontmatter> | undefined;
        let fullError: string | undefined;
        try {
          full = parseFrontmatter(raw, 't.md');
        } catch (e) {
          fullError = (e as Error).message;
        }
        let read: ReturnType<typeof readFrontmatter> | undefined;
        let readError: string | undefined;
        try {
          read = readFrontmatter(raw, 't.md');
        } catch (e) {
          readError = (e as Error).message;
        }
        expect(readError, JSON.stringify(raw)).toBe(fullError);
        if (!full || !read) return;
        expect(same(read.data, full.data), JSON.stringify(raw)).toBe(true);
        expect(read.body).toBe(full.body);
        for (const k of Object.keys(full.data))
          expect(read.lineOf(k), `${k} in ${JSON.stringify(raw)}`).toBe(lineOfKey(full, k));
        expect(read.full.matter).toBe(full.matter);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("the split is gray-matter's", () => {
  it('on generated files, whitespace- and comment-heavy ones included', () => {
    const piece = fc.constantFrom(
      '\n',
      '\r\n',
      ' ',
      '  ',
      '#',
      '# c',
      '#\r',
      'a: 1',
      '---',
      '---x',
      '----',
      '\u2028',
      '\r',
      '\u00a0',
      'x #y',
      '\t',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 12 }),
        fc.constantFrom('\n---\n', '\n---', '\n---x\nmore', '', '\n---\r\nB'),
        fc.constantFrom('', 'body\n', '\nbody'),
        (pieces, close, rest) => {
          const text = `---\n${pieces.join('')}${close}${rest}`;
          let called = false;
          const gm = matter(text, {
            language: 'yaml',
            engines: {
              yaml: {
                parse: () => {
                  called = true;
                  return {};
                },
                stringify: () => '',
              },
            },
          } as never);
          const ours = splitFrontmatter(text);
          expect(ours.matter, JSON.stringify(text)).toBe((gm as unknown as { matter: string }).matter);
          expect(ours.body, JSON.stringify(text)).toBe(gm.content);
          expect(ours.empty, JSON.stringify(text)).toBe(!called);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('writing strings: yamlString and the recado writer agree with YAML', () => {
  it('quotes 1.5e3 and every other plain scalar YAML would read as something else', () => {
    expect(yamlString('1.5e3')).toBe('"1.5e3"');
    for (const s of [
      '0x1F',
      '~',
      'null',
      'true',
      'yes',
      'No',
      '2026-01-02',
      '.inf',
      '1_000',
      '12:30',
      '-1',
      '+1',
      '.5',
      '',
    ]) {
      expect(isPlainSafe(s), s).toBe(false);
    }
    for (const s of ['plain words', 'T-4k9x', '2026-11-21T09:00:00Z', 'src/mod/**', 'ünïcødé'])
      expect(isPlainSafe(s), s).toBe(true);
  });

  it('every string reads back as itself, alone and in a flow list, through yaml and the fast reader', () => {
    fc.assert(
      fc.property(anyText, anyText, (s, t) => {
        const text = renderRecado({ subject: s, to: [s, t], ticket: t }, 'body\n');
        const o = oracle(text.slice(3, text.indexOf('\n---\n', 3)));
        expect(o.ok, JSON.stringify(text)).toBe(true);
        if (!o.ok) return;
        expect(same(o.data, { subject: s, to: [s, t], ticket: t }), `${JSON.stringify(s)} -> ${yamlString(s)}`).toBe(
          true,
        );
        const fast = fastFrontmatter(text);
        if (fast) expect(same(fast.data, o.data), JSON.stringify(text)).toBe(true);
        // what the board writes, it reads fast
        if (isPlainSafe(s) && isPlainSafe(t)) expect(fast).not.toBeNull();
      }),
      { numRuns: RUNS },
    );
  });
});
