/** @type {import('jest').Config} */
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'orders-feature-execution',
  rootDir: __dirname,
  // Starts PostgreSQL/Redis checks and the Kafka dev broker once per run (shared with other projects).
  globalSetup: require.resolve('../../shared/testing/src/jest/global-setup.ts'),
  globalTeardown: require.resolve('../../shared/testing/src/jest/global-teardown.ts'),
  // Consumer-group joins, transactions and process restarts take seconds against the mock cluster.
  testTimeout: 120_000,
};
