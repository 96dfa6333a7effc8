import { describe, expect, it } from 'vitest';
import { batchFromColumns } from './batch.js';
import { countFlags, FLAG, FlagRegistry, STANDARD_FLAGS } from './flags.js';

describe('FlagRegistry', () => {
  it('refuses two meanings for one bit and two bits for one name', () => {
    const r = new FlagRegistry();
    r.register({ bit: 3, name: 'A', description: 'a' });
    expect(() => r.register({ bit: 3, name: 'B', description: 'b' })).toThrow(/bit 3 is already 'A'/);
    expect(() => r.register({ bit: 4, name: 'A', description: 'a' })).toThrow(/already bit 3/);
    expect(() => r.register({ bit: 32, name: 'C', description: 'c' })).toThrow(/0..31/);
    expect(r.mask('A')).toBe(8);
    expect(r.decode(8 | 1)).toEqual(['A']);
  });

  it('counts rows per flag from the uint32 flags column', () => {
    const r = new FlagRegistry();
    r.register({ bit: 0, name: 'ZERO', description: '' });
    r.register({ bit: 31, name: 'TOP', description: '' });
    const flags = new Uint32Array([0, 1, 1 | 0x80000000, 0x80000000, 4]);
    const counts: Record<string, number> = {};
    countFlags(batchFromColumns({ flags }), r, counts);
    countFlags(batchFromColumns({ flags }), r, counts);
    expect(counts).toEqual({ ZERO: 4, TOP: 4, bit2: 2 });
  });

  it('FLAG holds the mask of every standard flag, from the registry table', () => {
    const r = new FlagRegistry();
    for (const d of STANDARD_FLAGS) r.register(d);
    for (const d of STANDARD_FLAGS) expect(FLAG[d.name]).toBe(r.mask(d.name));
    expect(FLAG.MISSING_BAND).toBe(64);
    expect(Object.keys(FLAG)).toHaveLength(STANDARD_FLAGS.length);
  });
});
