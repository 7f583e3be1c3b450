/** @type {import('jest').Config} */
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'infra-checks',
  rootDir: __dirname,
  // The image-build spec boots a built service, which needs the Kafka dev broker (started once per
  // run, shared with other projects) and PostgreSQL.
  globalSetup: require.resolve('../../libs/shared/testing/src/jest/global-setup.ts'),
  globalTeardown: require.resolve('../../libs/shared/testing/src/jest/global-teardown.ts'),
  testTimeout: 60_000,
};
