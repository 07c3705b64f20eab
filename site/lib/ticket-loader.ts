/**
 * The content loader for tickets. It stores one small public summary per ticket and no bodies.
 *
 * Astro's default glob loader keeps every body and its rendered HTML in one data store, which passes
 * V8's string limit at about 44k tickets (research/spike.md); here each ticket page renders its own text
 * (site/lib/ticket-page.ts). Tickets are read with the CLI's own parsers (lib/core/documents.ts through
 * the store helpers), so the site accepts exactly what `gitgus check` accepts. A ticket whose files did
 * not change since the last build (same digest) is not parsed again.
 */
import type { Loader } from 'astro/loaders';
import { parseMessage, parseTicket, type MessageDoc } from '../../lib/core/documents.ts';
import { ValidationError, GitgusError, type Problem } from '../../lib/errors.ts';
import { isDataFile, listTicketFolders, loadSettings, readText } from '../../lib/store/load.ts';
import { listFolder } from './files.ts';
import { publicTicket, sitePolicy } from './public.ts';

export interface TicketSource {
  /** Repository path of the ticket folder. */
  folder: string;
  index: string;
  /** Message file name → text, in name (time) order. */
  messages: [string, string][];
}

/** Reads one ticket folder's text files (IO only). */
export function readTicketSource(root: string, folder: string): TicketSource {
  const index = readText(root, `${folder}/index.md`);
  const messages = listFolder(root, `${folder}/messages`)
    .filter(isDataFile)
    .map((name): [string, string] => [name, readText(root, `${folder}/messages/${name}`)]);
  return { folder, index, messages };
}

/** Parses a ticket folder with the core parsers; throws ValidationError naming the file. */
export function parseTicketSource(source: TicketSource) {
  const doc = parseTicket(source.index, `${source.folder}/index.md`);
  const messages: MessageDoc[] = source.messages.map(([name, text]) => parseMessage(text, `${source.folder}/messages/${name}`));
  return { doc, messages };
}

export function ticketsLoader(root: string): Loader {
  return {
    name: 'gitgus-tickets',
    load: async ({ store, generateDigest, logger }) => {
      const policy = sitePolicy(loadSettings(root));
      const problems: Problem[] = [];
      const seen = new Set<string>();
      let parsed = 0;
      for (const folder of listTicketFolders(root)) {
        const id = folder.number;
        seen.add(id);
        let source: TicketSource;
        try {
          source = readTicketSource(root, folder.path);
        } catch (error) {
          problems.push({ file: `${folder.path}/index.md`, message: error instanceof Error ? error.message : String(error) });
          continue;
        }
        const digest = generateDigest([source.index, ...source.messages.flat()].join('\u0000'));
        if (store.get(id)?.digest === digest) continue;
        try {
          const { doc, messages } = parseTicketSource(source);
          store.set({ id, data: publicTicket(doc, messages, policy) as unknown as Record<string, unknown>, digest });
          parsed += 1;
        } catch (error) {
          if (error instanceof ValidationError) problems.push(...error.problems);
          else if (error instanceof GitgusError) problems.push({ file: folder.path, message: error.message });
          else throw error;
        }
      }
      for (const id of store.keys()) if (!seen.has(id)) store.delete(id);
      if (problems.length > 0) throw new ValidationError(problems, `The helpdesk has invalid tickets (run \`gitgus check\` for details):\n${problems.map((p) => `${p.file}${p.field ? `: ${p.field}` : ''}: ${p.message}`).join('\n')}`);
      logger.info(`${seen.size} tickets (${parsed} read, ${seen.size - parsed} unchanged)`);
      await Promise.resolve();
    },
  };
}
