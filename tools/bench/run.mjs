#!/usr/bin/env node
// Runs every tools/bench/*.bench.mjs in its own process (so peak RSS is per benchmark) and
// passes through their output: one JSON line per figure {"name","value","unit"}.
// Usage: npm run bench [-- <substring filter>]
import { readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.argv[2] ?? '';
const files = readdirSync(here).filter((f) => f.endsWith('.bench.mjs') && f.includes(filter)).sort();
let failed = 0;
for (const f of files) {
  process.stderr.write(`# ${f}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, f)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) {
    failed++;
    process.stderr.write(`# ${f} failed with exit code ${r.status}\n`);
  }
}
process.exit(failed ? 1 : 0);
