/** @type {import('jest').Config} */
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'market-data-domain',
  rootDir: __dirname,
};
