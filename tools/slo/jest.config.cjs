/** @type {import('jest').Config} */
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'slo',
  rootDir: __dirname,
  // The end-to-end spec starts the order services, which need the Kafka dev broker (started
  // once per run, shared with other projects) and the machine's PostgreSQL and Redis.
  globalSetup: require.resolve('../../libs/shared/testing/src/jest/global-setup.ts'),
  globalTeardown: require.resolve('../../libs/shared/testing/src/jest/global-teardown.ts'),
  testTimeout: 90_000,
};
