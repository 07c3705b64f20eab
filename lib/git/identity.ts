/** Who is acting: `--actor`, or Git's configured user. */
import { formatActor } from '../core/actor.ts';
import { runGit } from './native.ts';

export interface Actor {
  name: string;
  email: string;
  /** GitHub login, when the actor is known by one. */
  github?: string;
}

/** `--actor alice` (a GitHub login), `--actor "Jane Doe <jane@uni.example>"`, or git config. */
export function resolveActor(dir: string, actor: string | undefined): Actor {
  if (actor !== undefined && actor.trim() !== '') {
    const mail = /^(.*?)\s*<([^<>\s]+@[^<>\s]+)>$/.exec(actor.trim());
    if (mail) return { name: mail[1] || (mail[2] as string), email: mail[2] as string };
    const login = actor.trim();
    return { name: login, email: `${login}@users.noreply.github.com`, github: login };
  }
  const name = runGit(dir, ['config', 'user.name'], { allowFailure: true }).stdout.trim();
  const email = runGit(dir, ['config', 'user.email'], { allowFailure: true }).stdout.trim();
  return { name: name || 'gitgus', email: email || 'gitgus@localhost' };
}

/** How the actor appears in the `Actor:` trailer (lib/core/actor.ts owns the format). */
export function actorTrailer(actor: Actor): string {
  return formatActor(actor);
}
