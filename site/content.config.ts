/**
 * One collection: the public summary of every ticket (site/lib/ticket-loader.ts). Units and settings are
 * a few small files and are read directly (site/lib/model.ts).
 */
import { defineCollection } from 'astro:content';
import { helpdeskRootFrom } from './lib/env.ts';
import { ticketsLoader } from './lib/ticket-loader.ts';

export const collections = {
  tickets: defineCollection({ loader: ticketsLoader(helpdeskRootFrom(process.env)) }),
};
