/**
 * Front-matter: gray-matter splits the file, the `yaml` package parses it into a Document.
 *
 * - YAML only. gray-matter picks its engine from the text after the opening `---` (`---js`
 *   reaches `eval`), so the opening line is checked first and every non-YAML engine is
 *   replaced by one that refuses: JavaScript front-matter is never evaluated.
 * - gray-matter is always given an options object (its option-less cache is unsafe).
 * - The yaml Document is kept so that edits made by the board preserve comments, key order,
 *   quoting and unknown keys; aliases are bounded (maxAliasCount) and duplicate keys refused.
 * - Parsers load on first use (createRequire), so commands that never parse pay nothing.
 */
import { createRequire } from 'node:module';
import type { Document, ParseOptions, DocumentOptions, SchemaOptions, ToStringOptions } from 'yaml';
import { invalid } from '../core/errors.js';

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
  /** The raw front-matter text as split off by gray-matter (starts on the "---" line). */
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

/** 1-based line of a character offset in the text. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Parse `---\nyaml\n---\nbody`. Throws a BoardError (exit 2) naming the file, and the line
 * when YAML is at fault.
 */
export function parseFrontmatter(raw: string, display: string): ParsedFile {
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

  const Y = yaml();
  let doc: Document | undefined;
  let yamlError: { message: string; line?: number } | undefined;
  const engine = {
    parse(str: string): Record<string, unknown> {
      // (a CRLF file: the last line's "\r" is not YAML; dropping it moves no offset)
      doc = Y.parseDocument(str.endsWith('\r') ? str.slice(0, -1) : str, YAML_PARSE) as Document;
      const err = doc.errors[0];
      if (err) {
        // the text starts on the opening "---" line, so YAML's line numbers are file lines
        yamlError = { message: err.message.split('\n')[0], line: err.linePos?.[0]?.line };
        return {};
      }
      return {};
    },
    stringify: () => '',
  };
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
  const body = file.content;

  if (yamlError) {
    throw invalid(`${display}: invalid YAML${yamlError.line ? ` at line ${yamlError.line}` : ''}: ${yamlError.message}`, {
      file: display,
      line: yamlError.line,
      hint: 'fix the front-matter between the two "---" lines',
    });
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
  const matterText = (file as { matter?: string }).matter ?? '';
  const tail = text.slice(3 + matterText.length, text.length - body.length);
  return { data: data as Record<string, unknown>, body, doc, matter: matterText, tail, bom: text !== raw };
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
  // with CRLF, the last front-matter line's "\r" is in the matter (its "\n" is the closing line's)
  const cr = parsed.matter.endsWith('\r') ? '\r' : '';
  const src = cr ? parsed.matter.slice(0, -1) : parsed.matter;
  const eol = /\r\n/.test(src) || (!src.includes('\n') && parsed.tail.startsWith('\r\n')) ? '\r\n' : '\n';
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
