/** @type {import('jest').Config} */
module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'kafka-dev-broker',
  rootDir: __dirname,
};
