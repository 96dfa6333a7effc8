import { describe, expect, it } from 'vitest';
import { ConfigError } from '@pixsed/core';
import { resolveShard, shardCommand } from './shard.js';

describe('--shard auto from the SLURM array environment', () => {
  it.each([
    [{ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3', SLURM_ARRAY_TASK_COUNT: '4' }, { index: 1, count: 4 }], // --array=0-3
    [{ SLURM_ARRAY_TASK_ID: '3', SLURM_ARRAY_TASK_MIN: '0', SLURM_ARRAY_TASK_MAX: '3' }, { index: 4, count: 4 }],
    [{ SLURM_ARRAY_TASK_ID: '4', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '4', SLURM_ARRAY_TASK_STEP: '1' }, { index: 4, count: 4 }], // --array=1-4
    [{ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '3' }, { index: 2, count: 3 }], // no MIN/MAX: numbered from 1
  ])('%j → %j', (env, want) => {
    expect(resolveShard('auto', env)).toEqual(want);
  });
  it.each([
    [{}, /SLURM_ARRAY_TASK_ID is not set/],
    [{ SLURM_ARRAY_TASK_ID: 'x', SLURM_ARRAY_TASK_COUNT: '2' }, /SLURM_ARRAY_TASK_ID='x' is not a non-negative integer/],
    [{ SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '2', SLURM_ARRAY_TASK_MAX: '4', SLURM_ARRAY_TASK_COUNT: '2' }, /has gaps or a step.*--shard "\$SLURM_ARRAY_TASK_ID\/N"/],
    [{ SLURM_ARRAY_TASK_ID: '1', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '9', SLURM_ARRAY_TASK_STEP: '2' }, /has gaps or a step/],
    [{ SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '3' }, /1 ≤ i ≤ N/],
    [{ SLURM_ARRAY_TASK_ID: '1' }, /SLURM_ARRAY_TASK_COUNT .* is not set/],
  ])('%j is an option error', (env, message) => {
    expect(() => resolveShard('auto', env)).toThrow(ConfigError);
    expect(() => resolveShard('auto', env)).toThrow(message);
  });
  it('i/N passes through, checked', () => {
    expect(resolveShard('3/7', {})).toEqual({ index: 3, count: 7 });
    expect(() => resolveShard('8/7', {})).toThrow(/1 ≤ i ≤ N/);
  });
  it('the re-run command quotes what the shell would split', () => {
    expect(shardCommand({ pipelineFile: '/p/demo.yaml', set: ['sinks.galaxies.quicklooksDir=""', 'a=b c'], out: '/o' }, { index: 2, count: 3 })).toBe(
      `pixsed run /p/demo.yaml --shard 2/3 --out /o --set 'sinks.galaxies.quicklooksDir=""' --set 'a=b c'`,
    );
  });
});
