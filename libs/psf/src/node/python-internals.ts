/**
 * Helpers to cross-check against Python (numpy / scipy / astropy / photutils) in tests and tools.
 * Uses /usr/bin/python3 (Debian's, which has the scientific stack) unless PIXSED_PYTHON is set.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function pythonPath(): string {
  return process.env.PIXSED_PYTHON ?? '/usr/bin/python3';
}

/** True when the Python interpreter exists and imports every listed module. */
export function hasPythonModules(...modules: string[]): boolean {
  const py = pythonPath();
  if (!existsSync(py)) return false;
  const r = spawnSync(py, ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass'], { encoding: 'utf8' });
  return r.status === 0;
}

/** Run a Python script (text) with argv; throws with stderr when it fails; returns stdout. */
export function runPython(script: string, args: string[] = [], timeoutMs = 600_000): string {
  const r = spawnSync(pythonPath(), ['-c', script, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`python failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}
