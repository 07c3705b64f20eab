/**
 * Queue sort orders, shared by the pre-built pages and the browser's queue script. Kept free of zod (and
 * of lib/core/schema) so the script stays small; a test pins these lists to the schema's.
 */

/** Lowest to highest, as in lib/core/schema/ticket.ts. */
export const PRIORITY_ORDER = ['less urgent', 'urgent', 'very urgent', 'top priority'] as const;
/** Most to least pressing. */
const COLOUR_ORDER = ['red', 'amber', 'yellow', 'green', 'light blue', 'blue'] as const;

export const SORTS = ['priority', 'newest', 'oldest', 'updated'] as const;
export type Sort = (typeof SORTS)[number];

interface Sortable {
  number: number;
  priority: string;
  colour: string;
  lastChange: string;
}

const priorityRank = (p: string) => (PRIORITY_ORDER as readonly string[]).indexOf(p);
const colourRank = (c: string) => (COLOUR_ORDER as readonly string[]).indexOf(c);

export function compareFor(sort: Sort): (a: Sortable, b: Sortable) => number {
  switch (sort) {
    case 'priority':
      return (a, b) => priorityRank(b.priority) - priorityRank(a.priority) || colourRank(a.colour) - colourRank(b.colour) || a.number - b.number;
    case 'newest':
      return (a, b) => b.number - a.number;
    case 'oldest':
      return (a, b) => a.number - b.number;
    case 'updated':
      return (a, b) => (a.lastChange < b.lastChange ? 1 : a.lastChange > b.lastChange ? -1 : b.number - a.number);
  }
}
