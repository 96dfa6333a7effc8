#!/usr/bin/env node
// `npm run train -w tools/train-cnn -- --config <yaml>`: runs train_cnn.py with pythonExecutable() from @pixsed/core/node
// (PIXSED_PYTHON, default /usr/bin/python3), as tools/train/train.mjs does.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonExecutable } from '@pixsed/core/node';

const here = dirname(fileURLToPath(import.meta.url));
const r = spawnSync(pythonExecutable(), [join(here, 'train_cnn.py'), ...process.argv.slice(2)], { stdio: 'inherit' });
if (r.error) console.error(`train-cnn: cannot start ${pythonExecutable()} (${r.error.message}); set PIXSED_PYTHON`);
process.exit(r.status ?? 1);
