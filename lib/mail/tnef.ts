/**
 * TNEF (`application/ms-tnef`, `winmail.dat`) unpacked into the files Outlook wrapped in it, with
 * node-tnef — the one TNEF decoder on npm (a port of Teamwork's Go decoder). It logs every step through
 * bunyan to standard output, which would corrupt the command line's own output, so its logger is created
 * at level fatal.
 */
import { createRequire } from 'node:module';

interface TnefResult {
  Attachments?: { Title?: string; Data?: number[] }[];
}
type ParseBuffer = (data: Buffer, callback: (failed: boolean, result: TnefResult | Error | null) => void) => void;

const require = createRequire(import.meta.url);

function loadDecoder(): ParseBuffer {
  const bunyan = require(require.resolve('bunyan', { paths: [require.resolve('node-tnef')] })) as { createLogger: (options: object) => unknown };
  const createLogger = bunyan.createLogger;
  bunyan.createLogger = (options: object) => createLogger({ ...options, level: 'fatal' });
  try {
    return (require('node-tnef') as { parseBuffer: ParseBuffer }).parseBuffer;
  } finally {
    bunyan.createLogger = createLogger;
  }
}

let decoder: ParseBuffer | undefined;

/** TNEF's signature, 0x223E9F78 little-endian. */
function isTnef(bytes: Uint8Array): boolean {
  return bytes.length > 6 && bytes[0] === 0x78 && bytes[1] === 0x9f && bytes[2] === 0x3e && bytes[3] === 0x22;
}

/** The files inside a TNEF blob, or undefined when it holds none or does not decode. */
export function unpackTnef(bytes: Uint8Array): { name: string; content: Buffer }[] | undefined {
  if (!isTnef(bytes)) return undefined;
  decoder ??= loadDecoder();
  let files: { name: string; content: Buffer }[] | undefined;
  decoder(Buffer.from(bytes), (failed, result) => {
    if (failed || !result || result instanceof Error) return;
    const found = (result.Attachments ?? []).filter((entry) => Array.isArray(entry.Data) && entry.Data.length > 0);
    if (found.length > 0) files = found.map((entry) => ({ name: (entry.Title ?? '').trim(), content: Buffer.from(entry.Data as number[]) }));
  });
  return files;
}
