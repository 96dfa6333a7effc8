// The SBIPIX peer's own Python environment: a venv made with `python3 -m venv` and
// `pip install -r <data>/peers/sbipix/requirements.txt` on first use (sbi 0.23 pins numpy < 2, so it cannot share
// the system Python). Default location ~/.cache/pixsed/venv-sbipix, override with PIXSED_SBIPIX_VENV.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { PixsedError, sha256Hex } from '@pixsed/core';
import { pythonExecutable } from '@pixsed/core/node';

/** Written into the venv after a complete `pip install`; holds the SHA-256 of the requirements it was made from. */
export const VENV_MARKER = '.pixsed-sbipix-requirements.sha256';

/** The venv folder: PIXSED_SBIPIX_VENV, else ~/.cache/pixsed/venv-sbipix. */
export function sbipixVenvDir(env = process.env) {
  return env.PIXSED_SBIPIX_VENV ? resolve(env.PIXSED_SBIPIX_VENV) : join(homedir(), '.cache', 'pixsed', 'venv-sbipix');
}

/** The venv's interpreter. */
export function venvPython(venv) {
  return join(venv, 'bin', 'python');
}

/** True when `venv` holds a complete install of `requirementsFile` (its marker matches the file's SHA-256). */
export function venvReady(venv, requirementsFile) {
  const marker = join(venv, VENV_MARKER);
  if (!existsSync(venvPython(venv)) || !existsSync(marker) || !existsSync(requirementsFile)) return false;
  return readFileSync(marker, 'utf8').trim() === sha256Hex(readFileSync(requirementsFile));
}

function run(what, cmd, args, hint) {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.error) throw new PixsedError(`venv: ${what} could not start (${cmd}: ${r.error.message}); ${hint}`);
  if (r.status !== 0) throw new PixsedError(`venv: ${what} failed (exit ${r.status ?? r.signal}: ${cmd} ${args.join(' ')}); ${hint}`);
}

/**
 * Make the venv if it is not complete yet and return its interpreter. Progress (pip's own) goes to the terminal.
 * Errors name the step that failed and what to do.
 */
export function ensureSbipixVenv(requirementsFile, { venv = sbipixVenvDir(), log = (m) => process.stderr.write(`[sbipix] ${m}\n`) } = {}) {
  return ensureVenv(requirementsFile, { venv, log, what: 'torch, sbi, pymc ...: a few minutes' });
}

/** The same for any requirements file and venv (the inference bench's PyTorch peer uses it too). */
export function ensureVenv(requirementsFile, { venv, log, what = 'a few minutes' }) {
  if (venvReady(venv, requirementsFile)) return venvPython(venv);
  const hint = `fix the cause above, or point PIXSED_SBIPIX_VENV at a working venv made from ${requirementsFile}; delete ${venv} to start again`;
  if (!existsSync(venvPython(venv))) {
    log(`creating venv ${venv} with ${pythonExecutable()} -m venv (first use; set PIXSED_PYTHON for another interpreter)`);
    run('`python -m venv`', pythonExecutable(), ['-m', 'venv', venv], hint);
  } else {
    log(`venv ${venv} exists but has no complete install of ${requirementsFile}: installing`);
  }
  log(`pip install -r ${requirementsFile} (${what})`);
  run('`pip install`', venvPython(venv), ['-m', 'pip', 'install', '--progress-bar', 'off', '-r', requirementsFile], hint);
  writeFileSync(join(venv, VENV_MARKER), `${sha256Hex(readFileSync(requirementsFile))}\n`);
  log(`venv ready: ${venvPython(venv)}`);
  return venvPython(venv);
}
