/**
 * Parse and serialize the helpdesk's file formats. Pure: text in, typed documents out, and back.
 * A canonical file survives `serialize(parse(text))` byte for byte, so a no-op rewrite changes nothing in Git.
 */
import type { z } from 'zod';
import { ValidationError } from '../errors.ts';
import { compact, parseFrontMatter, parseYamlText, serializeFrontMatter, stringifyYamlValue } from './frontmatter.ts';
import { parseWithFriendlyErrors } from './friendly-errors.ts';
import { MESSAGE_EXAMPLE, MessageSchema, type Message, type MessageInput } from './schema/message.ts';
import { SETTINGS_EXAMPLE, SettingsSchema, type Settings } from './schema/settings.ts';
import { TICKET_EXAMPLE, TicketSchema, type Ticket, type TicketInput } from './schema/ticket.ts';
import { UNIT_EXAMPLE, UnitSchema, type Unit } from './schema/unit.ts';
import { INTERFACE_EXAMPLE } from './schema/interface.ts';

/** A unit's hints: its own example, then the optional `interface:` block (so its fields are known and shown too). */
const UNIT_HINT_EXAMPLE = `${UNIT_EXAMPLE}${INTERFACE_EXAMPLE}`;

export interface TicketDoc {
  ticket: Ticket;
  /** The original request, Markdown. */
  body: string;
}

export interface MessageDoc {
  message: Message;
  body: string;
}

export interface UnitDoc {
  unit: Unit;
  /** Description and FAQ shown to TPM, Markdown. */
  body: string;
}

function parseDoc<S extends z.ZodType>(schema: S, example: string, text: string, file: string) {
  const { data, body } = parseFrontMatter(text, file);
  return { value: parseWithFriendlyErrors(schema, data, file, example), body };
}

/** Validation output is re-read through the schema before writing: keys come out in schema order. */
function serializeDoc<S extends z.ZodType>(schema: S, value: z.input<S>, body: string, file: string, example: string): string {
  const canonical = parseWithFriendlyErrors(schema, value, file, example) as Record<string, unknown>;
  return serializeFrontMatter(canonical, normalizeBody(body));
}

/** Bodies end with exactly one newline and use LF; everything else in them is kept as written. */
export function normalizeBody(body: string): string {
  const lf = body.replace(/\r\n?/g, '\n');
  return lf.trim() === '' ? '' : `${lf.replace(/\n+$/, '')}\n`;
}

export function parseTicket(text: string, file: string): TicketDoc {
  const { value, body } = parseDoc(TicketSchema, TICKET_EXAMPLE, text, file);
  return { ticket: value, body };
}

export function serializeTicket(doc: { ticket: TicketInput; body: string }, file = 'index.md'): string {
  return serializeDoc(TicketSchema, doc.ticket, doc.body, file, TICKET_EXAMPLE);
}

export function parseMessage(text: string, file: string): MessageDoc {
  const { value, body } = parseDoc(MessageSchema, MESSAGE_EXAMPLE, text, file);
  return { message: value, body };
}

export function serializeMessage(doc: { message: MessageInput; body: string }, file = 'message.md'): string {
  return serializeDoc(MessageSchema, doc.message, doc.body, file, MESSAGE_EXAMPLE);
}

export function parseUnit(text: string, file: string): UnitDoc {
  const { value, body } = parseDoc(UnitSchema, UNIT_HINT_EXAMPLE, text, file);
  const expectedId = file.split('/').pop()?.replace(/\.md$/, '');
  if (expectedId !== undefined && value.id !== expectedId) {
    throw new ValidationError([{ code: 'E_SCHEMA', file, field: 'id', message: `is '${value.id}' but the file is named ${expectedId}.md`, hint: `Rename the file to units/${value.id}.md or set id: ${expectedId}` }]);
  }
  return { unit: value, body };
}

export function serializeUnit(doc: { unit: z.input<typeof UnitSchema>; body: string }, file = 'unit.md'): string {
  return serializeDoc(UnitSchema, doc.unit, doc.body, file, UNIT_HINT_EXAMPLE);
}

export function parseSettings(text: string, file: string): Settings {
  const data = parseYamlText(text, file);
  return parseWithFriendlyErrors(SettingsSchema, data ?? {}, file, SETTINGS_EXAMPLE);
}

export function serializeSettings(settings: z.input<typeof SettingsSchema>, file = 'helpdesk.yml'): string {
  return stringifyYamlValue(compact(parseWithFriendlyErrors(SettingsSchema, settings, file, SETTINGS_EXAMPLE)));
}
