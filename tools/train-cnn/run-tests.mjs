#!/usr/bin/env node
// `npm test -w tools/train-cnn`: fast Python unit tests (test_train_cnn.py). Skips (exit 0) when the interpreter
// (pythonExecutable(): PIXSED_PYTHON, default /usr/bin/python3) or numpy/yaml is missing; the torch tests skip
// themselves without torch.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonExecutable } from '@pixsed/core/node';

const here = dirname(fileURLToPath(import.meta.url));
const py = pythonExecutable();
if (!existsSync(py)) {
  console.log(`skip: ${py} not found (set PIXSED_PYTHON); tools/train-cnn tests need python3 + numpy`);
  process.exit(0);
}
if (spawnSync(py, ['-c', 'import numpy, yaml'], { encoding: 'utf8' }).status !== 0) {
  console.log(`skip: ${py} has no numpy/yaml (Debian python3-numpy, python3-yaml); tools/train-cnn tests skipped`);
  process.exit(0);
}
const r = spawnSync(py, ['-m', 'unittest', '-v', 'test_train_cnn'], { cwd: here, stdio: 'inherit', env: { ...process.env, OMP_NUM_THREADS: '1' } });
process.exit(r.status ?? 1);
