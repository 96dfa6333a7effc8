/**
 * Helpers to cross-check against Python (numpy / scipy / astropy / photutils) in tests and tools.
 * The interpreter is core's pythonExecutable() (PIXSED_PYTHON, default /usr/bin/python3).
 */
import { spawnSync } from 'node:child_process';
import { pythonExecutable } from '@pixsed/core/node';

export { hasPythonModules } from '@pixsed/core/node';

/** Run a Python script (text) with argv; throws with stderr when it fails; returns stdout. */
export function runPython(script: string, args: string[] = [], timeoutMs = 600_000): string {
  const r = spawnSync(pythonExecutable(), ['-c', script, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}
