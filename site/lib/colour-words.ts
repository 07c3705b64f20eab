/** What each priority colour means, in words for the legend and for screen readers. */
import type { PriorityColour } from '../../lib/core/colours.ts';

export const COLOUR_MEANINGS: Record<PriorityColour, string> = {
  green: 'within its time',
  yellow: 'needs attention soon',
  amber: 'close to overdue',
  red: 'overdue',
  'light blue': 'unsolved',
  blue: 'solved or closed',
};
