/**
 * Signs the ALARM mail, as GGUS signed it with its certificate (docs/ggus.md §2.5, D-ALARM), so a site's
 * mail filter can trust it before paging someone at night. OpenPGP through openpgp.js (the maintained
 * OpenPGP implementation for JavaScript, RFC 9580/4880): the text part becomes a cleartext-signed message
 * (`-----BEGIN PGP SIGNED MESSAGE-----`) that `gpg --verify` and any OpenPGP library check; the HTML
 * alternative is dropped, since it would be unsigned. IO edge: the key comes from the environment (a CI
 * secret), never from the repository.
 *
 *     GITGUS_ALARM_SIGNING_KEY         the armored private key (`gpg --export-secret-keys --armor …`)
 *     GITGUS_ALARM_SIGNING_PASSPHRASE  its passphrase, when it has one
 */
import * as openpgp from 'openpgp';
import type { OutgoingMail } from '../../core/notify/render.ts';
import { GitgusError } from '../../errors.ts';

export const SIGNING_KEY_ENV = 'GITGUS_ALARM_SIGNING_KEY';
export const SIGNING_PASSPHRASE_ENV = 'GITGUS_ALARM_SIGNING_PASSPHRASE';

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

/** The mail with its text part cleartext-signed and no HTML part; mails not marked `sign` come back unchanged. */
export async function signIfNeeded(mail: OutgoingMail, env: Record<string, string | undefined>): Promise<OutgoingMail> {
  if (mail.sign !== true) return mail;
  const key = await signingKey(env);
  const message = await openpgp.createCleartextMessage({ text: mail.text });
  const signed = await openpgp.sign({ message, signingKeys: key, date: new Date(mail.date) });
  return { ...mail, text: signed, html: undefined };
}
