/**
 * Helpers for the site's tests and benchmark: real headless Chromium (Debian's package through
 * playwright-core), the built output read back as text (Pagefind's gzip files unpacked), and every
 * mail address found in a helpdesk's input files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_HINT = 'Install Chromium: apt-get install -y chromium';

/**
 * Launches headless Chromium; a missing browser fails with the install command. playwright-core gives
 * every launch a fresh temporary profile (it refuses a --user-data-dir argument), so no state carries over.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}. ${CHROMIUM_HINT}`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/** Every file below `dir`, as paths relative to it with `/`. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(path.join(dir, prefix)).sort()) {
    const relative = prefix ? `${prefix}/${name}` : name;
    if (statSync(path.join(dir, relative)).isDirectory()) out.push(...listFiles(dir, relative));
    else out.push(relative);
  }
  return out;
}

/** A built file as text; gzip files (Pagefind's index and fragments) are unpacked first. */
export function readOutput(file: string): string {
  const bytes = readFileSync(file);
  const unpacked = bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return unpacked.toString('utf8');
}

const ADDRESS = /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+/g;

/** The mail addresses in a text, lower-cased. */
export function addressesIn(text: string): Set<string> {
  return new Set([...text.matchAll(ADDRESS)].map((match) => match[0].toLowerCase()));
}

/** Every mail address written anywhere in a helpdesk's input (settings, units, tickets, messages). */
export function inputAddresses(root: string): Set<string> {
  const found = new Set<string>();
  const files = ['helpdesk.yml', ...listFiles(path.join(root, 'units')).map((f) => `units/${f}`), ...listFiles(path.join(root, 'tickets')).map((f) => `tickets/${f}`)];
  for (const file of files) {
    for (const match of readFileSync(path.join(root, file), 'utf8').matchAll(ADDRESS)) found.add(match[0].toLowerCase());
  }
  return found;
}
