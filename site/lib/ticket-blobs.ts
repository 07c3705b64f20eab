/**
 * Which tickets a build has, and each one's digest (site/lib/ticket-prepare.ts `ticketDigest`), from Git's
 * index (lib/git/tree-listing.ts) instead of reading every file: the loader prepares only tickets whose
 * digest changed. A helpdesk folder that is not a Git checkout is walked on disk instead.
 */
import { TICKETS_DIR } from '../../lib/core/paths.ts';
import { listFilesWithBlobs } from '../../lib/git/tree-listing.ts';
import { listTicketFolders as listFoldersOnDisk } from '../../lib/store/load.ts';
import { ticketDigest } from './ticket-prepare.ts';

interface TicketBlobs {
  /** Ticket folder (`tickets/<shard>/<number>`) → digest. */
  digests: Map<string, string>;
  /** Repository path → blob id, for every ticket file. */
  files: Map<string, string>;
}

const FOLDER = /^tickets\/([^/]+)\/([^/]+)\/(.+)$/;

export function ticketBlobs(root: string, salt: string): TicketBlobs | undefined {
  const files = listFilesWithBlobs(root, [TICKETS_DIR]);
  if (!files) return undefined;
  const perFolder = new Map<string, [string, string][]>();
  for (const [file, blob] of files) {
    const match = FOLDER.exec(file);
    if (!match) continue;
    const folder = `${TICKETS_DIR}/${match[1]}/${match[2]}`;
    let list = perFolder.get(folder);
    if (!list) perFolder.set(folder, (list = []));
    list.push([match[3] as string, blob]);
  }
  const digests = new Map<string, string>();
  for (const [folder, list] of perFolder) digests.set(folder, ticketDigest(list, salt));
  return { digests, files };
}

/** Ticket folders sorted by number: from the Git listing when there is one, else from the disk. */
export function listTicketFolders(root: string, blobs: TicketBlobs | undefined): { shard: string; number: string; path: string }[] {
  if (!blobs) return listFoldersOnDisk(root);
  return [...blobs.digests.keys()]
    .map((folder) => {
      const [, shard = '', number = ''] = folder.split('/');
      return { shard, number, path: folder };
    })
    .sort((a, b) => Number(a.number) - Number(b.number) || a.path.localeCompare(b.path));
}
