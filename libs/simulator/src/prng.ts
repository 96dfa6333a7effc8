// The project's one seeded PRNG lives in @pixsed/core (moved there from here).
export { createPrng, fillNormal, type Prng } from '@pixsed/core';
