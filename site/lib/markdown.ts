/**
 * Ticket text (requests, messages, solutions, unit FAQs) to HTML that cannot run anything.
 *
 * Astro's own Markdown renderer passes `<script>`, `onerror=` and `javascript:` through unchanged
 * (research/spike.md), and ticket text comes from mail and GitHub issues, so it never touches that
 * renderer. The pipeline here: remark parses (GFM for tables and bare links), raw HTML becomes visible
 * text instead of markup, rehype-sanitize keeps only GitHub's safe subset with links limited to
 * http(s), images become links (a tracking pixel in a mail never loads), and addresses are masked in
 * text and attributes after entities are decoded.
 */
import type { Element, ElementContent, Root as HastRoot, RootContent as HastContent } from 'hast';
import type { Root as MdastRoot, RootContent as MdastContent } from 'mdast';
import rehypeSanitize, { defaultSchema, type Options as SanitizeSchema } from 'rehype-sanitize';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified, type Processor } from 'unified';
import { maskAddresses, type AddressPolicy } from './privacy.ts';

/** GitHub's sanitize schema, narrowed: links only to the web, no images at all, no ids that clash. */
const SCHEMA: SanitizeSchema = {
  ...defaultSchema,
  // Image sources survive sanitizing only to become links (rehypeSafeMedia); no <img> reaches the page.
  protocols: { ...defaultSchema.protocols, href: ['http', 'https'], cite: ['http', 'https'], src: ['http', 'https'], longDesc: [] },
  tagNames: (defaultSchema.tagNames ?? []).filter((tag) => !['picture', 'source', 'video', 'audio', 'iframe', 'object', 'embed'].includes(tag)),
};

/** Raw HTML in a mail is shown as what it is, text, rather than dropped (readers lose nothing). */
function remarkHtmlAsText() {
  return (tree: MdastRoot) => {
    const visit = (nodes: MdastContent[]) => {
      for (const [index, node] of nodes.entries()) {
        if (node.type === 'html') nodes[index] = { type: 'text', value: node.value };
        else if ('children' in node) visit(node.children as MdastContent[]);
      }
    };
    visit(tree.children);
  };
}

/**
 * Images become links to their source (or plain text when the source is not http(s)), so nothing is
 * fetched when the page opens. Links get rel attributes that give the target no referrer and no
 * ranking from user text.
 */
function rehypeSafeMedia() {
  return (tree: HastRoot) => {
    const visit = (nodes: (HastContent | ElementContent)[]) => {
      for (const [index, node] of nodes.entries()) {
        if (node.type !== 'element') continue;
        if (node.tagName === 'img') {
          nodes[index] = imageAsLink(node);
          continue;
        }
        if (node.tagName === 'a') node.properties = { ...node.properties, rel: ['nofollow', 'noopener', 'noreferrer', 'ugc'] };
        visit(node.children);
      }
    };
    visit(tree.children);
  };
}

function imageAsLink(image: Element): Element {
  const alt = typeof image.properties.alt === 'string' && image.properties.alt.trim() !== '' ? image.properties.alt : 'image';
  const src = typeof image.properties.src === 'string' ? image.properties.src : '';
  const label: ElementContent = { type: 'text', value: `[image: ${alt}]` };
  if (/^https?:\/\//i.test(src)) {
    return { type: 'element', tagName: 'a', properties: { href: src, rel: ['nofollow', 'noopener', 'noreferrer', 'ugc'], className: ['image-link'] }, children: [label] };
  }
  return { type: 'element', tagName: 'span', properties: { className: ['image-link'] }, children: [label] };
}

/** Masks addresses in text and in every attribute value, after Markdown decoded `&#64;` and friends. */
function rehypeMaskAddresses(policy: AddressPolicy) {
  return (tree: HastRoot) => {
    const visit = (nodes: (HastContent | ElementContent)[]) => {
      for (const node of nodes) {
        if (node.type === 'text') node.value = maskAddresses(node.value, policy);
        else if (node.type === 'element') {
          for (const [key, value] of Object.entries(node.properties)) {
            if (typeof value === 'string') node.properties[key] = maskAddresses(value, policy);
            else if (Array.isArray(value)) node.properties[key] = value.map((item) => (typeof item === 'string' ? maskAddresses(item, policy) : item));
          }
          visit(node.children);
        }
      }
    };
    visit(tree.children);
  };
}

export type TicketTextRenderer = (markdown: string) => string;

/**
 * GFM's extensions (tables, strikethrough, bare links, task lists, footnotes) triple the parse time, and
 * none of them can change a text that has none of their marker characters; such texts (most mail
 * replies) take the plain CommonMark pipeline. A test pins that both pipelines agree on them.
 */
const GFM_MARKERS = /[|~@[]|www\.|https?:|mailto:|xmpp:/i;

export function needsGfm(markdown: string): boolean {
  return GFM_MARKERS.test(markdown);
}

function pipeline(policy: AddressPolicy, gfm: boolean) {
  const base = unified().use(remarkParse);
  const withSyntax = gfm ? base.use(remarkGfm) : base;
  return withSyntax
    .use(remarkHtmlAsText)
    .use(remarkRehype)
    .use(rehypeSanitize, SCHEMA)
    .use(rehypeSafeMedia)
    .use(rehypeMaskAddresses, policy)
    .use(rehypeStringify)
    .freeze() as unknown as Processor<MdastRoot, MdastRoot, HastRoot, HastRoot, string>;
}

/** One frozen pipeline pair per helpdesk (its intake addresses stay visible); reused for every text. */
export function createTicketTextRenderer(policy: AddressPolicy, options: { alwaysGfm?: boolean } = {}): TicketTextRenderer {
  const full = pipeline(policy, true);
  const plain = pipeline(policy, false);
  return (markdown) => {
    // Masking the source too catches addresses in places the HTML keeps verbatim (code, URLs).
    const source = maskAddresses(markdown, policy);
    const processor = options.alwaysGfm || needsGfm(source) ? full : plain;
    return String(processor.processSync(source));
  };
}
