import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** The interpreter used by Python cross-checks and tools (Debian's /usr/bin/python3 has the scientific stack; a pyenv python3 earlier on PATH lacks it); PIXSED_PYTHON overrides. */
export const DEFAULT_PYTHON = '/usr/bin/python3';

/** The Python interpreter: `PIXSED_PYTHON` when set (and non-empty), otherwise /usr/bin/python3. The one launcher rule. */
export function pythonExecutable(env: NodeJS.ProcessEnv = process.env): string {
  return env.PIXSED_PYTHON || DEFAULT_PYTHON;
}

/** True when pythonExecutable() exists and imports every listed module (`hasPythonModules('numpy', 'scipy.signal')`). */
export function hasPythonModules(...modules: string[]): boolean {
  const py = pythonExecutable();
  if (!existsSync(py)) return false;
  return spawnSync(py, ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass'], { encoding: 'utf8' }).status === 0;
}
