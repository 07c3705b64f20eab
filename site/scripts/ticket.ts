/**
 * "Reply through a pull request": puts the current time into the new message file's name and date, so a
 * supporter's file is valid as it opens in GitHub's editor (without JavaScript the link carries a
 * placeholder time that the pull-request check asks to replace).
 */
import { isoSeconds } from '../../lib/core/time.ts';

const link = document.querySelector<HTMLAnchorElement>('#new-message-link');
const PLACEHOLDER_TIME = '2000-01-01T00:00:00Z';

function refresh(anchor: HTMLAnchorElement): void {
  const now = isoSeconds(new Date());
  const key = Array.from(crypto.getRandomValues(new Uint8Array(4)), (byte) => byte.toString(16).padStart(2, '0')).join('');
  const url = new URL(anchor.href);
  url.searchParams.set('filename', `${now.replace(/[-:]/g, '')}-${key}.md`);
  url.searchParams.set('value', (url.searchParams.get('value') ?? '').replace(/^date: .*$/m, `date: ${now}`).replace(PLACEHOLDER_TIME, now));
  anchor.href = url.toString();
}

if (link) {
  link.addEventListener('click', () => refresh(link));
  link.addEventListener('focus', () => refresh(link));
}
