/** The configuration reference in docs/ is generated from the schema and must match it exactly. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { renderConfigReference } from '../../scripts/gen-config-docs';
import { schemaRows } from '../../runtime/protocol';

test('docs/configuration.md matches the config schema (regenerate with npx tsx scripts/gen-config-docs.ts)', () => {
  const committed = fs.readFileSync(path.join(__dirname, '../../docs/configuration.md'), 'utf8');
  assert.equal(committed, renderConfigReference());
  for (const row of schemaRows()) assert.ok(committed.includes(`\`${row.path}\``), row.path);
});
