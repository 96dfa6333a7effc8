// Lets `npx vitest run --config vitest.config.ts --root libs/fits` (config resolved inside the root) work:
// the shared monorepo config, unchanged.
export { default } from '../../vitest.config.ts';
