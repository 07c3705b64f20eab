/** Tickets of a checkout, each read once when first asked for. */
import { existsSync } from 'node:fs';
import { ticketIndexPath } from '../core/paths.ts';
import type { TicketLookup } from '../core/relations.ts';
import type { Ticket } from '../core/schema/ticket.ts';
import { resolveInside } from '../fs/paths.ts';
import { loadTicket, type LoadedTicket } from './load.ts';

/** Tickets read from the working tree when first asked for (relations reach a few other tickets). */
export class TicketStore implements TicketLookup {
  private readonly docs = new Map<number, LoadedTicket | null>();
  private readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  doc(number: number): LoadedTicket {
    const doc = this.find(number);
    if (!doc) return loadTicket(this.root, number);
    return doc;
  }

  private find(number: number): LoadedTicket | undefined {
    if (!this.docs.has(number)) {
      this.docs.set(number, existsSync(resolveInside(this.root, ticketIndexPath(number))) ? loadTicket(this.root, number) : null);
    }
    return this.docs.get(number) ?? undefined;
  }

  get(number: number): Ticket | undefined {
    return this.find(number)?.ticket;
  }

  has(number: number): boolean {
    return this.find(number) !== undefined;
  }
}
