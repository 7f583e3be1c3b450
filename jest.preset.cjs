// Shared jest settings for every project. Tests are TypeScript compiled by SWC (fast, and it
// emits the decorator metadata NestJS needs); type checking is the `typecheck` target's job.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: {
          parser: { syntax: 'typescript', decorators: true },
          transform: { legacyDecorator: true, decoratorMetadata: true },
          target: 'es2023',
        },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  setupFiles: [require.resolve('./tools/jest/setup-env.cjs')],
  clearMocks: true,
  restoreMocks: true,
};
