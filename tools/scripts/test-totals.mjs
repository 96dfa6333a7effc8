#!/usr/bin/env node
// Sums the vitest JSON reports of every project (written by `npm test`) and prints one closing
// line "Tests: N passed, N failed, N skipped". Exits non-zero if a report is missing or failed.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
let passed = 0, failed = 0, skipped = 0, missing = [];
for (const group of ['libs', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const report = join(dir, '.test-results', 'vitest.json');
    if (!existsSync(report)) { missing.push(`${group}/${name}`); continue; }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests ?? 0);
    console.log(`${group}/${name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
  }
}
if (missing.length) console.log(`no test report for: ${missing.join(', ')}`);
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed || missing.length ? 1 : 0);
