/** The pure intake decisions: classification, threading, keywords, authentication, names, keys, folding, index. */
import { describe, expect, it } from 'vitest';
import { planAttachments, sanitizeAttachmentName } from '../lib/core/intake/attachments.ts';
import { authenticateSender, parseAuthenticationResults } from '../lib/core/intake/authentication.ts';
import { classifyMail } from '../lib/core/intake/classify.ts';
import { extractSite, extractVo } from '../lib/core/intake/extract.ts';
import { foldFrom, splitFolded } from '../lib/core/intake/fold.ts';
import { intakeKeys } from '../lib/core/intake/keys.ts';
import { solutionKeyword } from '../lib/core/intake/keywords.ts';
import type { InboundMail } from '../lib/core/intake/mail.ts';
import { indexShardPath, parseIndexShard, serializeIndexShard } from '../lib/core/intake/message-index.ts';
import { resolveRecipient, subjectTags, threadMail } from '../lib/core/intake/thread.ts';
import { notificationMessageId } from '../lib/core/mail-ids.ts';
import { SettingsSchema } from '../lib/core/schema/settings.ts';
import { sha256 } from '../lib/intake/hash.ts';

const settings = SettingsSchema.parse({
  name: 'Test',
  intake: [
    { address: 'helpdesk@ggus.example', unit: 'tpm' },
    { address: 'vo-user-support@ggus.example', unit: 'tpm-vo' },
  ],
  sender: 'noreply@ggus.example',
  siteUrl: 'https://helpdesk.example.org/',
  vos: ['cms', 'alice', 'atlas'],
  sites: { 'FZK-LCG2': 'ngi-de', 'UKI-LT2-QMUL': 'ngi-uk' },
});

function mail(overrides: Partial<InboundMail> & { header?: Record<string, string[]> } = {}): InboundMail {
  const { header, ...rest } = overrides;
  return {
    headers: header ?? {},
    from: { name: 'Jane Doe', address: 'jane.doe@uni.example' },
    sender: undefined,
    to: [{ name: '', address: 'helpdesk@ggus.example' }],
    cc: [],
    subject: 'Jobs fail',
    date: undefined,
    messageId: 'a.1@uni.example',
    inReplyTo: [],
    references: [],
    contentType: 'text/plain',
    text: 'Hello',
    fromHtml: false,
    attachments: [],
    contentHash: sha256('x'),
    size: 100,
    ...rest,
  };
}

describe('classifyMail: machine mail is recorded, never a ticket', () => {
  const cases: [string, Record<string, string[]>, Partial<InboundMail>, string | undefined][] = [
    ['plain mail', {}, {}, undefined],
    ['Auto-Submitted: no', { 'auto-submitted': ['no'] }, {}, undefined],
    ['Auto-Submitted: auto-replied', { 'auto-submitted': ['auto-replied'] }, {}, 'auto-reply'],
    ['X-Autoreply', { 'x-autoreply': ['yes'] }, {}, 'auto-reply'],
    ['X-Autorespond', { 'x-autorespond': ['1'] }, {}, 'auto-reply'],
    ['Precedence: bulk', { precedence: ['bulk'] }, {}, 'auto-reply'],
    ['Precedence: auto_reply', { precedence: ['auto_reply'] }, {}, 'auto-reply'],
    ['Precedence: junk', { precedence: ['junk'] }, {}, 'auto-reply'],
    ['Precedence: list', { precedence: ['list'] }, {}, 'list'],
    ['List-Id', { 'list-id': ['<users.lists.example>'] }, {}, 'list'],
    ['multipart/report', {}, { contentType: 'multipart/report' }, 'bounce'],
    ['null Return-Path', { 'return-path': ['<>'] }, {}, 'bounce'],
    ['MAILER-DAEMON', {}, { from: { name: '', address: 'MAILER-DAEMON@mx.example' } }, 'bounce'],
    ['postmaster', {}, { from: { name: '', address: 'postmaster@mx.example' } }, 'bounce'],
    ['our loop header', { 'x-gitgus-loop': ['noreply@ggus.example'] }, {}, 'own-mail'],
    ['our sender address', {}, { from: { name: 'Helpdesk', address: 'noreply@ggus.example' } }, 'own-mail'],
    ['our intake address', {}, { from: { name: '', address: 'HelpDesk@ggus.example' } }, 'own-mail'],
    ['X-Spam-Flag: YES', { 'x-spam-flag': ['YES'] }, {}, 'spam'],
    ['X-Spam-Status: Yes', { 'x-spam-status': ['Yes, score=9.1 required=5.0'] }, {}, 'spam'],
    ['X-Spam-Status: No', { 'x-spam-status': ['No, score=0.1'] }, {}, undefined],
  ];
  it.each(cases)('%s', (_name, header, overrides, expected) => {
    expect(classifyMail(mail({ header, ...overrides }), settings)?.category).toBe(expected);
  });
});

describe('threading', () => {
  const known = new Set([165048, 165001]);
  const lookups = { ticketOfMessageId: (id: string) => (id === 'first@uni.example' ? 165001 : undefined), ticketExists: (n: number) => known.has(n) };
  const recipient = { address: 'helpdesk@ggus.example', named: true, token: undefined };

  it('finds the tag anywhere behind any chain of reply prefixes, after decoding', () => {
    for (const subject of ['[GGUS #165048] x', 'Re: AW: Fwd: SV: RE[2]: [GGUS #165048] x', 'Re: x [ggus  #165048]', 'x [#165048]', 'AW: GGUS-Ticket-ID: #165048 UPDATE', 'Re:\r\n [GGUS #165048]']) {
      expect(threadMail(mail({ subject }), settings, recipient, lookups).match).toMatchObject({ ticket: 165048, rule: 'subject-tag' });
    }
  });

  it('never threads on subject text alone, and a tag naming no ticket threads nowhere', () => {
    expect(threadMail(mail({ subject: 'Re: Jobs fail at FZK-LCG2' }), settings, recipient, lookups).match).toBeUndefined();
    const result = threadMail(mail({ subject: 'Re: [GGUS #999999] x' }), settings, recipient, lookups);
    expect(result.match).toBeUndefined();
    expect(result.unknownTags).toEqual([999999]);
  });

  it('tries In-Reply-To before References before the subject, and knows our own notification ids', () => {
    const own = notificationMessageId(165048, 'abc.solved', settings.sender);
    expect(threadMail(mail({ inReplyTo: [own], subject: '[GGUS #165001]' }), settings, recipient, lookups)).toMatchObject({ match: { ticket: 165048, rule: 'in-reply-to' }, repliesToNotification: true });
    expect(threadMail(mail({ references: ['unknown@x', 'first@uni.example'], subject: '[GGUS #165048]' }), settings, recipient, lookups).match).toMatchObject({ ticket: 165001, rule: 'references' });
    expect(threadMail(mail({ inReplyTo: ['gitgus.165048.x@other.example'] }), settings, recipient, lookups).match).toBeUndefined();
  });

  it('uses the reply token first when configured', () => {
    const withTokens = { ...settings, mail: { ...settings.mail, replyTokens: true } };
    const resolved = resolveRecipient(mail({ to: [{ name: '', address: 'helpdesk+165001@ggus.example' }] }), withTokens);
    expect(resolved).toEqual({ address: 'helpdesk@ggus.example', named: true, token: 165001 });
    expect(threadMail(mail({ subject: '[GGUS #165048]' }), settings, resolved, lookups).match).toMatchObject({ ticket: 165001, rule: 'reply-token' });
    expect(resolveRecipient(mail({ to: [{ name: '', address: 'helpdesk+165001@ggus.example' }] }), settings).token).toBeUndefined();
  });

  it('resolves the intake address from the envelope, then Delivered-To, X-Original-To, To, Cc', () => {
    expect(resolveRecipient(mail({ to: [{ name: '', address: 'someone@x.example' }], cc: [{ name: '', address: 'VO-User-Support@ggus.example' }] }), settings).address).toBe('vo-user-support@ggus.example');
    expect(resolveRecipient(mail({ header: { 'delivered-to': ['vo-user-support@ggus.example'] } }), settings).address).toBe('vo-user-support@ggus.example');
    expect(resolveRecipient(mail(), settings, 'vo-user-support@ggus.example').address).toBe('vo-user-support@ggus.example');
    expect(resolveRecipient(mail({ to: [] }), settings)).toEqual({ address: 'helpdesk@ggus.example', named: false, token: undefined });
    expect(subjectTags('[GGUS #1] [#2] GGUS-Ticket-ID: #3 [GGUS #1]', settings.subjectTag)).toEqual([1, 2, 3]);
  });
});

describe('verify and reopen keywords', () => {
  it('takes only the tag plus exactly the keyword', () => {
    expect(solutionKeyword('[GGUS #165048] verify', settings.subjectTag)).toBe('verify');
    expect(solutionKeyword('Re: [GGUS #165048] Reopen', settings.subjectTag)).toBe('reopen');
    expect(solutionKeyword('[GGUS #165048] cannot verify the fix', settings.subjectTag)).toBeUndefined();
    expect(solutionKeyword('verify', settings.subjectTag)).toBeUndefined();
  });
});

describe('Authentication-Results', () => {
  const at = (...values: string[]) => ({ headers: { 'authentication-results': values } });
  it('parses methods, results, properties and comments', () => {
    expect(parseAuthenticationResults('mx.ggus.example; dkim=pass (good sig) header.d=uni.example header.s="s1"; spf=fail smtp.mailfrom=x@y.example')).toEqual({
      authservId: 'mx.ggus.example',
      results: [
        { method: 'dkim', result: 'pass', properties: { 'header.d': 'uni.example', 'header.s': 's1' } },
        { method: 'spf', result: 'fail', properties: { 'smtp.mailfrom': 'x@y.example' } },
      ],
    });
  });
  const ours = { mail: { ...settings.mail, authservIds: ['mx'] } };
  it('passes DMARC, or DKIM/SPF aligned with the From domain; DMARC fail wins', () => {
    expect(authenticateSender(at('mx; dmarc=pass header.from=uni.example'), 'jane@uni.example', ours).authenticated).toBe(true);
    expect(authenticateSender(at('mx; dkim=pass header.d=mail.uni.example'), 'jane@uni.example', ours).authenticated).toBe(true);
    expect(authenticateSender(at('mx; spf=pass smtp.mailfrom=bounce@uni.example'), 'jane@uni.example', ours).authenticated).toBe(true);
    expect(authenticateSender(at('mx; dkim=pass header.d=evil.example'), 'jane@uni.example', ours).authenticated).toBe(false);
    expect(authenticateSender(at('mx; dmarc=fail header.from=uni.example; spf=pass smtp.mailfrom=uni.example'), 'jane@uni.example', ours).authenticated).toBe(false);
    expect(authenticateSender({ headers: {} }, 'jane@uni.example', ours).authenticated).toBe(false);
  });
  it('reads only the configured authserv-ids; with none configured no header is believed', () => {
    const strict = { mail: { ...settings.mail, authservIds: ['mx.ggus.example'] } };
    expect(authenticateSender(at('forger; dmarc=pass header.from=uni.example'), 'jane@uni.example', strict).authenticated).toBe(false);
    expect(authenticateSender(at('forger; dmarc=pass header.from=uni.example', 'MX.ggus.example; dmarc=pass header.from=uni.example'), 'jane@uni.example', strict).authenticated).toBe(true);
    expect(authenticateSender(at('mx; spf=pass smtp.mailfrom=uni.example'), 'jane@uni.example', { mail: { ...ours.mail, authentication: 'dmarc' } }).authenticated).toBe(false);
    expect(authenticateSender({ headers: {} }, 'jane@uni.example', { mail: { ...settings.mail, authentication: 'off' } }).authenticated).toBe(true);
    // Issue 15: a sender-written header on top was believed when nothing was configured.
    const none = { mail: { ...settings.mail, authservIds: [] } };
    expect(authenticateSender(at('mx.ggus.example; dmarc=pass header.from=uni.example'), 'jane@uni.example', none)).toEqual({
      authenticated: false,
      reason: 'no authserv-id is configured (settings.mail.authservIds), so no Authentication-Results header is trusted',
    });
  });
  it('counts dmarc=pass only with a header.from equal to the From domain', () => {
    expect(authenticateSender(at('mx; dmarc=pass'), 'jane@uni.example', { mail: { ...ours.mail, authentication: 'dmarc' } }).authenticated).toBe(false);
    expect(authenticateSender(at('mx; dmarc=pass header.from=evil.example'), 'jane@uni.example', { mail: { ...ours.mail, authentication: 'dmarc' } }).authenticated).toBe(false);
    expect(authenticateSender(at('mx; dmarc=pass header.from=UNI.example'), 'jane@uni.example', { mail: { ...ours.mail, authentication: 'dmarc' } }).authenticated).toBe(true);
  });
});

describe('attachment names', () => {
  it.each([
    ['../../../../.git/hooks/post-commit', 'post-commit'],
    ['..\\..\\index.md', 'index.md'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
    ['report.pdf          .exe', 'report_pdf.exe'],
    ['report.pdf.exe', 'report_pdf.exe'],
    ['.gitattributes', 'gitattributes'],
    ['CON', ''],
    ['a\u0000b\u0007c.txt', 'abc.txt'],
    ['..', ''],
    ['Prüfbericht.pdf', 'Prüfbericht.pdf'],
    [`${'x'.repeat(300)}.log`, `${'x'.repeat(96)}.log`],
  ])('%j → %j', (raw, expected) => {
    expect(sanitizeAttachmentName(raw)).toBe(expected);
  });
  it('names every file uniquely, case-insensitively, and leaves out those over the limit', () => {
    const file = (filename: string | undefined, size = 3) => ({ filename, contentType: 'text/plain', size, content: new Uint8Array(size) });
    const { stored, skipped } = planAttachments([file('log.txt'), file('LOG.txt'), file(undefined), file('big.iso', 11)], ['log.txt'], 10);
    expect(stored.map((entry) => entry.file)).toEqual(['log-2.txt', 'LOG-3.txt', 'attachment-3.txt']);
    expect(skipped).toMatchObject([{ file: 'big.iso', size: 11 }]);
  });
});

describe('idempotency keys, index, folding, extraction', () => {
  it('same Message-ID and content give the same key; other content another; no Message-ID a stable synthetic one', () => {
    const a = intakeKeys('<a@x>', sha256('one'), sha256);
    expect(intakeKeys('a@x', sha256('one'), sha256)).toEqual(a);
    const b = intakeKeys('a@x', sha256('two'), sha256);
    expect(b.idHash).toBe(a.idHash);
    expect(b.key).not.toBe(a.key);
    expect(intakeKeys(undefined, sha256('one'), sha256)).toEqual(intakeKeys(undefined, sha256('one'), sha256));
    expect(intakeKeys(undefined, sha256('one'), sha256).messageId).toBeUndefined();
  });
  it('index shards round-trip sorted and refuse damaged lines', () => {
    const entries = [
      { idHash: 'b'.repeat(32), contentHash: '1'.repeat(16), outcome: 'ignored' as const },
      { idHash: 'a'.repeat(32), contentHash: '2'.repeat(16), outcome: 165048 },
    ];
    const text = serializeIndexShard(entries);
    expect(text).toBe(`${'a'.repeat(32)}\t${'2'.repeat(16)}\t165048\n${'b'.repeat(32)}\t${'1'.repeat(16)}\tignored\n`);
    expect(parseIndexShard(text, 'f.tsv')).toHaveLength(2);
    expect(() => parseIndexShard('garbage\n', 'f.tsv')).toThrow(/line 1/);
    expect(indexShardPath('ab'.repeat(16))).toBe('intake/message-ids/ab/a.tsv');
  });
  it('folds the quoted tail and the signature, keeping the text', () => {
    const text = 'Thanks, it works now.\n\nOn Fri, 27 Nov 2026 at 10:00, Support <s@x> wrote:\n> Please try again.\n> Regards';
    const fold = foldFrom(text);
    expect(fold).toBe(3);
    expect(splitFolded(text, fold)).toEqual({ visible: 'Thanks, it works now.', folded: 'On Fri, 27 Nov 2026 at 10:00, Support <s@x> wrote:\n> Please try again.\n> Regards' });
    expect(foldFrom('Just one line.')).toBeUndefined();
    expect(foldFrom('x'.repeat(200_000))).toBeUndefined();
  });
  it('finds known VOs and sites, subject first, not person names', () => {
    expect(extractVo(['CMS jobs fail', 'atlas too'], settings.vos)).toBe('cms');
    expect(extractVo(['Jobs fail', 'Regards, Alice'], settings.vos)).toBeUndefined();
    expect(extractSite(['jobs at uki-lt2-qmul fail'], Object.keys(settings.sites))).toBe('UKI-LT2-QMUL');
    expect(extractSite(['FZK-LCG2X is not a site'], Object.keys(settings.sites))).toBeUndefined();
  });
});
