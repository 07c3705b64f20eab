/**
 * Signs the ALARM mail, as GGUS signed it with its certificate (docs/ggus.md §2.5, D-ALARM), so a site's
 * mail filter can trust it before paging someone at night. OpenPGP through openpgp.js (the maintained
 * OpenPGP implementation for JavaScript, RFC 9580/4880), as PGP/MIME (RFC 3156): a `multipart/signed;
 * protocol="application/pgp-signature"; micalg=pgp-<hash>` body whose first part is the text and whose
 * second is the detached signature over that part's exact bytes. Mail clients (Thunderbird, mutt, Evolution)
 * show it as signed, and a filter checks it with `gpg --verify` on the two parts. The HTML alternative is
 * dropped, since it would be unsigned. nodemailer builds every header and encodes the text (quoted-printable,
 * CRLF: the canonical form §5 asks for, which transport leaves alone). IO edge: the key comes from the
 * environment (a CI secret), never from the repository.
 *
 *     GITGUS_ALARM_SIGNING_KEY         the armored private key (`gpg --export-secret-keys --armor …`)
 *     GITGUS_ALARM_SIGNING_PASSPHRASE  its passphrase, when it has one
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import MimeNode from 'nodemailer/lib/mime-node';
import * as openpgp from 'openpgp';
import type { OutgoingMail } from '../../core/notify/render.ts';
import { GitgusError } from '../../errors.ts';
import { mailOptions } from './compose.ts';

const SIGNING_KEY_ENV = 'GITGUS_ALARM_SIGNING_KEY';
const SIGNING_PASSPHRASE_ENV = 'GITGUS_ALARM_SIGNING_PASSPHRASE';

async function signingKey(env: Record<string, string | undefined>): Promise<openpgp.PrivateKey> {
  const armored = env[SIGNING_KEY_ENV];
  if (armored === undefined || armored.trim() === '') {
    throw new GitgusError('E_ALARM_SIGNING_KEY', `an ALARM mail must be signed, and ${SIGNING_KEY_ENV} is not set`, {
      hint: `Put the helpdesk's armored OpenPGP private key in the secret ${SIGNING_KEY_ENV} (and its passphrase in ${SIGNING_PASSPHRASE_ENV}); publish the public key for the sites.`,
    });
  }
  try {
    const key = await openpgp.readPrivateKey({ armoredKey: armored });
    const passphrase = env[SIGNING_PASSPHRASE_ENV];
    return key.isDecrypted() ? key : await openpgp.decryptKey({ privateKey: key, passphrase: passphrase ?? '' });
  } catch (error) {
    throw new GitgusError('E_ALARM_SIGNING_KEY', `${SIGNING_KEY_ENV} is not a usable OpenPGP private key: ${error instanceof Error ? error.message : String(error)}`, {
      hint: `Export it with gpg --export-secret-keys --armor KEYID; give ${SIGNING_PASSPHRASE_ENV} when the key has a passphrase.`,
      cause: error,
    });
  }
}

/**
 * RFC 3156 §5 `micalg`: the hash the signature actually used. openpgp.js picks it from the key's preferences
 * (GnuPG keys often prefer SHA-512), so it is read off the signature packet, never assumed.
 */
async function micalgOf(armoredSignature: string): Promise<string> {
  const signature = await openpgp.readSignature({ armoredSignature });
  const hash = signature.packets[0]?.hashAlgorithm;
  const name = hash === undefined || hash === null ? undefined : openpgp.enums.read(openpgp.enums.hash, hash);
  return `pgp-${(name ?? 'sha256').toLowerCase()}`;
}

/**
 * The signed part's bytes exactly as they go on the wire: its own headers (no Date or Message-ID, which a
 * root part would get, hence the throwaway parent), quoted-printable text, CRLF line ends.
 */
async function signedPart(text: string): Promise<Buffer> {
  const holder = new MimeNode('multipart/mixed', { newline: 'windows' });
  const part = holder.createChild('text/plain; charset=utf-8', { newline: 'windows' });
  // Quoted-printable keeps the part 7-bit and encodes trailing spaces, so no relay can change a signed byte.
  part.setHeader('Content-Transfer-Encoding', 'quoted-printable');
  part.setContent(text.replace(/\r?\n/g, '\r\n'));
  return part.build();
}

/** The whole PGP/MIME message: nodemailer's headers for the mail, the signed part verbatim, then the signature. */
async function pgpMime(mail: OutgoingMail, key: openpgp.PrivateKey): Promise<Buffer> {
  const part = await signedPart(mail.text);
  const message = await openpgp.createMessage({ binary: new Uint8Array(part) });
  // eslint's type service cannot resolve openpgp's overloads for a detached signature (tsc does): it is armored text.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
  const signature: string = await openpgp.sign({ message, signingKeys: key, detached: true, date: new Date(mail.date), format: 'armored' });
  const root = new MailComposer({ ...mailOptions({ ...mail, text: '', html: undefined }), newline: 'windows' }).compile();
  root.setHeader('Content-Type', `multipart/signed; protocol="application/pgp-signature"; micalg=${await micalgOf(signature)}`);
  root.appendChild(new MimeNode('text/plain').setRaw(part));
  const signaturePart = root.createChild('application/pgp-signature; name="signature.asc"');
  signaturePart.setHeader('Content-Description', 'OpenPGP digital signature');
  signaturePart.setHeader('Content-Disposition', 'attachment; filename="signature.asc"');
  signaturePart.setHeader('Content-Transfer-Encoding', '7bit');
  signaturePart.setContent(signature.replace(/\r?\n/g, '\r\n'));
  return root.build();
}

/** The mail as a signed PGP/MIME message (`raw`, sent byte for byte); mails not marked `sign` come back unchanged. */
export async function signIfNeeded(mail: OutgoingMail, env: Record<string, string | undefined>): Promise<OutgoingMail> {
  if (mail.sign !== true) return mail;
  const key = await signingKey(env);
  return { ...mail, html: undefined, raw: await pgpMime(mail, key) };
}
