/**
 * The defects issue 17 names, one mail each, through the real parser (lib/mail/parse.ts) and sender
 * choice: HTML kept as Markdown wherever it sits, charsets by the book, every attachment byte-exact and
 * named as the sender wrote it, senders taken as a helpdesk takes them.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { planAttachments } from '../lib/core/intake/attachments.ts';
import { requireSender } from '../lib/core/intake/decide.ts';
import { isAnswerable } from '../lib/core/schema/common.ts';
import { parseMail } from '../lib/mail/parse.ts';
import { unpackTnef } from '../lib/mail/tnef.ts';
import { PROJECT_ROOT } from './helpers.ts';

const HEAD = 'From: Jane Doe <jane.doe@uni.example>\r\nTo: helpdesk@ggus.example\r\nSubject: Test\r\nMessage-ID: <t.1@uni.example>\r\nMIME-Version: 1.0\r\n';

function mail(...chunks: (string | Buffer)[]): Buffer {
  return Buffer.concat(chunks.map((chunk) => (typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)));
}

function multipart(type: string, parts: string[], boundary = `b-${type.replace('/', '-')}`): string {
  return `Content-Type: ${type}; boundary="${boundary}"\r\n\r\n${parts.map((part) => `--${boundary}\r\n${part}\r\n`).join('')}--${boundary}--\r\n`;
}

const HTML =
  'Content-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>Jobs fail at <a href="https://site.example/log">FZK-LCG2</a>.</p><ul><li>first</li><li>second</li></ul><table><tr><th>site</th><th>state</th></tr><tr><td>FZK</td><td>down</td></tr></table><pre><code>voms-proxy-info --all</code></pre><blockquote>quoted request</blockquote><img src="https://tracker.example/pixel.gif" alt="logo"><img src="cid:logo@x"></body></html>\r\n<p>After the end of html.</p>';

/** A mail from Jane (HEAD) of these parts in a multipart/mixed, through the real parser. */
const parseMixed = (parts: string[]) => parseMail(mail(HEAD, multipart('multipart/mixed', parts)));

const names = (parsed: Awaited<ReturnType<typeof parseMail>>) => planAttachments(parsed.attachments, [], Number.MAX_SAFE_INTEGER).stored.map((entry) => entry.file);

describe('HTML mail becomes Markdown', () => {
  it('keeps paragraphs, links, lists, tables, code and quotes; remote images become links; the HTML is kept', async () => {
    const parsed = await parseMail(mail(HEAD, HTML));
    expect(parsed.fromHtml).toBe(true);
    expect(parsed.text).toContain('Jobs fail at [FZK-LCG2](https://site.example/log).');
    expect(parsed.text).toMatch(/^- first$/m);
    expect(parsed.text).toContain('| site | state |');
    expect(parsed.text).toContain('```\nvoms-proxy-info --all\n```');
    expect(parsed.text).toContain('> quoted request');
    expect(parsed.text).toContain('[image: logo](https://tracker.example/pixel.gif)');
    expect(parsed.text).toMatch(/\(image: logo\\?@x\)/);
    expect(parsed.text).toContain('After the end of html.');
    expect(parsed.text).not.toMatch(/<img|!\[/);
    expect(names(parsed)).toEqual(['message.html']);
  });

  for (const [where, body] of [
    ['multipart/mixed', multipart('multipart/mixed', [HTML, 'Content-Type: application/pdf; name="log.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK'])],
    ['multipart/related', multipart('multipart/related', [HTML, 'Content-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo='])],
    ['multipart/alternative beside an empty text part', multipart('multipart/alternative', ['Content-Type: text/plain; charset=utf-8\r\n\r\n', HTML])],
    ['multipart/alternative beside a stub text part', multipart('multipart/alternative', ['Content-Type: text/plain; charset=utf-8\r\n\r\nTo view this message, please open it in an HTML capable mail program.', HTML])],
    ['an alternative nested in mixed', multipart('multipart/mixed', [multipart('multipart/alternative', ['Content-Type: text/plain\r\n\r\n ', HTML], 'inner'), 'Content-Type: text/plain; name="notes.txt"\r\n\r\nnotes'])],
  ] as const) {
    it(`is found in ${where}`, async () => {
      const parsed = await parseMail(mail(HEAD, body));
      expect(parsed.text).toContain('Jobs fail at [FZK-LCG2]');
      expect(parsed.text).toContain('After the end of html.');
      expect(names(parsed)).toContain('message.html');
    });
  }

  it('a real text part wins over its HTML alternative; a small inline HTML part after it is kept as text and file', async () => {
    const body = multipart('multipart/mixed', [
      multipart('multipart/alternative', ['Content-Type: text/plain\r\n\r\nThe plain text.', 'Content-Type: text/html\r\n\r\n<p>The <b>HTML</b> text.</p>'], 'alt'),
      'Content-Type: text/html\r\nContent-Disposition: inline\r\n\r\n<p>Sent from the <i>portal</i>.</p>',
    ]);
    const parsed = await parseMail(mail(HEAD, body));
    expect(parsed.text).toContain('The plain text.');
    expect(parsed.text).not.toContain('The **HTML** text.');
    expect(parsed.text).toContain('Sent from the _portal_.');
    expect(names(parsed)).toEqual(['message.html']);
  });

  it('scripts, styles and javascript: links do not survive', async () => {
    const parsed = await parseMail(mail(HEAD, 'Content-Type: text/html\r\n\r\n<style>p{color:red}</style><script>alert(1)</script><p onclick="x()">Hi <a href="javascript:alert(2)">there</a></p>'));
    expect(parsed.text).toBe('Hi there');
  });
});

describe('charsets by the book', () => {
  it('raw 8-bit GB2312 in an attachment name and subject is read with the body charset', async () => {
    const name = '绩效管理,究竟谁错了.xls';
    const raw = mail(
      'From: Li <li@uni.example>\r\nTo: helpdesk@ggus.example\r\nSubject: ',
      iconv.encode('绩效管理', 'gb2312'),
      '\r\nMIME-Version: 1.0\r\n',
      multipart('multipart/mixed', [
        'Content-Type: text/plain; charset=gb2312\r\n\r\n' + 'x',
        'Content-Type: application/vnd.ms-excel; name="NAME"\r\nContent-Disposition: attachment; filename="NAME"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC',
      ]).replace(/NAME/g, '\u0000'),
    );
    const bytes = Buffer.from(raw.toString('latin1').replace(/\u0000/g, iconv.encode(name, 'gb2312').toString('latin1')), 'latin1');
    const parsed = await parseMail(bytes);
    expect(parsed.subject).toBe('绩效管理');
    expect(names(parsed)).toEqual([name]);
  });

  it('raw 8-bit KOI8-R in a subject and display name, with a koi8-r body', async () => {
    const raw = mail(
      'From: ',
      iconv.encode('Иван Петров', 'koi8-r'),
      ' <ivan@uni.example>\r\nSubject: ',
      iconv.encode('Привет, мир', 'koi8-r'),
      '\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: 8bit\r\n\r\n',
      iconv.encode('Задание не запускается.', 'koi8-r'),
    );
    const parsed = await parseMail(raw);
    expect(parsed.subject).toBe('Привет, мир');
    expect(requireSender(parsed)).toEqual({ name: 'Иван Петров', address: 'ivan@uni.example' });
    expect(parsed.text).toBe('Задание не запускается.');
  });

  it('Shift_JIS bytes mislabelled ISO-2022-JP are detected; UTF-7 and ISO-2022-JP encoded words decode', async () => {
    const raw = mail(
      `From: a@uni.example\r\nSubject: =?utf-7?Q?Fr+APY-sche?= =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`,
      iconv.encode('このメールはテスト用のメールです。', 'shift_jis'),
    );
    const parsed = await parseMail(raw);
    expect(parsed.subject).toBe('Fröscheテスト');
    expect(parsed.text).toBe('このメールはテスト用のメールです。');
  });

  it('RFC 2231 and RFC 2047 file names', async () => {
    const parsed = await parseMixed([
      'Content-Type: text/plain\r\n\r\nsee files',
      "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename*=utf-8''R%C3%A9sum%C3%A9%20final.pdf\r\n\r\nA",
      'Content-Type: application/octet-stream; name="=?iso-8859-1?Q?=DCbersicht.txt?="\r\n\r\nB',
    ]);
    expect(names(parsed)).toEqual(['Résumé final.pdf', 'Übersicht.txt']);
  });

  it('bytes no charset decodes show U+FFFD there and only there, and the raw mail is kept', async () => {
    const raw = mail(HEAD, 'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n', Buffer.concat([Buffer.from('Grüße '), Buffer.from([0xff]), Buffer.from(' ok')]).toString('base64'));
    const parsed = await parseMail(raw);
    expect(parsed.text).toBe('Grüße \uFFFD ok');
    const original = parsed.attachments.find((entry) => entry.filename === 'original-message.eml');
    expect(Buffer.from(original?.content ?? []).equals(raw)).toBe(true);
    const clean = await parseMail(mail(HEAD, 'Content-Type: text/plain; charset=iso-8859-1\r\n\r\n', Buffer.from('Grüße', 'latin1')));
    expect(clean.text).toBe('Grüße');
    expect(clean.attachments).toEqual([]);
  });
});

/** A TNEF stream holding one file: signature, key, then attachment attributes (level, id, length, data, checksum). */
function tnef(name: string, data: Buffer): Buffer {
  const attribute = (id: number, value: Buffer) => {
    const head = Buffer.alloc(9);
    head.writeUInt8(2, 0);
    head.writeUInt32LE(id, 1);
    head.writeUInt32LE(value.length, 5);
    const sum = Buffer.alloc(2);
    sum.writeUInt16LE(
      value.reduce((total, byte) => (total + byte) % 65536, 0),
      0,
    );
    return Buffer.concat([head, value, sum]);
  };
  const signature = Buffer.alloc(6);
  signature.writeUInt32LE(0x223e9f78, 0);
  signature.writeUInt16LE(1, 4);
  return Buffer.concat([signature, attribute(0x00069002, Buffer.alloc(14)), attribute(0x00018010, Buffer.from(`${name}\u0000`, 'latin1')), attribute(0x0006800f, data)]);
}

describe('attachments', () => {
  it('x-uuencode is decoded; text attachments keep their CRLF byte for byte', async () => {
    const parsed = await parseMixed([
      'Content-Type: text/plain\r\n\r\nHello',
      'Content-Type: application/octet-stream; name="hello.txt"\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 hello.txt\r\n,:&5L;&\\@=V]R;&0*\r\n`\r\nend\r\n',
      'Content-Type: text/plain; name="crlf.txt"\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: base64\r\n\r\n' + Buffer.from('a\r\nb\r\n').toString('base64'),
    ]);
    const stored = planAttachments(parsed.attachments, [], Number.MAX_SAFE_INTEGER).stored;
    expect(stored.map((entry) => [entry.file, Buffer.from(entry.content).toString('latin1')])).toEqual([
      ['hello.txt', 'hello world\n'],
      ['crlf.txt', 'a\r\nb\r\n'],
    ]);
  });

  it('an x-uuencode part without a begin line (as Eudora sends it) is decoded, not stored encoded', async () => {
    const parsed = await parseMixed([
      'Content-Type: text/plain\r\n\r\nAttached are the comments.',
      'Content-Type: application/msword; name="comments.txt"\r\nContent-Disposition: attachment; filename="comments.txt"\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n,2&5L;&\\@6F%M;6%D\r\n`\r\n',
    ]);
    expect(parsed.attachments.map((entry) => [entry.filename, Buffer.from(entry.content).toString('latin1')])).toEqual([['comments.txt', 'Hello Zammad']]);
  });

  it('a TNEF winmail.dat is unpacked into its files', async () => {
    const blob = tnef('report.csv', Buffer.from('site,state\nFZK,down\n'));
    expect(unpackTnef(blob)?.map((file) => [file.name, file.content.toString()])).toEqual([['report.csv', 'site,state\nFZK,down\n']]);
    const parsed = await parseMixed(['Content-Type: text/plain\r\n\r\nSee attached', `Content-Type: application/ms-tnef; name="winmail.dat"\r\nContent-Transfer-Encoding: base64\r\n\r\n${blob.toString('base64')}`]);
    expect(names(parsed)).toEqual(['report.csv']);
  });

  it('attached messages are named by subject; parts by Content-Location or Content-ID', async () => {
    const parsed = await parseMixed([
      'Content-Type: text/plain\r\n\r\nForwarding',
      'Content-Type: message/rfc822\r\n\r\nFrom: b@uni.example\r\nSubject: =?utf-8?Q?Proxy_expir=C3=A9?=\r\n\r\nold body',
      'Content-Type: image/png\r\nContent-Location: https://cdn.example/img/chart%20week.png\r\n\r\nPNG',
      'Content-Type: image/gif\r\nContent-ID: <spacer@mail.example>\r\n\r\nGIF',
    ]);
    expect(names(parsed)).toEqual(['Proxy expiré.eml', 'chart week.png', 'spacer.gif']);
  });

  it('the TNEF and uuencode parts of the vendored corpus keep their bytes (regression)', async () => {
    const raw = readFileSync(path.join(PROJECT_ROOT, 'test', 'fixtures', 'mail-suite', 'stalwart-mail-parser', 'legacy', '048.eml'));
    const parsed = await parseMail(raw);
    for (const attachment of parsed.attachments) expect(Buffer.from(attachment.content).subarray(0, 8).toString('latin1')).toBe('\x89PNG\r\n\x1a\n');
    expect(parsed.attachments).toHaveLength(3);
  });
});

describe('senders as a helpdesk takes them', () => {
  it('the first valid From mailbox wins over a garbage one', async () => {
    const parsed = await parseMail(mail('From: garbage without address\r\nFrom: Jane Doe <jane.doe@uni.example>\r\nSubject: x\r\n\r\nbody'));
    expect(requireSender(parsed)).toEqual({ name: 'Jane Doe', address: 'jane.doe@uni.example' });
  });

  it('Sender, then Reply-To, when From is unusable', async () => {
    const sender = await parseMail(mail('From: undisclosed\r\nSender: List Robot <robot@uni.example>\r\nReply-To: Jane <jane@uni.example>\r\nSubject: x\r\n\r\nbody'));
    expect(requireSender(sender).address).toBe('robot@uni.example');
    const replyTo = await parseMail(mail('Reply-To: Jane <jane@uni.example>\r\nSubject: x\r\n\r\nbody'));
    expect(requireSender(replyTo)).toEqual({ name: 'Jane', address: 'jane@uni.example' });
  });

  it('a two-mailbox From keeps the first mailbox and its own name', async () => {
    const parsed = await parseMail(mail('From: "Doe, Jane" <jane@uni.example>, Bob Roe <bob@uni.example>\r\nSubject: x\r\n\r\nbody'));
    expect(requireSender(parsed)).toEqual({ name: 'Doe, Jane', address: 'jane@uni.example' });
  });

  it('single-label and trailing-dot domains are stored; only the first can never be mailed', async () => {
    expect(requireSender(await parseMail(mail('From: root@localhost\r\nSubject: x\r\n\r\nbody'))).address).toBe('root@localhost');
    expect(requireSender(await parseMail(mail('From: Jane <jane@uni.example.>\r\nSubject: x\r\n\r\nbody'))).address).toBe('jane@uni.example');
    expect(isAnswerable('root@localhost')).toBe(false);
    expect(isAnswerable('jane@uni.example')).toBe(true);
  });
});
