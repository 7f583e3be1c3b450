/** @type {import('jest').Config} */
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'agent-sim',
  rootDir: __dirname,
  // Starts executor, gateway and order-store as processes on the Kafka dev broker (started once
  // per run, shared with other projects), PostgreSQL and Redis.
  globalSetup: require.resolve('../../libs/shared/testing/src/jest/global-setup.ts'),
  globalTeardown: require.resolve('../../libs/shared/testing/src/jest/global-teardown.ts'),
  testTimeout: 120_000,
};
