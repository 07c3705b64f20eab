/**
 * Whether the receiving server vouched for the From domain (RFC 8601 Authentication-Results). A From
 * address is easy to forge, so only an authenticated mail may change a ticket's state.
 *
 * Which headers count: anyone can write an Authentication-Results header into a mail before sending it,
 * so only the ones our own server added are read — those whose authserv-id is configured
 * (`settings.mail.authservIds`). Guessing ("the topmost one is ours") is not enough: a server that adds no
 * header of its own leaves the sender's forged one on top. With no authserv-id configured no header is
 * trusted, so no mail changes a ticket's state (unless `authentication: off` says so explicitly).
 * A `dmarc=pass` counts only with a `header.from` equal to the From domain.
 *
 * No npm package parses this header (mailauth verifies signatures itself, which needs DNS), so the small
 * grammar is read here: `authserv-id; method=result reason="…" ptype.property=value; …` with comments.
 */
import type { Settings } from '../schema/settings.ts';
import { domainOf, headerValues, type InboundMail } from './mail.ts';

interface AuthenticationResult {
  method: string;
  result: string;
  /** `header.from`, `header.d`, `smtp.mailfrom`, …, lower-case keys. */
  properties: Record<string, string>;
}

interface AuthenticationResults {
  authservId: string;
  results: AuthenticationResult[];
}

type AuthenticationPolicy = 'dmarc' | 'aligned' | 'off';

export interface AuthenticationVerdict {
  authenticated: boolean;
  /** What decided it, for the flag and the log. */
  reason: string;
}

/** Removes RFC 5322 comments `( … )` (nested) outside quoted strings. */
function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i += 1) {
    const char = value[i] as string;
    if (char === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += value.slice(i, i + 2);
      i += 1;
      continue;
    }
    if (depth === 0 && char === '"') quoted = !quoted;
    if (!quoted && char === '(') depth += 1;
    else if (!quoted && char === ')' && depth > 0) {
      depth -= 1;
      out += ' ';
      continue;
    }
    if (depth === 0) out += char;
  }
  return out;
}

/** Splits on `separator` outside quoted strings. */
function splitOutsideQuotes(value: string, separator: RegExp): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < value.length; i += 1) {
    const char = value[i] as string;
    if (char === '\\' && quoted) {
      current += value.slice(i, i + 2);
      i += 1;
      continue;
    }
    if (char === '"') quoted = !quoted;
    if (!quoted && separator.test(char)) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}

function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
}

/** Parses one Authentication-Results header value; undefined when it has no authserv-id. */
export function parseAuthenticationResults(value: string): AuthenticationResults | undefined {
  const statements = splitOutsideQuotes(stripComments(value), /;/);
  const authservId = statements[0]?.split(/\s+/)[0]?.toLowerCase();
  if (!authservId) return undefined;
  const results: AuthenticationResult[] = [];
  for (const statement of statements.slice(1)) {
    const tokens = splitOutsideQuotes(statement.replace(/\s*=\s*/g, '='), /\s/);
    const [head, ...rest] = tokens;
    const match = head === undefined ? null : /^([A-Za-z0-9_-]+)(?:\/\d+)?=([A-Za-z]+)$/.exec(head);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const token of rest) {
      const eq = token.indexOf('=');
      if (eq <= 0) continue;
      properties[token.slice(0, eq).toLowerCase()] = unquote(token.slice(eq + 1));
    }
    results.push({ method: (match[1] as string).toLowerCase(), result: (match[2] as string).toLowerCase(), properties });
  }
  return { authservId, results };
}

/** Relaxed alignment: the same domain, or one a subdomain of the other (mail.uni.example ~ uni.example). */
function aligned(a: string, b: string): boolean {
  if (a === '' || b === '') return false;
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

function domainOfProperty(value: string | undefined): string {
  if (value === undefined) return '';
  const trimmed = value.trim().toLowerCase();
  return trimmed.includes('@') ? domainOf(trimmed) : trimmed.replace(/\.$/, '');
}

/** Headers our own server wrote, per the policy described above. */
function trustedResults(mail: Pick<InboundMail, 'headers'>, authservIds: readonly string[]): AuthenticationResults[] {
  const parsed = headerValues(mail, 'Authentication-Results')
    .map(parseAuthenticationResults)
    .filter((entry): entry is AuthenticationResults => entry !== undefined);
  if (authservIds.length === 0) return [];
  const trusted = new Set(authservIds.map((id) => id.toLowerCase()));
  return parsed.filter((entry) => trusted.has(entry.authservId));
}

/** Whether the mail's From domain passed authentication under `policy`. */
export function authenticateSender(
  mail: Pick<InboundMail, 'headers'>,
  fromAddress: string,
  settings: Pick<Settings, 'mail'>,
): AuthenticationVerdict {
  const policy: AuthenticationPolicy = settings.mail.authentication ?? 'aligned';
  if (policy === 'off') return { authenticated: true, reason: 'authentication checks are off (settings.mail.authentication)' };
  const fromDomain = domainOf(fromAddress);
  const authservIds = settings.mail.authservIds ?? [];
  if (authservIds.length === 0) return { authenticated: false, reason: 'no authserv-id is configured (settings.mail.authservIds), so no Authentication-Results header is trusted' };
  const results = trustedResults(mail, authservIds).flatMap((entry) => entry.results);
  if (results.length === 0) return { authenticated: false, reason: `no Authentication-Results from our server (${authservIds.join(', ')})` };

  const dmarc = results.filter((result) => result.method === 'dmarc');
  const headerFrom = (result: AuthenticationResult) => domainOfProperty(result.properties['header.from']);
  // A pass must name the domain it is for; a fail without one still counts against the mail.
  if (dmarc.some((result) => result.result === 'pass' && headerFrom(result) === fromDomain)) return { authenticated: true, reason: `DMARC passed for ${fromDomain}` };
  if (dmarc.some((result) => result.result === 'fail' && (headerFrom(result) === '' || headerFrom(result) === fromDomain))) return { authenticated: false, reason: `DMARC failed for ${fromDomain}` };
  if (policy === 'dmarc') return { authenticated: false, reason: `no DMARC pass for ${fromDomain}` };

  for (const result of results) {
    if (result.result !== 'pass') continue;
    if (result.method === 'dkim') {
      const signer = domainOfProperty(result.properties['header.d'] ?? result.properties['header.i']);
      if (aligned(signer, fromDomain)) return { authenticated: true, reason: `DKIM passed for ${signer}, aligned with ${fromDomain}` };
    }
    if (result.method === 'spf') {
      const envelope = domainOfProperty(result.properties['smtp.mailfrom'] ?? result.properties['smtp.helo']);
      if (aligned(envelope, fromDomain)) return { authenticated: true, reason: `SPF passed for ${envelope}, aligned with ${fromDomain}` };
    }
  }
  return { authenticated: false, reason: `neither DMARC nor an aligned DKIM/SPF pass for ${fromDomain}` };
}
