/**
 * Ticket bodies as HTML, with markdown-it: raw HTML in the text is shown as text (html:
 * false), links only to http(s), mailto and in-page anchors (markdown-it already refuses
 * javascript:, vbscript:, file: and most data:), and every link opens outside the board
 * with rel="noopener noreferrer".
 */
import { createRequire } from 'node:module';
import type MarkdownIt from 'markdown-it';

const require = createRequire(import.meta.url);
let md: MarkdownIt | undefined;

function renderer(): MarkdownIt {
  if (md) return md;
  const Ctor = require('markdown-it') as typeof MarkdownIt;
  const m = new Ctor({ html: false, linkify: false, typographer: false });
  const ok = m.validateLink.bind(m);
  m.validateLink = (url: string) => ok(url) && /^(https?:|mailto:|#|[^:]*$)/i.test(url.trim());
  const open = m.renderer.rules.link_open ?? ((tokens, i, options, _env, self) => self.renderToken(tokens, i, options));
  m.renderer.rules.link_open = (tokens, i, options, env, self) => {
    tokens[i].attrSet('rel', 'noopener noreferrer');
    tokens[i].attrSet('target', '_blank');
    return open(tokens, i, options, env, self);
  };
  return (md = m);
}

export function renderMarkdown(text: string): string {
  return renderer().render(text);
}
