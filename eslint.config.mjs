// Lint rules for the whole monorepo. Lib boundaries are enforced by Nx project tags:
//   scope:shared  (core, fits)        -> may import only scope:shared
//   scope:survey  (surveys)           -> shared only: a survey plug-in cannot import a stage
//   scope:stage   (ingest, psf, snr-mask, inference, aggregate)
//                                     -> shared + survey: stages never import each other
//   scope:science (simulator, calibration) -> shared + survey
//   scope:mock    (mocks: synthetic mosaics)  -> shared + survey + science + stage (it convolves with PSFs)
//   scope:app     (apps/cli), scope:tool (tools/*) -> anything
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', '**/out/**', 'test-data/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.mts', '**/*.js', '**/*.mjs'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          depConstraints: [
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:survey', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:stage', onlyDependOnLibsWithTags: ['scope:shared', 'scope:survey'] },
            { sourceTag: 'scope:science', onlyDependOnLibsWithTags: ['scope:shared', 'scope:survey'] },
            { sourceTag: 'scope:mock', onlyDependOnLibsWithTags: ['scope:shared', 'scope:survey', 'scope:science', 'scope:stage'] },
            { sourceTag: 'scope:app', onlyDependOnLibsWithTags: ['scope:shared', 'scope:survey', 'scope:stage', 'scope:science', 'scope:mock'] },
            { sourceTag: 'scope:tool', onlyDependOnLibsWithTags: ['scope:shared', 'scope:survey', 'scope:stage', 'scope:science', 'scope:mock', 'scope:app'] }
          ]
        }
      ]
    }
  }
];
