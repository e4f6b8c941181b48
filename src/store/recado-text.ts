/**
 * The text of a recado file: writing its front-matter (plain scalars where YAML reads them
 * back as the same string, else quoted: core/yaml-scalar.ts) and reading it (the fast reader
 * of core/fast-frontmatter.ts, with the YAML parser for anything else).
 */
import type { Document } from 'yaml';
import { yamlString } from '../core/yaml-scalar.js';
import { fastFrontmatter, readFrontmatter, serialize, setField, yaml } from './frontmatter.js';

/* -------------------------------------------------------------- rendering ---- */

export { yamlString };

/**
 * The Markdown text of a recado: front-matter in the order given, then the body. Strings and
 * lists of strings (the fields the board knows) are written directly; anything else (keys a
 * sender added) goes through the yaml library.
 */
export function renderRecado(fields: Record<string, unknown>, body: string): string {
  const text = body === '' || body.endsWith('\n') ? body : body + '\n';
  const simple = Object.values(fields).every(
    (v) => typeof v === 'string' || (Array.isArray(v) && v.every((x) => typeof x === 'string')),
  );
  if (simple) {
    let fm = '';
    for (const [k, v] of Object.entries(fields)) {
      fm += `${k}: ${Array.isArray(v) ? `[${v.map(yamlString).join(', ')}]` : yamlString(v as string)}\n`;
    }
    return `---\n${fm}---\n${text}`;
  }
  const Y = yaml();
  const doc = new Y.Document({}) as Document;
  for (const [k, v] of Object.entries(fields)) setField(doc, k, v);
  return serialize(doc, body === '' || body.endsWith('\n') ? body : body + '\n');
}

/* ---------------------------------------------------------------- parsing ---- */

export { fastFrontmatter };

/**
 * A recado file's front-matter and body: the fast reader when the text has its shapes (most
 * recados are a few `key: text` lines), else the YAML parser. Same result either way.
 */
export function parseRecadoText(raw: string, display: string): { data: Record<string, unknown>; body: string } {
  const { data, body } = readFrontmatter(raw, display);
  return { data, body };
}
