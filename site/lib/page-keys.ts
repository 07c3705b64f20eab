/**
 * The key of a page: a hash of everything the page shows (its view model) and of what every page shows
 * (the public settings the layout prints). Pages return it as `cacheKey` from `getStaticPaths`; the
 * incremental build (site/integration/incremental.ts) renders a page again only when its key changed
 * or the code did. A page without a key is rendered every time, so forgetting one costs time, never
 * correctness. A key must cover every input of the page — the test that compares an incremental build
 * with a cold one, byte for byte, is what holds each key to that.
 */
import { createHash } from 'node:crypto';
import type { Model } from './model.ts';

const shared = new WeakMap<Model, string>();

/** What the layout (site/layouts/Base.astro) shows on every page, hashed once per build. */
function sharedKey(model: Model): string {
  let key = shared.get(model);
  if (key === undefined) {
    key = createHash('sha256').update(JSON.stringify(model.settings)).digest('hex');
    shared.set(model, key);
  }
  return key;
}

/** The key of a page of `kind` whose content is a function of `parts` (plain data) and the settings. */
export function pageKey(model: Model, kind: string, ...parts: unknown[]): string {
  return createHash('sha256').update(sharedKey(model)).update('\0').update(kind).update('\0').update(JSON.stringify(parts)).digest('hex').slice(0, 32);
}
