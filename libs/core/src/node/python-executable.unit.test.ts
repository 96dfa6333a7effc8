import { describe, expect, it } from 'vitest';
import { DEFAULT_PYTHON, hasPythonModules, pythonExecutable } from './python-executable.js';

describe('pythonExecutable', () => {
  it('honours PIXSED_PYTHON and defaults to Debian /usr/bin/python3', () => {
    expect(pythonExecutable({ PIXSED_PYTHON: '/opt/py/bin/python3.12' })).toBe('/opt/py/bin/python3.12');
    expect(pythonExecutable({})).toBe('/usr/bin/python3');
    expect(pythonExecutable({ PIXSED_PYTHON: '' })).toBe('/usr/bin/python3'); // empty = unset, not "run ''"
    expect(DEFAULT_PYTHON).toBe('/usr/bin/python3');
  });

  it('hasPythonModules is false for an interpreter that does not exist or a module that cannot be imported', () => {
    const saved = process.env.PIXSED_PYTHON;
    try {
      process.env.PIXSED_PYTHON = '/nonexistent/python3';
      expect(hasPythonModules()).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.PIXSED_PYTHON;
      else process.env.PIXSED_PYTHON = saved;
    }
    expect(hasPythonModules('pixsed_module_that_does_not_exist_42')).toBe(false);
  });
});
