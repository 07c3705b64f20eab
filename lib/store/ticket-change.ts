/**
 * The write edge: commit a ticket change (new state and/or new message files) as one structured commit.
 */
import type { Trailers } from '../core/commit-message.ts';
import type { Actor } from '../git/identity.ts';
import { actorTrailer } from '../git/identity.ts';
import { commitChanges, type FileChange } from '../git/commit.ts';

interface TicketCommit {
  dir: string;
  number: number;
  unit: string;
  subject: string;
  body?: string;
  event: string;
  actor: Actor;
  files: FileChange[];
  trailers?: Trailers;
  date?: Date;
  updateIndex?: boolean;
}

export async function commitTicketChange(change: TicketCommit): Promise<string> {
  const message = {
    subject: change.subject,
    ...(change.body ? { body: change.body } : {}),
    trailers: { Ticket: String(change.number), Unit: change.unit, Actor: actorTrailer(change.actor), Event: change.event, ...change.trailers },
  };
  return commitChanges({
    dir: change.dir,
    changes: change.files,
    message,
    author: { name: change.actor.name, email: change.actor.email },
    ...(change.date ? { date: change.date } : {}),
    ...(change.updateIndex === undefined ? {} : { updateIndex: change.updateIndex }),
  });
}
