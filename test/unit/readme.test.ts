import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { SETTINGS, flagName } from '../../src/config/index.ts';

const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');

test('the README documents every setting with its flag and default', () => {
  for (const setting of Object.values(SETTINGS)) {
    const row = readme
      .split('\n')
      .find((line) => line.startsWith(`| \`${setting.env}\` / \`${flagName(setting.env)}\``));
    assert.ok(row, `README has no row for ${setting.env}`);
    const dflt = 'default' in setting ? setting.default : undefined;
    if (dflt && setting.env !== 'AGENT_NAME')
      assert.ok(row.includes(`\`${dflt}\``), `${setting.env}: default ${dflt}`);
  }
});

test('the README shows the two newcomer commands', () => {
  assert.match(readme, /^make demo /m);
  assert.match(readme, /^make test /m);
});
