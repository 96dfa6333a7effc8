import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian python with numpy/scipy/astropy (a pyenv python3 earlier on PATH lacks them). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** True when SYSTEM_PYTHON exists and can import every module listed. */
export function hasPythonModules(...modules: string[]): boolean {
  if (!existsSync(SYSTEM_PYTHON)) return false;
  const r = spawnSync(SYSTEM_PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  return r.status === 0;
}

/** Run a Python script with JSON on stdin; returns the parsed JSON it prints. Throws with stderr on failure. */
export function runPythonJson<T>(script: string, input: unknown): T {
  const r = spawnSync(SYSTEM_PYTHON, ['-c', script], { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
