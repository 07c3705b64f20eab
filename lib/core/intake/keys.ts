/**
 * Idempotency keys (docs/design.md §5 "never twice"). Real mailers reuse Message-IDs for different messages,
 * so a message is identified by its Message-ID *and* a hash of its content: the same Message-ID with other
 * content is another message (a recorded collision), never a silent duplicate. A message without a
 * Message-ID gets a synthetic one from its content, so a second delivery is still recognised.
 *
 * Hashing is injected (`Digest`, SHA-256 hex from the IO edge) to keep the core free of node:crypto.
 */
import { normalizeMessageId } from '../mail-ids.ts';

/** Hex digest of a string, SHA-256 at the IO edge. */
type Digest = (text: string) => string;

export interface IntakeKeys {
  /** 32 hex: the Message-ID (or synthetic id) hash; names the index shard. */
  idHash: string;
  /** 16 hex: the content hash. */
  contentHash: string;
  /** 16 hex: names the message's files and records. */
  key: string;
  /** The Message-ID as received, when there was one. */
  messageId: string | undefined;
}

export function intakeKeys(messageId: string | undefined, contentDigest: string, digest: Digest): IntakeKeys {
  const contentHash = contentDigest.slice(0, 16);
  if (!/^[a-f0-9]{16}$/.test(contentHash)) throw new RangeError(`content digest must be hex: ${contentDigest}`);
  const bare = messageId === undefined ? '' : normalizeMessageId(messageId);
  const idHash = digest(bare === '' ? `synthetic:${contentDigest}` : `message-id:${bare}`).slice(0, 32);
  return { idHash, contentHash, key: `${idHash.slice(0, 8)}${contentHash.slice(0, 8)}`, messageId: bare === '' ? undefined : bare };
}
