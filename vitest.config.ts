import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

// Tests import sibling libs from their TypeScript sources (no build needed for unit tests).
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@pixsed\/([a-z-]+)\/node$/, replacement: `${root}libs/$1/src/node/index.ts` },
      { find: /^@pixsed\/core\/numeric$/, replacement: `${root}libs/core/src/numeric.ts` },
      { find: /^@pixsed\/([a-z-]+)$/, replacement: `${root}libs/$1/src/index.ts` },
    ],
  },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
