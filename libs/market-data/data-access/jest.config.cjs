/** @type {import('jest').Config} */
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'market-data-data-access',
  rootDir: __dirname,
  // Checks PostgreSQL/Redis and starts the Kafka dev broker once per run (shared with other projects).
  globalSetup: require.resolve('../../shared/testing/src/jest/global-setup.ts'),
  globalTeardown: require.resolve('../../shared/testing/src/jest/global-teardown.ts'),
  testTimeout: 90_000,
};
