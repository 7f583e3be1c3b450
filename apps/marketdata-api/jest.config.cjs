/** @type {import('jest').Config} */
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'marketdata-api',
  rootDir: __dirname,
  // The process test needs the Kafka dev broker (started once per run, shared with other projects).
  globalSetup: require.resolve('../../libs/shared/testing/src/jest/global-setup.ts'),
  globalTeardown: require.resolve('../../libs/shared/testing/src/jest/global-teardown.ts'),
  testTimeout: 90_000,
};
