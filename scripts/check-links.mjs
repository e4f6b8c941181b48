#!/usr/bin/env node
// Checks the relative links of README.md and docs/**/*.md: the file exists, and the #anchor
// names a heading in it (GitHub's slugs). Prints each broken link; exit 1 if any.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const walk = (dir) =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : n.endsWith('.md') ? [p] : [];
  });
const files = [join(ROOT, 'README.md'), ...(existsSync(join(ROOT, 'docs')) ? walk(join(ROOT, 'docs')) : [])];
const slug = (h) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
/** The text outside fenced code blocks (a fence is a line that starts with three backticks). */
const prose = (text) => {
  let inFence = false;
  return text
    .split('\n')
    .filter((line) => {
      if (/^\s*```/.test(line)) {
        inFence = !inFence;
        return false;
      }
      return !inFence;
    })
    .join('\n');
};
const anchors = new Map();
const anchorsOf = (f) => {
  if (!anchors.has(f)) {
    const text = prose(readFileSync(f, 'utf8'));
    anchors.set(f, new Set([...text.matchAll(/^#+ (.*)$/gm)].map((m) => slug(m[1]))));
  }
  return anchors.get(f);
};
let broken = 0;
for (const f of files) {
  const text = prose(readFileSync(f, 'utf8'));
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/.test(target)) continue;
    const [path, anchor] = target.split('#');
    const file = path ? normalize(join(dirname(f), path)) : f;
    if (!existsSync(file)) {
      console.log(`${relative(ROOT, f)}: ${target}: no such file`);
      broken++;
    } else if (anchor && file.endsWith('.md') && !anchorsOf(file).has(anchor)) {
      console.log(`${relative(ROOT, f)}: ${target}: no such heading`);
      broken++;
    }
  }
}
process.exit(broken ? 1 : 0);
