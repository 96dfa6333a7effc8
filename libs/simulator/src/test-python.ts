import { spawnSync } from 'node:child_process';
import { pythonExecutable } from '@pixsed/core/node';

/** True when pythonExecutable() (PIXSED_PYTHON, default /usr/bin/python3) exists and imports every module listed. */
export { hasPythonModules } from '@pixsed/core/node';

/** Run a Python script with JSON on stdin; returns the parsed JSON it prints. Throws with stderr on failure. */
export function runPythonJson<T>(script: string, input: unknown): T {
  const r = spawnSync(pythonExecutable(), ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
