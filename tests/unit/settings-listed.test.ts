import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../src/config.js';

/** Every setting in src/config.ts is in .env.example (with a comment) and in the README's settings table, and nothing else is. */
describe('settings are documented', () => {
  it('.env.example lists exactly the settings of src/config.ts', () => {
    const listed = fs.readFileSync('.env.example', 'utf8').split('\n').map((l) => /^([A-Z][A-Z0-9_]*)=/.exec(l)?.[1]).filter(Boolean);
    expect([...listed].sort()).toEqual([...SETTING_NAMES].sort());
  });

  it('the README settings table names every setting', () => {
    const readme = fs.readFileSync('README.md', 'utf8');
    const table = readme.slice(readme.indexOf('## Settings'), readme.indexOf('## HTTP interface'));
    const named = new Set([...table.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
    expect(SETTING_NAMES.filter((n) => !named.has(n))).toEqual([]);
  });
});
