// ESLint flat config for the whole workspace.
// Module boundaries are enforced on two axes (see docs/development.md#module-boundaries):
//   scope:*  which business domain a project belongs to; a scope reaches another only via contracts
//   type:*   which layer it is; domain code is pure (no framework, no I/O clients)
import nx from '@nx/eslint-plugin';
import jest from 'eslint-plugin-jest';
import tseslint from 'typescript-eslint';

const IO_AND_FRAMEWORK = [
  '@nestjs/*',
  '@grpc/*',
  'kafkajs',
  'pg',
  'pg-*',
  'ioredis',
  'node-vault',
  'pino',
  'prom-client',
  '@opentelemetry/*',
];

export default [
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      '.nx/**',
      '.cache/**',
      'tools/.node/**',
      'tools/kafka-dev-broker/.build/**',
      'tools/chart-render/.build/**',
      'libs/contracts/src/generated/**',
      '**/*.cjs',
      '**/*.mjs',
      '**/*.js',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          banTransitiveDependencies: true,
          checkDynamicDependenciesExceptions: [],
          allow: [],
          depConstraints: [
            // Layer axis. `type:testing` is listed so specs can use test helpers; production
            // files are kept away from them by the no-restricted-imports block below.
            {
              sourceTag: 'type:app',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:domain',
                'type:contracts',
                'type:util',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:feature',
              onlyDependOnLibsWithTags: [
                'type:feature',
                'type:data-access',
                'type:domain',
                'type:contracts',
                'type:util',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:data-access',
              onlyDependOnLibsWithTags: [
                'type:data-access',
                'type:domain',
                'type:contracts',
                'type:util',
                'type:testing',
              ],
            },
            {
              sourceTag: 'type:domain',
              onlyDependOnLibsWithTags: ['type:domain', 'type:util', 'type:testing'],
              bannedExternalImports: IO_AND_FRAMEWORK,
            },
            {
              sourceTag: 'type:contracts',
              onlyDependOnLibsWithTags: ['type:contracts', 'type:testing'],
            },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util', 'type:testing'] },
            {
              sourceTag: 'type:testing',
              onlyDependOnLibsWithTags: [
                'type:testing',
                'type:util',
                'type:contracts',
                'type:data-access',
                'type:domain',
                'type:feature',
              ],
            },
            {
              sourceTag: 'type:tooling',
              onlyDependOnLibsWithTags: [
                'type:tooling',
                'type:testing',
                'type:util',
                'type:contracts',
                'type:data-access',
                'type:domain',
                'type:feature',
              ],
            },
            // Scope axis: shared is reachable from everywhere; domains only reach themselves.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            {
              sourceTag: 'scope:orders',
              onlyDependOnLibsWithTags: ['scope:orders', 'scope:shared'],
            },
            {
              sourceTag: 'scope:market-data',
              onlyDependOnLibsWithTags: ['scope:market-data', 'scope:shared'],
            },
            {
              sourceTag: 'scope:portfolio',
              onlyDependOnLibsWithTags: ['scope:portfolio', 'scope:shared'],
            },
            { sourceTag: 'scope:risk', onlyDependOnLibsWithTags: ['scope:risk', 'scope:shared'] },
            {
              sourceTag: 'scope:tooling',
              onlyDependOnLibsWithTags: [
                'scope:tooling',
                'scope:shared',
                'scope:orders',
                'scope:market-data',
                'scope:portfolio',
                'scope:risk',
              ],
            },
          ],
        },
      ],
      // No `any` payloads: everything crossing an edge is parsed (zod / protobuf) first.
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
      'no-console': 'error',
    },
  },
  {
    // Production code never reaches into test helpers.
    files: ['**/*.ts'],
    ignores: [
      '**/*.spec.ts',
      '**/testing.ts',
      '**/testing/**',
      'tools/**',
      'libs/shared/testing/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@meridian/*/testing', '@meridian/shared-testing'],
              message: 'Test helpers are for specs only.',
            },
            {
              group: ['@meridian/*/src/*', '../../**/libs/*'],
              message: 'Import libs through their entry point.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/testing.ts', '**/testing/**/*.ts'],
    plugins: { jest },
    rules: {
      ...jest.configs['flat/recommended'].rules,
      'jest/no-focused-tests': 'error',
      'jest/no-disabled-tests': 'error',
      'jest/expect-expect': 'error',
      'jest/no-conditional-expect': 'error',
    },
  },
  {
    files: ['tools/**/*.ts', 'bench/**/*.ts', '**/cli.ts', '**/*.cli.ts'],
    rules: { 'no-console': 'off' },
  },
];
