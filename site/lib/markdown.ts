/**
 * Ticket text (requests, messages, solutions, unit FAQs) to HTML that cannot run anything.
 *
 * Astro's own Markdown renderer passes `<script>`, `onerror=` and `javascript:` through unchanged
 * (docs/spike.md), and ticket text comes from mail and GitHub issues, so it never touches that
 * renderer. markdown-it parses here because the build renders every text of up to 10,000 tickets: it
 * parses about eight times faster than remark + rehype (even with sanitize-html after it a text costs
 * under half of what it did), with tables, strikethrough and bare links built in. It runs with
 * `html: false`, so raw HTML in a mail can only ever be escaped text, never markup: safety by
 * construction rather than by cleaning. Links are limited to http(s) or relative paths, images become
 * links (a tracking pixel in a mail never loads), and addresses are masked in text and attributes after
 * entities are decoded. sanitize-html then passes the output through an allowlist of exactly what this
 * renderer emits, so a parser bug or a missed token type cannot reach the page.
 */
import MarkdownIt, { type MarkdownIt as Parser, type StateCore, type Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { maskAddresses, type AddressPolicy } from '../../lib/core/privacy.ts';

export type TicketTextRenderer = (markdown: string) => string;

/** The target gets no referrer and no ranking from user text. */
const REL = 'nofollow noopener noreferrer ugc';

const WEB_URL = /^https?:\/\//i;
const SCHEME = /^[a-z][a-z\d+.-]*:/i;
/** `//host` and, after browsers' backslash repair, `/\host` leave the site as much as `https://host`. */
const PROTOCOL_RELATIVE = /^[\\/]{2}/;

/**
 * markdown-it hands over the normalized (percent-encoded) URL, so whitespace and control characters
 * that browsers would strip to reveal a `javascript:` are already harmless here. mailto: is refused too:
 * it would publish an address.
 */
function isAllowedUrl(url: string): boolean {
  return WEB_URL.test(url) || (!SCHEME.test(url) && !PROTOCOL_RELATIVE.test(url));
}

/** Token kinds whose content reaches the page: text, code, and an image's alt source. */
const MASKED_CONTENT = new Set(['text', 'code_inline', 'code_block', 'fence', 'html_block', 'html_inline', 'image']);

function maskTokens(tokens: Token[], policy: AddressPolicy): void {
  for (const token of tokens) {
    if (MASKED_CONTENT.has(token.type)) token.content = maskAddresses(token.content, policy);
    // A fence's info string becomes a class name.
    if (token.info) token.info = maskAddresses(token.info, policy);
    if (token.attrs) for (const attr of token.attrs) attr[1] = maskAddresses(String(attr[1]), policy);
    if (token.children) maskTokens(token.children, policy);
  }
}

/** An `<a>` inside an `<a>` is invalid HTML that browsers split apart, so an image in a link stays text. */
function insideLink(tokens: Token[], index: number): boolean {
  let depth = 0;
  for (let i = 0; i < index; i++) {
    const type = tokens[i]?.type;
    if (type === 'link_open') depth++;
    else if (type === 'link_close') depth--;
  }
  return depth > 0;
}

function createParser(policy: AddressPolicy): Parser {
  const md = new MarkdownIt({ html: false, linkify: true, typographer: false });
  // Only `http(s)://` and `www.` in running text become links, as on GitHub: log and file names such
  // as `setup.py` or `README.md` end in country domains and must stay text.
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: false });
  let wwwTail: RegExp | undefined;
  md.linkify.add('www.', {
    validate: (text, pos, self) => {
      // GitHub's rule: `www.` starts a link only after a space, `(` or emphasis, not inside `a.www.b`.
      if (pos > 4 && !/[\s*_~(]/.test(text[pos - 5] ?? '')) return 0;
      wwwTail ??= new RegExp(self.re.get_url_host_port().source + self.re.get_path().source, 'iy');
      wwwTail.lastIndex = pos;
      return wwwTail.exec(text)?.[0].length ?? 0;
    },
    normalize: (match) => {
      match.url = `http://${match.url}`;
    },
  });
  md.validateLink = isAllowedUrl;
  // Last, after entities were decoded and bare URLs linked: `jane&#64;uni.example` is an address by now.
  md.core.ruler.push('mask_addresses', (state: StateCore) => maskTokens(state.tokens, policy));

  const { escapeHtml } = md.utils;
  md.renderer.rules.link_open = (tokens, index, options, _env, self) => {
    tokens[index]?.attrSet('rel', REL);
    return self.renderToken(tokens, index, options);
  };
  md.renderer.rules.image = (tokens, index, options, env, self) => {
    const image = tokens[index];
    const alt = image ? self.renderInlineAsText(image.children ?? [], options, env) : '';
    const label = `[image: ${escapeHtml(alt.trim() === '' ? 'image' : alt)}]`;
    const src = String(image?.attrGet('src') ?? '');
    if (WEB_URL.test(src) && !insideLink(tokens, index)) return `<a href="${escapeHtml(src)}" rel="${REL}" class="image-link">${label}</a>`;
    return `<span class="image-link">${label}</span>`;
  };
  return md;
}

const ALIGNMENT = { 'text-align': [/^(?:left|right|center)$/] };

/** Exactly what the renderer above can emit; anything else is a bug and shows as escaped text. */
const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'em', 'strong', 's', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'a', 'span'],
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'], th: ['style'], td: ['style'] },
  allowedClasses: { a: ['image-link'], span: ['image-link'] },
  allowedStyles: { th: ALIGNMENT, td: ALIGNMENT },
  allowedSchemes: ['http', 'https'],
  allowedSchemesByTag: {},
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
};

/** One parser per helpdesk (its intake addresses stay visible); reused for every text. */
export function createTicketTextRenderer(policy: AddressPolicy): TicketTextRenderer {
  const md = createParser(policy);
  return (markdown) => {
    // Masking the source first catches an address that Markdown syntax splits across tokens
    // (`*jane*@uni.example`), which the token walk alone would miss.
    const source = maskAddresses(markdown, policy);
    return sanitizeHtml(md.render(source), SANITIZE);
  };
}
