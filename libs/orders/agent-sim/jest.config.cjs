/** @type {import('jest').Config} */
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'orders-agent-sim',
  rootDir: __dirname,
  testTimeout: 30_000,
};
