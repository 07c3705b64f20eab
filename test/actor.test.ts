/**
 * The `Actor:` trailer has one format (lib/core/actor.ts): what every writer formats, the reader parses
 * back to the same person. Bug it pins: intake wrote `Jane Doe <jane@…> (mail)` and, for a sender
 * without a display name, `jane@… (mail)`, which the old reader returned as a name with no address.
 */
import { describe, expect, it } from 'vitest';
import { formatActor, parseActor } from '../lib/core/actor.ts';
import { actorOf } from '../lib/core/events.ts';

const commit = (actor: string) => ({ commit: 'c0ffee', time: '2026-11-27T10:00:00Z', author: { name: 'gitgus intake', email: 'helpdesk@ggus.example' }, trailers: { Actor: actor } });

describe('formatActor / parseActor', () => {
  // What each writer passes: gitgus commands (git identity, --actor), mail intake (the From), GitHub intake (a login).
  const people = [
    { writer: 'command, --actor "Name <address>"', actor: { name: 'Jane Doe', email: 'jane@uni.example' } },
    { writer: 'command, git config', actor: { name: 'Test Runner', email: 'runner@test.example' } },
    { writer: 'command, --actor login', actor: { name: 'alice-smith', email: 'alice-smith@users.noreply.github.com', github: 'alice-smith' } },
    { writer: 'GitHub intake', actor: { name: 'octo-cat', github: 'octo-cat' } },
    { writer: 'mail intake', via: 'mail' as const, actor: { name: 'Jane Doe', email: 'Jane.Doe@Uni.Example' } },
    { writer: 'mail intake, no display name', via: 'mail' as const, actor: { name: '', email: 'jane@uni.example' } },
    { writer: 'mail intake, comma and quotes', via: 'mail' as const, actor: { name: '"Doe, Jane" (CERN)', email: 'jane@cern.example' } },
    { writer: 'mail intake, hostile name', via: 'mail' as const, actor: { name: 'Eve <evil@x.example>\r\nActor: root', email: 'eve@x.example' } },
  ];

  it.each(people)('round-trips what $writer writes', ({ actor, via }) => {
    const parsed = parseActor(formatActor(actor, via));
    if ('github' in actor && actor.github) {
      expect(parsed).toEqual({ name: actor.github, github: actor.github });
      return;
    }
    expect(parsed.email).toBe((actor.email as string).toLowerCase());
    expect(parsed.name).not.toMatch(/[<>\r\n]|\(mail\)/);
    expect(parsed.name).toBe(
      actor.name === ''
        ? (actor.email as string)
        : actor.name
            .replace(/[\r\n<>]+/g, ' ')
            .replace(/\s+/g, ' ')
            .trim(),
    );
    expect(parsed.via).toBe(via);
  });

  it('the history reader (actorOf) gets the address back from an intake trailer', () => {
    expect(actorOf(commit(formatActor({ name: '', email: 'jane@uni.example' }, 'mail')))).toEqual({ name: 'jane@uni.example', email: 'jane@uni.example' });
    expect(actorOf(commit(formatActor({ name: 'Jane Doe', email: 'jane@uni.example' }, 'mail')))).toEqual({ name: 'Jane Doe', email: 'jane@uni.example' });
    expect(actorOf(commit('alice-smith (GitHub)'))).toEqual({ name: 'gitgus intake', github: 'alice-smith' });
  });
});
