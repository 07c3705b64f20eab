/**
 * Mail addresses on the public site. The site may show the helpdesk's intake addresses (users write to
 * them) and nothing else: every other address found in any text — signatures, "Jane <jane@uni.example>
 * wrote:", titles, names, file names — is masked to its first letter and domain. Pure.
 */

/**
 * An address as it appears in running text, also URL-encoded (`jane%40uni.example`) as in copied
 * links. Generous on purpose (masking a non-address costs nothing, missing an address is a leak), but
 * the local part stops at `/ ? = &`, so an address inside a URL's query is masked without the URL, and
 * at a backtick, so Markdown code around an address (`` `jane@uni.example` ``) keeps its marks.
 */
const ADDRESS = /[\p{L}\p{N}.!#$%'*+^_{|}~-]+(?:@|%40|＠)[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?)+/gu;

export interface AddressPolicy {
  /** Lower-case addresses that stay visible (the public intake addresses). */
  visible: ReadonlySet<string>;
}

export function addressPolicy(visible: Iterable<string>): AddressPolicy {
  return { visible: new Set([...visible].map((address) => address.toLowerCase())) };
}

/** `jane.doe@uni.example` → `j…@uni.example`. */
export function maskAddress(address: string): string {
  const match = /^(.*?)(?:@|%40|＠)(.*)$/u.exec(address);
  if (!match) return '…';
  const [, local = '', domain = ''] = match;
  const first = Array.from(local.replace(/^[^\p{L}\p{N}]+/u, ''))[0] ?? '';
  return `${first}…@${domain}`;
}

/** Masks every address in `text` except the visible ones. */
export function maskAddresses(text: string, policy: AddressPolicy): string {
  if (!text.includes('@') && !text.includes('%40') && !text.includes('＠')) return text;
  return text.replace(ADDRESS, (found) => (policy.visible.has(found.toLowerCase()) ? found : maskAddress(found)));
}
