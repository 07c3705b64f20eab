/** Where intake keeps its records in a helpdesk (lib/core/schema/intake.ts describes each file). Pure. */

export const INTAKE_DIR = 'intake';
export const INTAKE_STATE_FILE = `${INTAKE_DIR}/state.yml`;
export const INTAKE_README = `${INTAKE_DIR}/README.md`;
export const INTAKE_GITATTRIBUTES = `${INTAKE_DIR}/.gitattributes`;
export const QUARANTINE_DIR = `${INTAKE_DIR}/quarantine`;

function checkKey(key: string): string {
  if (!/^[a-f0-9]{16}$/.test(key)) throw new RangeError(`not an intake key: ${key}`);
  return key;
}

/** `intake/ignored/2026-11/<key>.md`: one folder a month keeps folders small and browsable. */
export function ignoredRecordPath(key: string, received: string): string {
  return `${INTAKE_DIR}/ignored/${received.slice(0, 7)}/${checkKey(key)}.md`;
}

/** `intake/duplicates/<k>/<key>.md`: found from the key alone, so a third copy adds nothing. */
export function duplicateRecordPath(key: string): string {
  return `${INTAKE_DIR}/duplicates/${checkKey(key).slice(0, 2)}/${key}.md`;
}

export function quarantineRecordPath(key: string): string {
  return `${QUARANTINE_DIR}/${checkKey(key)}.md`;
}

export function quarantineRawPath(key: string): string {
  return `${QUARANTINE_DIR}/${checkKey(key)}.eml`;
}
