#!/usr/bin/env node
// `npm run train -w tools/train -- --config <yaml>`: runs train.py with pythonExecutable() from @pixsed/core/node
// (PIXSED_PYTHON, default /usr/bin/python3), passing the arguments and the environment (INIT_CWD) through.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonExecutable } from '@pixsed/core/node';

const here = dirname(fileURLToPath(import.meta.url));
const r = spawnSync(pythonExecutable(), [join(here, 'train.py'), ...process.argv.slice(2)], { stdio: 'inherit' });
if (r.error) console.error(`train: cannot start ${pythonExecutable()} (${r.error.message}); set PIXSED_PYTHON`);
process.exit(r.status ?? 1);
