/**
 * Mail intake, the mail edge of the intake session (lib/intake/session.ts): parse a message (mailparser),
 * ask the pure decision (lib/core/intake/decide.ts) what happens, and let the session commit it. A
 * message that cannot be taken in is quarantined (batch) or refused (single, from an MTA pipe).
 */
import { decideIntake, decideQuarantine, type IntakeDecision } from '../core/intake/decide.ts';
import { intakeKeys, type IntakeKeys } from '../core/intake/keys.ts';
import type { InboundMail } from '../core/intake/mail.ts';
import { GitgusError, kindOf, MailLimitError, NoSenderError, NotAnEmailError, UnsupportedSenderError } from '../errors.ts';
import { faultPoint } from '../fault.ts';
import { IntakeSession, type IntakeResult, type IntakeSessionOptions, type QuarantineRetry } from '../intake/session.ts';
import { sha256 } from '../intake/hash.ts';
import { parseMail, stripEnvelopeLine } from './parse.ts';
import { isoSeconds } from '../core/time.ts';

export interface IncomingMessage {
  raw: Buffer;
  /** When it arrived (IMAP INTERNALDATE, mbox From line); default now. */
  received?: Date | undefined;
  source?: string;
}

/** Git and file-system failures are not the message's fault: they stop the run, the message stays unprocessed. */
function isInfrastructureError(error: unknown): boolean {
  if (error instanceof GitgusError) return kindOf(error.code) === 'infrastructure';
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E(ACCES|NOSPC|ROFS|MFILE|NFILE|IO|PERM|BUSY)$/.test(code);
}

/**
 * Parsed mail by its raw bytes (the same Buffer object): after a refused push the run takes the same chunk
 * in again on the new tip (lib/mail/run.ts), and only the decision depends on the tip — parsing is a pure
 * function of the bytes, so the retry reuses it instead of paying for it again.
 */
const parsedMail = new WeakMap<Buffer, Promise<InboundMail>>();

function parseMailOnce(raw: Buffer): Promise<InboundMail> {
  let parsed = parsedMail.get(raw);
  if (parsed === undefined) {
    parsed = parseMail(raw);
    parsedMail.set(raw, parsed);
  }
  return parsed;
}

export class MailIntakeSession extends IntakeSession {
  static override open(root: string, options: IntakeSessionOptions): MailIntakeSession {
    return new MailIntakeSession(...IntakeSession.prepare(root, options));
  }

  private keysFor(mail: InboundMail | undefined, raw: Buffer): IntakeKeys {
    return mail ? intakeKeys(mail.messageId, mail.contentHash, sha256) : intakeKeys(undefined, sha256(raw), sha256);
  }

  /**
   * Takes one message to the end: a commit (created, appended, ignored, quarantined, or a first duplicate
   * record) or nothing (a repeat duplicate). Throws NotAnEmailError for empty input in single mode, and
   * Git errors always: those are not the message's fault, so the message must stay unprocessed.
   */
  async process(message: IncomingMessage, retry?: QuarantineRetry): Promise<IntakeResult> {
    const received = isoSeconds(message.received ?? this.now());
    const raw = message.raw;
    let mail: InboundMail | undefined;
    let keys: IntakeKeys | undefined;
    let decision: IntakeDecision;
    try {
      mail = await parseMailOnce(raw);
      faultPoint('parse');
      await this.ensureIndex();
      keys = this.keysFor(mail, raw);
      await this.prefetchShards(keys.idHash, [...mail.inReplyTo, ...mail.references]);
      const prior = this.priorEntries(keys.idHash).filter((entry) => !(retry && entry.outcome === 'quarantined'));
      decision = decideIntake(mail, { ...this.decisionContext(), received, envelopeRecipient: this.options.recipient, keys, priorEntries: prior });
    } catch (error) {
      // Only empty input is refused: anything else an MTA pipes in is kept in quarantine with the reason, since a
      // non-zero exit makes the MTA bounce the mail (or retry it for days) and the sender's words would be lost.
      if (this.options.mode === 'single' && !retry && error instanceof NotAnEmailError && raw.toString('latin1').trim() === '') throw error;
      if (isInfrastructureError(error)) throw error;
      await this.ensureIndex();
      const category =
        error instanceof MailLimitError
          ? error.category
          : error instanceof NotAnEmailError
            ? 'not-email'
            : error instanceof NoSenderError
              ? 'no-sender'
              : error instanceof UnsupportedSenderError
                ? 'unsupported-sender'
                : mail === undefined
                  ? 'parse-error'
                  : 'error';
      const detail = error instanceof Error ? error.message : String(error);
      keys = retry ? retry.keys : (keys ?? this.keysFor(mail, stripEnvelopeLine(raw)));
      if (!retry) {
        const prior = this.priorEntries(keys.idHash).find((entry) => entry.contentHash === keys?.contentHash && entry.outcome === 'quarantined');
        if (prior) return { action: 'duplicate', reason: 'already in quarantine', flags: [], key: keys.key, ...(message.source ? { source: message.source } : {}) };
      }
      decision = decideQuarantine({ keys, received, category, reason: detail.split('\n')[0] ?? detail, detail, raw, mail, envelopeRecipient: this.options.recipient, settings: this.settings, attempts: retry ? retry.attempts + 1 : 0 });
      if (retry) {
        // A failed retry only counts the attempt; the raw bytes are already kept.
        decision.files = decision.files.filter((file) => !file.path.endsWith('.eml'));
      }
    }
    const result = this.apply(decision, keys.key, retry);
    return { ...result, ...(message.source ? { source: message.source } : {}) };
  }
}
