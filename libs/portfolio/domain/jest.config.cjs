/** @type {import('jest').Config} */
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'portfolio-domain',
  rootDir: __dirname,
};
