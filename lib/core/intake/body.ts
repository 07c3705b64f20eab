/**
 * Which parts of a mail are its text and which are its attachments, decided as a helpdesk does, without
 * IO. The leaves come from the MIME tree (lib/mail/mime.ts), transfer-decoded.
 *
 * - The text is every inline text/plain or text/html part without a file name, in order; in a
 *   multipart/alternative the plain branch wins unless it is empty or a stub ("view this mail in HTML"),
 *   then the HTML branch is used, wherever the alternative sits (inside mixed or related, too).
 * - HTML that becomes text is converted to Markdown (html-markdown.ts) and kept as an attachment as well.
 * - Every other part is an attachment, byte-exact as transfer-decoded (line endings never converted):
 *   named text parts, images, embedded messages (named by their subject), delivery reports.
 */
import { htmlToMarkdown } from './html-markdown.ts';
import type { InboundAttachment } from './mail.ts';

export interface MimeLeaf {
  index: number;
  contentType: string;
  charset: string | undefined;
  disposition: string | undefined;
  /** Content-Disposition filename, else Content-Type name (decoded). */
  filename: string | undefined;
  contentId?: string;
  contentLocation?: string;
  flowed: boolean;
  delSp: boolean;
  /** Content types of the ancestors, nearest first. */
  ancestors: string[];
  /** The nearest multipart/alternative ancestor (an id) and which of its children this leaf is under. */
  alternative?: number;
  branch?: number;
  /** Subject of an embedded message/rfc822 part. */
  subject?: string | undefined;
  /** The file name on a uuencode `begin` line. */
  uuencodedName?: string | undefined;
  bytes: Uint8Array;
}

interface TextDecoding {
  text: string;
  lossy: boolean;
}

interface BodyChoice {
  text: string;
  /** True when some of the text came from HTML. */
  fromHtml: boolean;
  attachments: InboundAttachment[];
  /** True when some text could not be decoded (U+FFFD was produced). */
  lossy: boolean;
}

const STUB = /\b(view|read|see|open|display)\b.{0,40}\b(html|browser|web ?version|online)\b|\b(html|mime)[- ](version|mail|e-?mail|message)\b|\bdoes not support html\b|\bnot (able|capable) (to|of) (display|show|read)/i;

/** A text part that does not carry the message: empty, or a short note pointing at the HTML. */
function isStubText(text: string): boolean {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat === '' || (flat.length <= 300 && STUB.test(flat));
}

/** RFC 3676 format=flowed: soft line breaks (a trailing space) joined, space-stuffing removed. */
function unflow(text: string, delSp: boolean): string {
  const out: string[] = [];
  let open: { depth: number; text: string } | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const depth = /^>+/.exec(rawLine)?.[0].length ?? 0;
    let line = rawLine.slice(depth);
    if (line.startsWith(' ')) line = line.slice(1);
    const soft = line.endsWith(' ') && line !== '-- ';
    const content = soft && delSp ? line.slice(0, -1) : line;
    if (open && open.depth === depth) open.text += content;
    else {
      if (open) out.push(`${'>'.repeat(open.depth)}${open.depth > 0 ? ' ' : ''}${open.text}`);
      open = { depth, text: content };
    }
    if (!soft) {
      out.push(`${'>'.repeat(open.depth)}${open.depth > 0 && open.text !== '' ? ' ' : ''}${open.text}`);
      open = undefined;
    }
  }
  if (open) out.push(`${'>'.repeat(open.depth)}${open.depth > 0 ? ' ' : ''}${open.text}`);
  return out.join('\n');
}

function isTextType(leaf: MimeLeaf): boolean {
  return leaf.contentType === 'text/plain' || leaf.contentType === 'text/html';
}

/** A part that reads as the mail's text rather than as a file. */
function isBodyPart(leaf: MimeLeaf): boolean {
  return isTextType(leaf) && leaf.disposition !== 'attachment' && leaf.filename === undefined && leaf.uuencodedName === undefined;
}

const EXTENSION: Record<string, string> = {
  'text/plain': 'txt',
  'text/html': 'html',
  'text/calendar': 'ics',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'application/pdf': 'pdf',
  'message/rfc822': 'eml',
  'message/global': 'eml',
};

function lastSegment(location: string): string {
  const path = location.replace(/[?#].*$/, '');
  return decodeURIComponentSafe(path.split('/').filter(Boolean).pop() ?? '');
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The name a part is stored under, as the sender gave it: filename, name, uuencode, Content-Location, Content-ID, subject. */
function attachmentName(leaf: MimeLeaf): string | undefined {
  if (leaf.filename) return leaf.filename;
  if (leaf.uuencodedName) return leaf.uuencodedName;
  const extension = EXTENSION[leaf.contentType];
  if ((leaf.contentType === 'message/rfc822' || leaf.contentType === 'message/global') && leaf.subject) return `${leaf.subject}.eml`;
  if (leaf.contentLocation) {
    const segment = lastSegment(leaf.contentLocation);
    if (segment !== '') return segment.includes('.') || !extension ? segment : `${segment}.${extension}`;
  }
  if (leaf.contentId) {
    const id = leaf.contentId.replace(/@.*$/, '');
    if (id !== '') return extension && !id.toLowerCase().endsWith(`.${extension}`) ? `${id}.${extension}` : id;
  }
  return undefined;
}

function asAttachment(leaf: MimeLeaf): InboundAttachment {
  return { filename: attachmentName(leaf), contentType: leaf.contentType || 'application/octet-stream', size: leaf.bytes.length, content: leaf.bytes };
}

/** Which branch of each alternative carries the text: plain unless it is a stub, else the HTML one. */
function chosenBranches(leaves: readonly MimeLeaf[], decode: (leaf: MimeLeaf) => TextDecoding): Map<number, number> {
  const groups = new Map<number, MimeLeaf[]>();
  for (const leaf of leaves) if (leaf.alternative !== undefined && isBodyPart(leaf)) (groups.get(leaf.alternative) ?? groups.set(leaf.alternative, []).get(leaf.alternative))?.push(leaf);
  const chosen = new Map<number, number>();
  for (const [group, members] of groups) {
    const plain = members.find((leaf) => leaf.contentType === 'text/plain' && !isStubText(decode(leaf).text));
    // The last HTML branch is the richest the sender offers (RFC 2046: alternatives in increasing faithfulness).
    const html = [...members].reverse().find((leaf) => leaf.contentType === 'text/html');
    const pick = plain ?? html ?? members[0];
    if (pick?.branch !== undefined) chosen.set(group, pick.branch);
  }
  return chosen;
}

interface BodyOptions {
  /** Decodes a text part's bytes with its charset (the IO edge's charset.ts). */
  decode(bytes: Uint8Array, charset: string | undefined, contentType: string): TextDecoding;
}

export function chooseBody(leaves: readonly MimeLeaf[], options: BodyOptions): BodyChoice {
  const cache = new Map<number, TextDecoding>();
  const decode = (leaf: MimeLeaf): TextDecoding => {
    let decoded = cache.get(leaf.index);
    if (!decoded) {
      decoded = options.decode(leaf.bytes, leaf.charset, leaf.contentType);
      if (leaf.flowed) decoded = { ...decoded, text: unflow(decoded.text, leaf.delSp) };
      cache.set(leaf.index, decoded);
    }
    return decoded;
  };
  const branches = chosenBranches(leaves, decode);
  let bodyParts = leaves.filter((leaf) => isBodyPart(leaf) && (leaf.alternative === undefined || branches.get(leaf.alternative) === leaf.branch));
  // A mail whose only text is a named inline part still has that text as its body (and keeps the file).
  const namedInline = bodyParts.length === 0 ? leaves.find((leaf) => isTextType(leaf) && leaf.disposition !== 'attachment') : undefined;
  if (namedInline) bodyParts = [namedInline];
  const texts: string[] = [];
  const attachments: InboundAttachment[] = [];
  let fromHtml = false;
  let lossy = false;
  for (const leaf of leaves) {
    const inBody = bodyParts.includes(leaf);
    if (inBody) {
      const decoded = decode(leaf);
      lossy ||= decoded.lossy;
      if (leaf.contentType === 'text/html') {
        fromHtml = true;
        texts.push(htmlToMarkdown(decoded.text));
        if (decoded.text.trim() !== '') attachments.push({ filename: leaf.filename ?? 'message.html', contentType: 'text/html', size: leaf.bytes.length, content: leaf.bytes });
      } else texts.push(decoded.text);
      if (leaf !== namedInline) continue;
    } else if (isBodyPart(leaf)) continue; // the other rendering of an alternative
    attachments.push(asAttachment(leaf));
  }
  const text = texts.map((entry) => entry.replace(/\s+$/, '')).filter((entry) => entry.trim() !== '').join('\n\n');
  return { text, fromHtml, attachments, lossy };
}
