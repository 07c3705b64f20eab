/**
 * The MIME tree of a raw message as a flat list of leaf parts, transfer-decoded, with what a helpdesk
 * needs to decide which part is the body and what each attachment is called. mailsplit (mailparser's own
 * splitter) does the splitting: it copes with the malformed boundaries, LF/CRLF mixes and missing
 * headers real mail has. Embedded messages stay one leaf (their raw bytes), so they can be stored as
 * `.eml` files; the choice of body is made in lib/core/intake/body.ts, without IO.
 */
import mailsplit from '@zone-eu/mailsplit';
import libbase64 from 'libbase64';
import libmime from 'libmime';
import libqp from 'libqp';
import type { MimeLeaf } from '../core/intake/body.ts';

type SplitNode = InstanceType<typeof mailsplit.MimeNode>;

/**
 * uuencode (`Content-Transfer-Encoding: x-uuencode`, and `begin 644 name` blocks). Written out because
 * the npm `uuencode` package stops at the first short line and uses the deprecated Buffer constructor;
 * the format is four 6-bit characters per three bytes, a length character per line.
 */
function uudecode(text: string): { name: string | undefined; bytes: Buffer } {
  const lines = text.split(/\r?\n/);
  let start = lines.findIndex((line) => /^begin(-base64)?\s+[0-7]{3,4}\s/.test(line));
  const name = start >= 0 ? (lines[start] as string).replace(/^begin\s+[0-7]{3,4}\s+/, '').trim() : undefined;
  start = start >= 0 ? start + 1 : 0;
  const out: number[] = [];
  for (const line of lines.slice(start)) {
    if (/^end\s*$/.test(line)) break;
    if (line === '') continue;
    const count = (line.charCodeAt(0) - 32) & 0x3f;
    if (count === 0) continue;
    // Mail transports strip trailing spaces, which are data here (value 0): pad the line back.
    const chars = line.slice(1).padEnd(Math.ceil(count / 3) * 4, ' ');
    const bytes: number[] = [];
    for (let index = 0; index + 3 < chars.length && bytes.length < count; index += 4) {
      const [a, b, c, d] = [0, 1, 2, 3].map((offset) => (chars.charCodeAt(index + offset) - 32) & 0x3f) as [number, number, number, number];
      bytes.push(((a << 2) | (b >> 4)) & 0xff, ((b << 4) | (c >> 2)) & 0xff, ((c << 6) | d) & 0xff);
    }
    out.push(...bytes.slice(0, count));
  }
  return { name, bytes: Buffer.from(out) };
}

function transferDecode(body: Buffer, encoding: string): Buffer {
  // What follows padding on a line is not base64 (`Cg== ignored`): decoding it would append garbage.
  if (encoding === 'base64') return libbase64.decode(body.toString('latin1').replace(/^(\s*[A-Za-z0-9+/]*=+)[^\r\n]*/gm, '$1'));
  if (encoding === 'quoted-printable') return libqp.decode(body.toString('latin1'));
  if (/^(x-)?uu(encode|e)?$/.test(encoding) || encoding === 'x-uuencode') return uudecode(body.toString('latin1')).bytes;
  return body;
}

function headerFirst(node: SplitNode, name: string): string | undefined {
  const value = node.headers ? node.headers.getFirst(name) : '';
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

function param(node: SplitNode, header: string, name: string): string | undefined {
  const value = headerFirst(node, header);
  if (value === undefined) return undefined;
  const parsed = libmime.parseHeaderValue(value);
  const found = parsed.params[name];
  if (typeof found !== 'string' || found === '') return undefined;
  return parsed.decodedParams?.includes(name) ? found : libmime.decodeWords(found);
}

/** The decoded Subject of an embedded message, read from its own header block. */
function embeddedSubject(bytes: Buffer): string | undefined {
  const text = bytes.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = (end < 0 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const line = block.split(/\r?\n/).find((entry) => /^subject\s*:/i.test(entry));
  if (!line) return undefined;
  const value = Buffer.from(line.replace(/^subject\s*:\s*/i, ''), 'latin1').toString('utf8');
  const decoded = libmime.decodeWords(value).trim();
  return decoded === '' ? undefined : decoded;
}

/**
 * `Content-Type: multipart/mixed` folded straight into `boundary="…"` without the `;` (a real Outlook
 * bug): every parser then misses the boundary and shows the raw MIME as text. The `;` is put back.
 */
export function repairMultipartHeaders(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const fixed = text.replace(/^(content-type:[ \t]*multipart\/[a-z0-9.+-]+)((?:[ \t]*\r?\n)?[ \t]+)(boundary[ \t]*=)/gim, '$1;$2$3');
  return fixed === text ? raw : Buffer.from(fixed, 'latin1');
}

/** Splits the message (already 7-bit in its headers, see predecodeHeaders) into its leaf parts. */
export async function readLeaves(raw: Buffer): Promise<MimeLeaf[]> {
  const splitter = new mailsplit.Splitter({ ignoreEmbedded: true });
  const order: SplitNode[] = [];
  const bodies = new Map<SplitNode, Buffer[]>();
  const done = new Promise<void>((resolve, reject) => {
    const stream = splitter as unknown as NodeJS.EventEmitter;
    stream.on('data', (data: { type: string; value?: Buffer }) => {
      if (data.type === 'node') {
        const node = data as unknown as SplitNode;
        order.push(node);
        bodies.set(node, []);
      } else if (data.type === 'body' && data.value) {
        const node = order[order.length - 1];
        if (node) bodies.get(node)?.push(data.value);
      }
    });
    stream.on('end', () => resolve());
    stream.on('error', reject);
  });
  splitter.end(raw);
  await done;

  const leaves: MimeLeaf[] = [];
  for (const node of order) {
    if (node.multipart) continue;
    const ancestors: SplitNode[] = [];
    for (let parent = node.parentNode; parent; parent = parent.parentNode) ancestors.push(parent);
    const parentType = ancestors[0]?.contentType || '';
    // RFC 2046: a part without Content-Type is text/plain, or message/rfc822 inside a digest.
    const declared = headerFirst(node, 'content-type') === undefined ? undefined : node.contentType || undefined;
    const contentType = declared ?? (parentType === 'multipart/digest' ? 'message/rfc822' : 'text/plain');
    const encoding = (node.encoding || '').toLowerCase();
    const body = Buffer.concat(bodies.get(node) ?? []);
    const bytes = transferDecode(body, encoding);
    const alternative = ancestors.findIndex((ancestor) => ancestor.contentType === 'multipart/alternative');
    const branchNode = alternative < 0 ? undefined : alternative === 0 ? node : ancestors[alternative - 1];
    const contentId = headerFirst(node, 'content-id')?.replace(/^<|>$/g, '').trim();
    const contentLocation = headerFirst(node, 'content-location');
    const filename = param(node, 'content-disposition', 'filename');
    const name = param(node, 'content-type', 'name');
    leaves.push({
      index: leaves.length,
      contentType,
      charset: node.charset || undefined,
      disposition: node.disposition || undefined,
      filename: filename ?? name,
      ...(contentId ? { contentId } : {}),
      ...(contentLocation ? { contentLocation } : {}),
      flowed: node.flowed,
      delSp: node.delSp,
      ancestors: ancestors.map((ancestor) => ancestor.contentType || 'multipart/mixed'),
      ...(alternative < 0 ? {} : { alternative: order.indexOf(ancestors[alternative] as SplitNode), branch: order.indexOf(branchNode as SplitNode) }),
      ...(contentType === 'message/rfc822' || contentType === 'message/global' ? { subject: embeddedSubject(bytes) } : {}),
      ...(/uu(encode|e)?$/.test(encoding) ? { uuencodedName: uudecode(body.toString('latin1')).name } : {}),
      bytes,
    });
  }
  if (leaves.length === 0) {
    // A multipart whose boundary never occurs: all of its body is preamble, and still the sender's text.
    const end = raw.indexOf('\r\n\r\n') >= 0 && (raw.indexOf('\n\n') < 0 || raw.indexOf('\r\n\r\n') < raw.indexOf('\n\n')) ? raw.indexOf('\r\n\r\n') + 4 : raw.indexOf('\n\n') + 2;
    const body = end > 1 ? raw.subarray(end) : Buffer.alloc(0);
    if (body.toString('latin1').trim() !== '') leaves.push({ index: 0, contentType: 'text/plain', charset: undefined, disposition: undefined, filename: undefined, flowed: false, delSp: false, ancestors: [], bytes: body });
  }
  return leaves;
}
