/**
 * The one owner of the `Actor:` commit trailer (who acted, when the commit's author is a bot): every writer
 * (`gitgus` commands through lib/git/identity.ts, mail intake, GitHub intake) formats with formatActor,
 * and the one reader (lib/core/events.ts) parses with parseActor, so what intake writes comes back with
 * its address. Forms:
 *   `alice-smith (GitHub)`              a GitHub login
 *   `Jane Doe <jane@uni.example>`       a person by mail address (a command's --actor, git config)
 *   `Jane Doe <jane@uni.example> (mail)` a person who wrote in by mail (intake)
 */

interface ActorIdentity {
  /** Display name; the address when the person gave none. */
  name: string;
  email?: string;
  /** GitHub login. */
  github?: string;
}

/** How the actor reached the helpdesk, when a job acted for them. */
type ActorChannel = 'mail';

const NAME_MAX = 200;
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const TRAILER = /^(.*?)\s*<([^<>\s]+)>(?: \((mail)\))?$/;

/** A name as a trailer can hold it: one line, no angle brackets (they delimit the address), at most 200 characters. */
function cleanName(name: string): string {
  const flat = name
    .replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029<>]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return [...flat].length > NAME_MAX ? `${[...flat].slice(0, NAME_MAX - 1).join('')}…` : flat;
}

export function formatActor(actor: { name?: string; email?: string; github?: string }, via?: ActorChannel): string {
  if (actor.github !== undefined && LOGIN.test(actor.github)) return `${actor.github} (GitHub)`;
  const email = (actor.email ?? '').replace(/[\s<>]+/g, '');
  const name = cleanName(actor.name ?? '');
  if (email === '') return name;
  const person = name === '' || name === email ? `<${email}>` : `${name} <${email}>`;
  return via ? `${person} (${via})` : person;
}

export function parseActor(text: string): ActorIdentity & { via?: ActorChannel } {
  const trailer = text.trim();
  const github = /^([A-Za-z0-9-]+) \(GitHub\)$/.exec(trailer);
  if (github) return { name: github[1] as string, github: github[1] };
  const mail = TRAILER.exec(trailer);
  if (mail) {
    const email = (mail[2] as string).toLowerCase();
    return { name: mail[1] || (mail[2] as string), email, ...(mail[3] ? { via: mail[3] as ActorChannel } : {}) };
  }
  return { name: trailer };
}
