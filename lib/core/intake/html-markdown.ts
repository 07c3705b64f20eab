/**
 * HTML mail → Markdown with the unified/remark family the design card names: rehype-parse (the HTML
 * standard's parser, so a paragraph after `</html>` still lands in the body) → rehype-sanitize (GitHub's
 * schema: no script, style, forms, event handlers or javascript: links) → rehype-remark → remark-gfm
 * (tables, strikethrough) → remark-stringify. Paragraphs, links, lists, tables, code and quotes survive.
 * Images are never loaded: a remote image becomes a plain link, an embedded one (cid:, data:) its name in parentheses.
 */
import rehypeParse from 'rehype-parse';
import rehypeRemark from 'rehype-remark';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';
import remarkGfm from 'remark-gfm';
import remarkStringify from 'remark-stringify';
import { unified } from 'unified';

interface HastNode {
  type: string;
  tagName?: string;
  value?: string;
  properties?: Record<string, unknown>;
  children?: HastNode[];
}

/** Every <img> becomes a link to its address (http/https only) or a bracketed name; nothing is fetched. */
function imagesAsLinks() {
  return (tree: HastNode) => {
    const walk = (node: HastNode) => {
      for (const [index, child] of (node.children ?? []).entries()) {
        if (child.type === 'element' && child.tagName === 'img') {
          const src = typeof child.properties?.src === 'string' ? child.properties.src.trim() : '';
          const alt = typeof child.properties?.alt === 'string' ? child.properties.alt.trim() : '';
          const label = alt || src.split(/[/?#]/).filter(Boolean).pop() || 'image';
          (node.children as HastNode[])[index] = /^https?:\/\//i.test(src)
            ? { type: 'element', tagName: 'a', properties: { href: src }, children: [{ type: 'text', value: `image: ${alt || label}` }] }
            : { type: 'text', value: `(image: ${src.toLowerCase().startsWith('cid:') && !alt ? src.slice(4) : label})` };
        } else walk(child);
      }
    };
    walk(tree);
  };
}

/** GitHub's schema, and style sheets and titles dropped with their text (the schema only unwraps them). */
const schema = { ...defaultSchema, strip: [...(defaultSchema.strip ?? []), 'style', 'title'] };

/** A link whose address the sanitizer removed (javascript:, data:) is left as its text. */
function unwrapEmptyLinks() {
  return (tree: HastNode) => {
    const walk = (node: HastNode) => {
      if (!node.children) return;
      node.children = node.children.flatMap((child) => {
        walk(child);
        return child.type === 'element' && child.tagName === 'a' && !child.properties?.href ? (child.children ?? []) : [child];
      });
    };
    walk(tree);
  };
}

const processor = unified()
  .use(rehypeParse)
  .use(imagesAsLinks)
  .use(rehypeSanitize, schema)
  .use(unwrapEmptyLinks)
  .use(rehypeRemark)
  .use(remarkGfm)
  .use(remarkStringify, { bullet: '-', fences: true, rule: '-', emphasis: '_' });

/** Markdown of an HTML document or fragment; whitespace-only results come back as ''. */
export function htmlToMarkdown(html: string): string {
  const markdown = String(processor.processSync(html));
  return markdown.replace(/[ \t]+$/gm, '').replace(/\n{3,}/g, '\n\n').trim();
}
