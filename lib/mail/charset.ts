/**
 * Bytes → text by the book: every label the WHATWG Encoding Standard knows (Node's TextDecoder: ISO-2022-JP,
 * Shift_JIS, GB18030/GBK/GB2312, KOI8-R, x-mac-cyrillic, windows-125x …), then every one iconv-lite
 * knows (UTF-7, old code pages); bytes that cannot be what their label says (8-bit bytes under the 7-bit
 * ISO-2022-JP, invalid UTF-8) and unlabelled 8-bit bytes go to a detector (jschardet). U+FFFD is produced
 * only when no reading decodes the bytes, and the caller is told, so it can keep the raw mail.
 *
 * Also the header pre-pass: mailparser reads raw 8-bit header bytes as UTF-8 (and attachment names as
 * Latin-1), and decodes encoded words only in the charsets libmime knows. `predecodeHeaders` rewrites every
 * header block of the message so that what reaches the parser is 7-bit: raw 8-bit text is decoded here
 * (UTF-8 when it is valid UTF-8, as RFC 6532 allows, else the body's declared charset, else the
 * detector) and written back as UTF-8 encoded words; encoded words in other charsets are re-encoded the
 * same way. Bodies are left alone byte for byte.
 */
import iconv from 'iconv-lite';
import jschardet from 'jschardet';

interface Decoded {
  text: string;
  /** The label actually used. */
  charset: string;
  /** True when some bytes decoded to U+FFFD that were not U+FFFD in the source. */
  lossy: boolean;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function validUtf8(bytes: Uint8Array): boolean {
  try {
    UTF8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function hasHighBytes(bytes: Uint8Array): boolean {
  return bytes.some((byte) => byte >= 0x80);
}

/** The source's own U+FFFD characters (as UTF-8 bytes) are not a loss. */
function countReplacement(text: string): number {
  let count = 0;
  for (const char of text) if (char === '\uFFFD') count += 1;
  return count;
}

function normalizeLabel(label: string | undefined): string | undefined {
  const trimmed = (label ?? '')
    .trim()
    .replace(/^["']|["']$/g, '')
    .toLowerCase();
  return trimmed === '' ? undefined : trimmed;
}

/** Decodes with a label, or undefined when neither TextDecoder nor iconv-lite knows it. */
function decodeWith(bytes: Uint8Array, label: string): string | undefined {
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    // Not a WHATWG label: iconv-lite knows more (UTF-7, cp437, cp850 …).
  }
  return iconv.encodingExists(label) ? iconv.decode(Buffer.from(bytes), label) : undefined;
}

/** What the detector makes of 8-bit bytes, when it knows a decoder for its guess. */
function detectCharset(bytes: Uint8Array): string | undefined {
  if (!hasHighBytes(bytes)) return undefined;
  if (validUtf8(bytes)) return 'utf-8';
  const guess = jschardet.detect(Buffer.from(bytes), { minimumThreshold: 0 });
  const label = normalizeLabel(guess.encoding ?? undefined);
  if (label === undefined || label === 'ascii' || label === 'utf-8') return undefined;
  return decodeWith(new Uint8Array(0), label) === undefined ? undefined : label;
}

/**
 * Decodes text bytes. `label` is the declared charset; `fallback` is what to try before the detector when
 * the label is missing or unusable (the body's charset for headers).
 */
export function decodeBytes(bytes: Uint8Array, label?: string, fallback?: string): Decoded {
  const declared = normalizeLabel(label);
  const sourceReplacements = Buffer.from(bytes).toString('latin1').split('\xef\xbf\xbd').length - 1;
  const finish = (text: string, charset: string): Decoded => ({ text, charset, lossy: countReplacement(text) > sourceReplacements });
  if (!hasHighBytes(bytes)) {
    // 7-bit: the label matters only for 7-bit encodings (ISO-2022-JP, UTF-7, HZ).
    const text = declared ? decodeWith(bytes, declared) : undefined;
    return finish(text ?? Buffer.from(bytes).toString('latin1'), text === undefined ? 'us-ascii' : (declared as string));
  }
  const sevenBitLabel = declared !== undefined && /^(iso-2022-|utf-7|unicode-1-1-utf-7|us-ascii$|ascii$|hz)/.test(declared);
  let first: Decoded | undefined;
  if (declared && !sevenBitLabel && !/^utf-?8$/.test(declared)) {
    const text = decodeWith(bytes, declared);
    if (text !== undefined) {
      first = finish(text, declared);
      if (!first.lossy) return first;
    }
  }
  if (validUtf8(bytes)) return finish(UTF8.decode(bytes), 'utf-8');
  // UTF-8 with a few broken bytes (a Latin-1 signature pasted in): the valid characters stay, the broken
  // bytes become U+FFFD. Only when nothing in it reads as UTF-8 is it another charset.
  const lenient = new TextDecoder('utf-8').decode(bytes);
  const validNonAscii = lenient.match(/[^\x00-\x7f\uFFFD]/gu)?.length ?? 0;
  if ((declared === undefined || /^utf-?8$/.test(declared)) && validNonAscii > countReplacement(lenient)) return finish(lenient, 'utf-8');
  const candidates = [normalizeLabel(fallback), detectCharset(bytes), 'windows-1252'].filter((label): label is string => label !== undefined);
  for (const candidate of candidates) {
    const text = decodeWith(bytes, candidate);
    if (text === undefined) continue;
    const decoded = finish(text, candidate);
    if (!decoded.lossy) return decoded;
    first ??= decoded;
  }
  return first ?? finish(Buffer.from(bytes).toString('latin1'), 'latin1');
}

const ENCODED_WORD = /=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=/g;

function decodeEncodedWordBytes(encoding: string, payload: string): Buffer {
  if (encoding.toUpperCase() === 'B') return Buffer.from(payload, 'base64');
  const bytes: number[] = [];
  for (let index = 0; index < payload.length; index += 1) {
    const char = payload[index] as string;
    if (char === '_') bytes.push(0x20);
    else if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(payload.slice(index + 1, index + 3))) {
      bytes.push(Number.parseInt(payload.slice(index + 1, index + 3), 16));
      index += 2;
    } else bytes.push(char.charCodeAt(0) & 0xff);
  }
  return Buffer.from(bytes);
}

function utf8Word(text: string): string {
  return `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}

/** Charsets whose encoded words libmime decodes right itself; the others are re-encoded as UTF-8 here. */
const LIBMIME_SAFE = /^(utf-?8|us-ascii|ascii|iso-8859-1|latin1)(\*.*)?$/i;

/**
 * One header line (latin1 string, one char per byte) → 7-bit: 8-bit bytes inside a Q encoded word become
 * =XX of that word's own charset, encoded words in other charsets become UTF-8 ones, and raw 8-bit text
 * outside encoded words is decoded (`fallback`, then the detector) and written as UTF-8 encoded words.
 */
function rewriteHeaderLine(line: string, fallback: string | undefined): { line: string; lossy: boolean } {
  let lossy = false;
  // 8-bit bytes inside a Q word: the sender meant them in the word's charset.
  let text = line.replace(/=\?([^?\s]+)\?([Qq])\?([^?]*)\?=/g, (_all, charset: string, q: string, payload: string) => `=?${charset}?${q}?${payload.replace(/[\x80-\xff]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}?=`);
  text = text.replace(ENCODED_WORD, (word, charset: string, encoding: string, payload: string) => {
    if (LIBMIME_SAFE.test(charset)) return word;
    const decoded = decodeBytes(decodeEncodedWordBytes(encoding, payload), charset.replace(/\*.*$/, ''));
    lossy ||= decoded.lossy;
    return utf8Word(decoded.text);
  });
  if (!/[\x80-\xff]/.test(text)) return { line: text, lossy };
  const colon = text.indexOf(':');
  const continuation = /^[ \t]/.test(text);
  const head = continuation || colon < 0 ? '' : text.slice(0, colon + 1);
  const value = Buffer.from(text.slice(head.length), 'latin1');
  const decoded = decodeBytes(value, undefined, fallback);
  lossy ||= decoded.lossy;
  // Each run of non-ASCII characters becomes one encoded word; ASCII around it (quotes, <>, ;) stays.
  // Whitespace between two non-ASCII words goes inside the encoded word: between two encoded words it
  // would be dropped (RFC 2047 §6.2), turning "Иван Петров" into "ИванПетров".
  const rewritten = decoded.text.replace(/[^\x00-\x7f]+(?:[ \t]+[^\x00-\x7f]+)*/gu, (run) => utf8Word(run));
  return { line: `${head}${rewritten}`, lossy };
}

/** The first 8-bit charset any part declares: the best guess for raw 8-bit header bytes. */
function bodyCharset(raw: Buffer): string | undefined {
  for (const match of raw.toString('latin1').matchAll(/charset\s*=\s*["']?([A-Za-z0-9_.:+-]+)/gi)) {
    const label = (match[1] as string).toLowerCase();
    if (!/^(us-?ascii|ascii|utf-?8|utf-7)$/.test(label)) return label;
  }
  return undefined;
}

/**
 * Rewrites the header blocks of the message (top level, every MIME part, embedded messages) as 7-bit
 * text the parser reads right; the bodies are kept byte for byte. `lossy` is true when some header bytes
 * could not be decoded.
 */
export function predecodeHeaders(raw: Buffer): { raw: Buffer; lossy: boolean } {
  const text = raw.toString('latin1');
  if (!/[\x80-\xff]|=\?(?!utf-?8\?|us-ascii\?|iso-8859-1\?)[^?\s]+\?[QqBb]\?/i.test(text)) return { raw, lossy: false };
  const boundaries = new Set<string>();
  for (const match of text.matchAll(/boundary\s*=\s*(?:"([^"]+)"|([^\s;"]+))/gi)) boundaries.add((match[1] ?? match[2]) as string);
  const fallback = bodyCharset(raw);
  const lines = text.split(/(?<=\n)/);
  let inHeaders = true;
  let blockIsMessage = false;
  let lossy = false;
  const out: string[] = [];
  for (const line of lines) {
    const bare = line.replace(/\r?\n$/, '');
    if (inHeaders) {
      if (bare.trim() === '') {
        // An embedded message's own header block follows the part's.
        inHeaders = blockIsMessage;
        blockIsMessage = false;
        out.push(line);
        continue;
      }
      if (/^content-type:\s*message\/(rfc822|global)/i.test(bare)) blockIsMessage = true;
      if (/[\x80-\xff]|=\?/.test(bare)) {
        const rewritten = rewriteHeaderLine(bare, fallback);
        lossy ||= rewritten.lossy;
        out.push(`${rewritten.line}${line.slice(bare.length)}`);
        continue;
      }
      out.push(line);
      continue;
    }
    if (bare.startsWith('--')) {
      const marker = bare.slice(2).replace(/\s+$/, '');
      if (boundaries.has(marker)) inHeaders = true;
    }
    out.push(line);
  }
  return { raw: Buffer.from(out.join(''), 'latin1'), lossy };
}
