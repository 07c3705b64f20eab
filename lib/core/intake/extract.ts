/**
 * VO and site named in a new mail, from the names the helpdesk knows (settings.vos, settings.sites).
 * The subject is searched before the body, and only the body's visible part (quoted history can name
 * other VOs). VO names count as written in lower or upper case only ("cms", "CMS"), so a person called
 * Alice in a signature does not make a ticket about the ALICE VO; site names match in any case.
 */

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function firstMention<T extends string>(texts: readonly string[], names: readonly T[], matches: (text: string, name: T) => number): T | undefined {
  for (const text of texts) {
    let best: { name: T; index: number } | undefined;
    for (const name of names) {
      const index = matches(text, name);
      if (index >= 0 && (best === undefined || index < best.index)) best = { name, index };
    }
    if (best) return best.name;
  }
  return undefined;
}

/** Word boundaries that treat `-`, `_` and `.` as part of a name (sites are named like UKI-LT2-QMUL). */
function wordIndex(text: string, name: string, flags: string): number {
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_.-])${escapeRegExp(name)}(?![\\p{L}\\p{N}_-]|\\.[\\p{L}\\p{N}])`, flags);
  return text.search(pattern);
}

export function extractVo(texts: readonly string[], vos: readonly string[]): string | undefined {
  return firstMention(texts, vos, (text, vo) => {
    const hits = [wordIndex(text, vo.toLowerCase(), 'u'), wordIndex(text, vo.toUpperCase(), 'u')].filter((index) => index >= 0);
    return hits.length === 0 ? -1 : Math.min(...hits);
  });
}

export function extractSite(texts: readonly string[], sites: readonly string[]): string | undefined {
  return firstMention(texts, sites, (text, site) => wordIndex(text, site, 'iu'));
}
