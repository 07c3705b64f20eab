import { describe, expect, it } from 'vitest';
import { displayValue } from '../lib/core/display.ts';
import { describeChanges } from '../lib/core/edit.ts';
import { showValue } from '../lib/core/notify/plan.ts';

// Every writer of a shown value: the CLI's change line (describeChanges) and the notification mails (showValue).
const writers: Record<string, (value: unknown) => string> = {
  displayValue,
  notify: showValue,
  cli: (value) => describeChanges(1, [{ field: 'f', from: value, to: value }]).replace(/^#1 f: (.*) → .*$/, '$1'),
};

const cases: [string, unknown, string][] = [
  ['a string', 'in progress', 'in progress'],
  ['a number', 165048, '165048'],
  ['a boolean', true, 'true'],
  ['a list of strings', ['atlas', 'cms'], 'atlas, cms'],
  ['a list of relation numbers', [165048, 165049], '165048, 165049'],
  ['a solution by its qualifier', { qualifier: 'fixed', text: 'Restarted the CE' }, 'fixed'],
  ['a list of solutions', [{ qualifier: 'fixed' }, { qualifier: 'workaround' }], 'fixed, workaround'],
  ['an object without qualifier', { master: 165048 }, '{"master":165048}'],
  ['undefined', undefined, '—'],
  ['null', null, '—'],
  ['an empty string', '', '—'],
  ['an empty list', [], '—'],
];

describe('one display of a field value for show/edit and notify', () => {
  for (const [name, write] of Object.entries(writers)) {
    for (const [what, value, shown] of cases) {
      it(`${name} shows ${what}`, () => expect(write(value)).toBe(shown));
    }
  }
});
