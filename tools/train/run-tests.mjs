#!/usr/bin/env node
// `npm test -w tools/train`: fast Python unit tests (test_train.py, test_export.py). Skips (exit 0) when the interpreter
// (pythonExecutable() from @pixsed/core/node: PIXSED_PYTHON, default /usr/bin/python3) or numpy is missing; the
// torch-dependent tests skip themselves when torch is missing (CI need not have torch). Needs @pixsed/core built
// (`npx nx test @pixsed/train` builds it first).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonExecutable } from '@pixsed/core/node';

const here = dirname(fileURLToPath(import.meta.url));
const py = pythonExecutable();
if (!existsSync(py)) {
  console.log(`skip: ${py} not found (set PIXSED_PYTHON); tools/train tests need python3 + numpy`);
  process.exit(0);
}
const probe = spawnSync(py, ['-c', 'import numpy, yaml'], { encoding: 'utf8' });
if (probe.status !== 0) {
  console.log(`skip: ${py} has no numpy/yaml (Debian python3-numpy, python3-yaml); tools/train tests skipped`);
  process.exit(0);
}
const r = spawnSync(py, ['-m', 'unittest', '-v', 'test_train', 'test_export'], { cwd: here, stdio: 'inherit' });
process.exit(r.status ?? 1);
