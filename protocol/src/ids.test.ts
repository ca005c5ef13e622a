import { describe, expect, it } from 'vitest';
import { canonicalId, MOVEMENT_ID_PATTERN } from './ids.js';

describe('canonicalId', () => {
  const id = '0f8fad5b-d9cb-469f-a165-70867728950e';
  it('maps upper case and urn:uuid: forms to one lower-case id', () => {
    expect(canonicalId(id)).toBe(id);
    expect(canonicalId(id.toUpperCase())).toBe(id);
    expect(canonicalId(`urn:uuid:${id}`)).toBe(id);
    expect(canonicalId(`URN:UUID:${id.toUpperCase()}`)).toBe(id);
  });
  it('refuses what is not a UUID', () => {
    for (const bad of [
      '',
      'abc',
      `${id}x`,
      `urn:uuid:`,
      `urn:uuid:urn:uuid:${id}`,
      ` ${id}`,
      id.replace(/-/g, ''),
    ]) {
      expect(canonicalId(bad)).toBeNull();
    }
  });
  it('the schema pattern accepts exactly what canonicalId accepts', () => {
    const re = new RegExp(MOVEMENT_ID_PATTERN);
    for (const s of [id, id.toUpperCase(), `urn:uuid:${id}`, 'abc', `urn:uuid:${id}x`, `URN:uuid:${id}`]) {
      expect(re.test(s)).toBe(canonicalId(s) !== null);
    }
  });
});
