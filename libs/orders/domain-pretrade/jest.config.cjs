/** @type {import('jest').Config} */
module.exports = {
  ...require('../../../jest.preset.cjs'),
  displayName: 'orders-domain-pretrade',
  rootDir: __dirname,
};
