/**
 * The expected results of the mail regression suite, read from the suites' own files: stalwartlabs/
 * mail-parser keeps, beside each `NNN.eml`, the full parse it expects as `NNN.json` (headers, every part
 * decoded, which parts are the text body and which the attachments). Only the fields a helpdesk stores
 * are taken from it: the first From mailbox, its display name, the subject, the body's text, and the
 * attachments with their names and decoded bytes.
 */
import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import rehypeParse from 'rehype-parse';
import { unified } from 'unified';

interface StalwartHeader {
  name: string | { other: string };
  value: Record<string, unknown>;
}
interface StalwartPart {
  headers: StalwartHeader[];
  body: Record<string, unknown>;
}
interface StalwartMessage {
  text_body: number[];
  html_body: number[];
  attachments: number[];
  parts: StalwartPart[];
}

interface ExpectedAttachment {
  name: string | undefined;
  /** Decoded bytes for binary parts; for text parts the decoded text (the suite stores text, not bytes). */
  bytes?: Uint8Array;
  text?: string;
  /** message/rfc822 parts: only their presence is compared. */
  message?: boolean;
  charset: string | undefined;
}

export interface ExpectedMail {
  from: { name: string; address: string } | undefined;
  subject: string | undefined;
  body: string;
  attachments: ExpectedAttachment[];
}

function header(part: StalwartPart, name: string): StalwartHeader | undefined {
  return part.headers.find((entry) => entry.name === name);
}

function attribute(part: StalwartPart, headerName: string, name: string): string | undefined {
  const value = header(part, headerName)?.value as { ContentType?: { attributes?: { name: string; value: string }[] | null } } | undefined;
  return value?.ContentType?.attributes?.find((entry) => entry.name.toLowerCase() === name)?.value;
}

function firstAddress(value: Record<string, unknown> | undefined): { name: string; address: string } | undefined {
  const address = value?.Address as { List?: { name: string | null; address: string | null }[]; Group?: { addresses: { name: string | null; address: string | null }[] }[] } | undefined;
  const list = address?.List ?? address?.Group?.flatMap((group) => group.addresses) ?? [];
  const first = list.find((entry) => entry.address);
  return first ? { name: first.name ?? '', address: first.address ?? '' } : undefined;
}

/** Visible text of an HTML part (no style, script or head), for comparing words, not markup. */
function htmlText(html: string): string {
  const tree = unified().use(rehypeParse).parse(html);
  const out: string[] = [];
  const walk = (node: { type: string; value?: string; tagName?: string; children?: unknown[] }) => {
    if (node.type === 'element' && ['style', 'script', 'head', 'title'].includes(node.tagName ?? '')) return;
    if (node.type === 'text') out.push(node.value ?? '');
    else if (node.type === 'element') out.push(' ');
    for (const child of (node.children ?? []) as (typeof node)[]) walk(child);
  };
  walk(tree);
  return out.join('');
}

export function readStalwart(jsonPath: string): ExpectedMail {
  const message = JSON.parse(readFileSync(jsonPath, 'utf8')) as StalwartMessage;
  const root = message.parts[0] as StalwartPart;
  const subject = header(root, 'subject')?.value.Text as string | undefined;
  const from = firstAddress(header(root, 'from')?.value);
  const body = message.text_body
    .map((index) => message.parts[index]?.body ?? {})
    .map((part) => (typeof part.Text === 'string' ? part.Text : typeof part.Html === 'string' ? htmlText(part.Html) : ''))
    .join('\n');
  const attachments = message.attachments.map((index): ExpectedAttachment => {
    const part = message.parts[index] as StalwartPart;
    const name = attribute(part, 'content_disposition', 'filename') ?? attribute(part, 'content_type', 'name');
    const charset = attribute(part, 'content_type', 'charset');
    const kind = Object.keys(part.body)[0];
    const value = part.body[kind as string];
    if (kind === 'Binary' || kind === 'InlineBinary') return { name, bytes: Uint8Array.from(value as number[]), charset };
    if (kind === 'Text' || kind === 'Html') return { name, text: value as string, charset };
    return { name, message: true, charset };
  });
  return { from, subject, body, attachments };
}

/** Text of a stored attachment, decoded with the part's charset, for comparing with a text expectation. */
export function decodeText(bytes: Uint8Array, charset: string | undefined): string {
  const label = charset && iconv.encodingExists(charset) ? charset : 'utf-8';
  return iconv.decode(Buffer.from(bytes), label);
}
