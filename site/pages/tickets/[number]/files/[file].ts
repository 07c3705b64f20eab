/**
 * Attachments of public messages as downloads. Each is published as `<n>-<name>.bin` so that any static
 * server sends it as application/octet-stream: an HTML or SVG attachment is never rendered as a page of
 * this site (the link's `download` attribute restores the real name).
 */
import type { APIRoute } from 'astro';
import { filesDir } from '../../../../../lib/core/paths.ts';
import { readBytes } from '../../../../lib/files.ts';
import { getModel } from '../../../../lib/model.ts';
import { pageKey } from '../../../../lib/page-keys.ts';

export async function getStaticPaths() {
  const model = await getModel();
  // The ticket's digest covers the bytes of its files/ (site/lib/ticket-prepare.ts), so it keys the download.
  return model.tickets.filter((t) => model.holds(t.number)).flatMap((t) => t.attachments.map((a) => ({ params: { number: String(t.number), file: a.published }, props: { source: a.source }, cacheKey: pageKey(model, 'file', t.digest, a.source) })));
}

export const GET: APIRoute = async ({ params, props }) => {
  const model = await getModel();
  const bytes = readBytes(model.root, `${filesDir(Number(params.number))}/${(props as { source: string }).source}`);
  // A message may name a file that was never stored (too large for the intake limit): say so in the download.
  const body = bytes ? Buffer.from(bytes) : 'This attachment is not stored in the helpdesk repository.\n';
  return new Response(body, { headers: { 'Content-Type': 'application/octet-stream' } });
};
