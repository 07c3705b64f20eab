/** Types for mbox-reader (it ships none): an async generator over the messages of an mbox stream. */
declare module 'mbox-reader' {
  export interface MboxMessage {
    /** Sender from the "From " separator line. */
    returnPath: string;
    /** Time from the "From " line, or false when it does not parse. */
    time: Date | false;
    /** The RFC 822 message, ">From " un-escaped. */
    content: Buffer;
    flags: string[];
    labels: string[];
    headers: Map<string, string[]>;
  }
  export function mboxReader(input: NodeJS.ReadableStream, options?: { gz?: boolean }): AsyncGenerator<MboxMessage>;
}
