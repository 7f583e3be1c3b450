/** @type {import('jest').Config} */
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'shared-messaging',
  rootDir: __dirname,
  // Starts PostgreSQL/Redis checks and the Kafka dev broker once per run (shared with other projects).
  globalSetup: require.resolve('../testing/src/jest/global-setup.ts'),
  globalTeardown: require.resolve('../testing/src/jest/global-teardown.ts'),
  // Consumer-group joins and fault recovery take seconds against the mock cluster.
  testTimeout: 90_000,
};
