/** A ticket as listings show it: its public summary plus its priority colour at the build's reference time. */
import type { PriorityColour } from '../../lib/core/colours.ts';
import type { PublicTicket } from './public.ts';

export interface ViewTicket extends PublicTicket {
  colour: PriorityColour;
  open: boolean;
}
