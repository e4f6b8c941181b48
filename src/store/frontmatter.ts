/**
 * Front-matter: gray-matter splits the file at its `---` lines (the fast read path splits it
 * the same way itself, in one pass, without loading gray-matter), the `yaml` package parses
 * the YAML into a Document.
 *
 * - YAML only. A file whose first line is not exactly `---` (e.g. `---js`) is refused: no
 *   other front-matter language is ever read, let alone evaluated.
 * - Bounded work: a front-matter over 16 KiB or over 200 lines and list items is refused
 *   before any parser runs, gray-matter included (core/fast-frontmatter.ts), and duplicate keys are found with a
 *   set, in linear time (the `yaml` package's own check compares every key with every
 *   other: 25,000 keys took seconds).
 * - The yaml Document is kept so that edits made by the board preserve comments, key order,
 *   quoting and unknown keys; aliases are bounded (maxAliasCount) and duplicate keys refused.
 * - Reads that need only the data (`readFrontmatter`) take the fast reader when the text has
 *   its simple shapes; it gives exactly what the `yaml` package gives (a property test
 *   compares both), and the Document is parsed only when asked for.
 * - The parser loads on first use (createRequire), so commands that never parse pay nothing.
 */
import { createRequire } from 'node:module';
import type { Document, ParseOptions, DocumentOptions, SchemaOptions, ToStringOptions } from 'yaml';
import { invalid } from '../core/errors.js';
import { frontmatterTooBig, readSimpleYaml, splitFrontmatter, type SplitFile } from '../core/fast-frontmatter.js';

const require = createRequire(import.meta.url);
type Yaml = typeof import('yaml');
type Matter = typeof import('gray-matter');
let yamlMod: Yaml | undefined;
let matterMod: Matter | undefined;
export const yaml = (): Yaml => (yamlMod ??= require('yaml') as Yaml);
const matter = (): Matter => (matterMod ??= require('gray-matter') as Matter);

export const YAML_PARSE: ParseOptions & DocumentOptions & SchemaOptions = {
  prettyErrors: true,
  uniqueKeys: true,
  version: '1.2',
  // no library warnings on stderr (a key that is a collection is stringified, as documented)
  logLevel: 'error',
};
export const MAX_ALIASES = 100;
export const YAML_STRINGIFY: ToStringOptions = {
  lineWidth: 0,
  flowCollectionPadding: false,
};

export interface ParsedFile {
  data: Record<string, unknown>;
  body: string;
  doc: Document;
  /** The raw front-matter text (from just after the opening "---"). */
  matter: string;
  /** The text between the front-matter and the body (the closing "---" line). */
  tail: string;
  /** Whether the file started with a byte-order mark. */
  bom: boolean;
}

const OPENING = /^---[ \t]*\r?\n/;

function refuseEngine(name: string) {
  return {
    parse(): never {
      throw invalid(`front-matter language "${name}" is not allowed: front-matter is YAML only`);
    },
    stringify(): never {
      throw invalid(`front-matter language "${name}" is not allowed`);
    },
  };
}

/**
 * gray-matter's split of a text that passed `splitChecked` (so its emptiness regex, quadratic
 * on whitespace lines, runs on at most 200 lines of 16 KiB). Every engine but ours refuses.
 */
function grayMatterSplit(text: string): { matter: string; body: string; empty: boolean } {
  let parsed = false;
  const engine = { parse: () => ((parsed = true), {}), stringify: () => '' };
  const file = matter()(text, {
    language: 'yaml',
    engines: {
      yaml: engine,
      javascript: refuseEngine('javascript'),
      js: refuseEngine('js'),
      json: refuseEngine('json'),
      coffee: refuseEngine('coffee'),
      coffeescript: refuseEngine('coffeescript'),
      cson: refuseEngine('cson'),
      toml: refuseEngine('toml'),
    },
  } as never);
  return { matter: (file as { matter?: string }).matter ?? '', body: file.content, empty: !parsed };
}

/** 1-based line of a character offset in the text. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * A YAML text as a Document, with YAML_PARSE's meaning (unique keys) at linear cost: parsed
 * without the `yaml` package's pairwise key check, then every map's keys are checked with a
 * set. A file that does have a duplicate is parsed again with the package's own check, so
 * the error (message, line) is exactly the package's; the size limits bound that work.
 */
export function parseYamlDocument(text: string): Document {
  const Y = yaml();
  const doc = Y.parseDocument(text, { ...YAML_PARSE, uniqueKeys: false }) as Document;
  if (hasDuplicateKey(doc.contents)) return Y.parseDocument(text, YAML_PARSE) as Document;
  doc.options.uniqueKeys = true;
  return doc;
}

/** Whether any map in the tree has two keys the `yaml` package counts as equal (linear). */
function hasDuplicateKey(root: unknown): boolean {
  const Y = yaml();
  const stack: unknown[] = [root];
  while (stack.length) {
    const node = stack.pop();
    if (Y.isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const k = pair.key;
        // the package's check: the same node, or two scalars with === values
        if (seen.has(k)) return true;
        seen.add(k);
        if (Y.isScalar(k) && !Number.isNaN(k.value)) {
          const v = k.value as unknown;
          const box = typeof v === 'object' && v !== null ? v : `${typeof v}:${String(v)}`;
          if (seen.has(box)) return true;
          seen.add(box);
        }
        stack.push(k, pair.value);
      }
    } else if (Y.isSeq(node)) {
      for (const item of node.items) stack.push(item);
    } else if (Y.isPair(node)) {
      stack.push(node.key, node.value);
    }
  }
  return false;
}

/** The checks every read makes before parsing: opening line, closing line, size. */
function splitChecked(raw: string, display: string): SplitFile & { bom: boolean } {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (!OPENING.test(text)) {
    const first = text.split('\n', 1)[0];
    if (first.startsWith('---')) {
      throw invalid(`${display}: front-matter language "${first.slice(3).trim()}" is not allowed; YAML only`, {
        file: display,
        line: 1,
        hint: 'start the file with a line of exactly "---"',
      });
    }
    throw invalid(`${display}: no front-matter`, {
      file: display,
      line: 1,
      hint: 'a board file starts with "---", YAML fields, then "---" and the Markdown body',
    });
  }
  if (!/\r?\n---[ \t]*(\r?\n|$)/.test(text.slice(3))) {
    throw invalid(`${display}: front-matter is not closed`, {
      file: display,
      hint: 'end the YAML fields with a line of exactly "---"',
    });
  }
  const split = splitFrontmatter(text);
  const big = frontmatterTooBig(split.matter);
  if (big) throw invalid(`${display}: ${big.message}`, { file: display, line: 2, hint: big.hint });
  return { ...split, bom: text !== raw };
}

/**
 * Parse `---\nyaml\n---\nbody`. Throws a BoardError (exit 2) naming the file, and the line
 * when YAML is at fault.
 */
export function parseFrontmatter(raw: string, display: string): ParsedFile {
  const { bom } = splitChecked(raw, display);
  // the full parse splits with gray-matter (the fast read path's own split gives the same: tested)
  const text = bom ? raw.slice(1) : raw;
  const { matter, body, empty } = grayMatterSplit(text);
  const tail = text.slice(3 + matter.length, text.length - body.length);
  const Y = yaml();
  let doc: Document | undefined;
  if (!empty) {
    // (a CRLF file: the last line's "\r" is not YAML; dropping it moves no offset)
    doc = parseYamlDocument(matter.endsWith('\r') ? matter.slice(0, -1) : matter);
    const err = doc.errors[0];
    if (err) {
      // the text starts on the opening "---" line, so YAML's line numbers are file lines
      const line = err.linePos?.[0]?.line;
      throw invalid(`${display}: invalid YAML${line ? ` at line ${line}` : ''}: ${err.message.split('\n')[0]}`, {
        file: display,
        line,
        hint: 'fix the front-matter between the two "---" lines',
      });
    }
  }
  doc ??= new Y.Document({}) as Document;
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    throw invalid(`${display}: ${(e as Error).message}`, { file: display, hint: 'remove the YAML aliases (*name)' });
  }
  if (data === null || data === undefined) data = {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw invalid(`${display}: front-matter must be a map of fields`, { file: display, line: 2 });
  }
  if (doc.contents === null || doc.contents === undefined) doc.contents = doc.createNode({}) as never;
  return { data: data as Record<string, unknown>, body, doc, matter, tail, bom };
}

/** A front-matter read for its data: what most reads need. */
export interface FrontmatterRead {
  data: Record<string, unknown>;
  body: string;
  /** The file line of a top-level key, if the file has it. */
  lineOf(key: string): number | undefined;
  /** The full parse (the yaml Document, for edits), made on first use. */
  readonly full: ParsedFile;
}

/**
 * Read a board file's front-matter for its data: with the fast reader when the text has
 * only its shapes (no YAML parser loaded at all), else with `parseFrontmatter`. Same result,
 * same errors, either way.
 */
export function readFrontmatter(raw: string, display: string): FrontmatterRead {
  const split = splitChecked(raw, display);
  const simple = split.empty ? { data: {}, lines: new Map<string, number>() } : readSimpleYaml(split.matter);
  if (!simple) {
    const parsed = parseFrontmatter(raw, display);
    return { data: parsed.data, body: parsed.body, lineOf: (k) => lineOfKey(parsed, k), full: parsed };
  }
  let full: ParsedFile | undefined;
  return {
    data: simple.data,
    body: split.body,
    lineOf: (k) => simple.lines.get(k),
    get full() {
      return (full ??= parseFrontmatter(raw, display));
    },
  };
}

/**
 * The fast reader alone: the data and body when the text is a valid board file in the fast
 * reader's shapes, else null (the caller then parses, and gets the error if there is one).
 */
export function fastFrontmatter(raw: string): { data: Record<string, unknown>; body: string } | null {
  let split: SplitFile;
  try {
    split = splitChecked(raw, '');
  } catch {
    return null;
  }
  const simple = split.empty ? { data: {} } : readSimpleYaml(split.matter);
  return simple ? { data: simple.data, body: split.body } : null;
}

/**
 * Line (1-based, in the whole file) where a top-level front-matter key stands. The Document
 * was parsed from the text right after the opening "---", so offsets map onto file lines.
 */
export function lineOfKey(parsed: ParsedFile, key: string): number | undefined {
  const Y = yaml();
  const map = parsed.doc.contents;
  if (!Y.isMap(map)) return undefined;
  for (const pair of map.items) {
    const k = pair.key;
    if (Y.isScalar(k) && String(k.value) === key && k.range) return lineOf(parsed.matter, k.range[0]);
  }
  return undefined;
}

/** Turn a Document and a body back into a board file. */
export function serialize(doc: Document, body: string): string {
  let fm = doc.toString(YAML_STRINGIFY);
  if (fm === '{}\n' || fm.trim() === '') fm = '';
  if (fm && !fm.endsWith('\n')) fm += '\n';
  return `---\n${fm}---\n${body}`;
}

/** Set a top-level key, writing lists in flow style (`[a, b]`) and removing empty values. */
export function setField(doc: Document, key: string, value: unknown): void {
  if (value === undefined) {
    doc.delete(key);
    return;
  }
  const flow = Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null);
  const node = doc.createNode(value, { flow, aliasDuplicateObjects: false });
  doc.set(key, node);
}

/**
 * Change top-level fields by splicing the source text: only the lines of the changed fields
 * are rewritten (a trailing comment on a one-line field is kept); every other byte of the
 * file stays as it was: comments, blank lines, spacing, quoting, key order, unknown keys.
 * New fields are appended at the end of the front-matter; `undefined` removes a field.
 * A file with CRLF line endings keeps them: the lines written are written with CRLF too.
 */
export function spliceFields(parsed: ParsedFile, changes: ReadonlyMap<string, unknown>, body = parsed.body): string {
  const Y = yaml();
  // with CRLF, the last front-matter line's "\r" may be in the matter (its "\n" is the closing line's)
  const cr = parsed.matter.endsWith('\r') ? '\r' : '';
  const src = cr ? parsed.matter.slice(0, -1) : parsed.matter;
  const eol = cr || /\r\n/.test(src) || parsed.tail.startsWith('\r\n') ? '\r\n' : '\n';
  const withEol = (s: string) => (eol === '\n' ? s : s.replace(/\r?\n/g, eol));
  const map = Y.isMap(parsed.doc.contents) ? parsed.doc.contents : null;
  const edits: { start: number; end: number; text: string }[] = [];
  const appends: string[] = [];
  const lineStart = (i: number) => src.lastIndexOf('\n', i - 1) + 1;
  const lineEnd = (i: number) => {
    const n = src.indexOf('\n', i);
    return n === -1 ? src.length : n + 1;
  };
  for (const [key, value] of changes) {
    const pair = map?.items.find((p) => Y.isScalar(p.key) && String(p.key.value) === key);
    const rendered = value === undefined ? '' : withEol(renderField(key, value).replace(/\n$/, ''));
    const keyNode = pair?.key as { range?: [number, number, number] } | undefined;
    if (!pair || !keyNode?.range) {
      if (value !== undefined) appends.push(rendered);
      continue;
    }
    const start = lineStart(keyNode.range[0]);
    const valueRange = (pair.value as { range?: [number, number, number] } | null)?.range;
    const valueEnd = valueRange ? valueRange[1] : keyNode.range[1];
    const end = lineEnd(Math.max(valueEnd - 1, keyNode.range[0]));
    const hadNewline = src[end - 1] === '\n';
    if (value === undefined) {
      edits.push({ start, end, text: '' });
      continue;
    }
    const rest = src.slice(valueEnd, lineEnd(valueEnd));
    const keepComment = !rendered.includes('\n') && /^[ \t]+#/.test(rest);
    if (keepComment) edits.push({ start, end: valueEnd, text: rendered });
    else edits.push({ start, end, text: rendered + (hadNewline ? eol : '') });
  }
  let out = src;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  // the last field has no newline of its own (the closing "---" line brings it)
  if (!src.endsWith('\n') && out.endsWith('\n')) out = out.slice(0, out.endsWith('\r\n') ? -2 : -1);
  if (appends.length) {
    // the front-matter text ends just before the "\n---" of the closing line
    out += (out.endsWith('\n') ? '' : eol) + appends.join(eol);
  }
  return `${parsed.bom ? '\ufeff' : ''}---${out}${cr}${parsed.tail}${body}`;
}

/** One field as YAML text, lists of scalars in flow style (`[a, b]`). */
export function renderField(key: string, value: unknown): string {
  const Y = yaml();
  const doc = new Y.Document({}) as Document;
  setField(doc, key, value);
  return doc.toString(YAML_STRINGIFY);
}
