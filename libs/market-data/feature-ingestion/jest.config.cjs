/** @type {import('jest').Config} */
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'market-data-feature-ingestion',
  rootDir: __dirname,
  // The publisher specs need the Kafka dev broker (started once per run, shared with other projects).
  globalSetup: require.resolve('../../shared/testing/src/jest/global-setup.ts'),
  globalTeardown: require.resolve('../../shared/testing/src/jest/global-teardown.ts'),
  testTimeout: 60_000,
};
