// Chart checks: render charts/meridian with the offline renderer (built once by the global
// setup) and validate what comes out. kubernetes-models ships ESM only, so dynamic import()
// stays a real import (ignoreDynamic) and loads through jest's ESM support (vm modules).
const preset = require('../../jest.preset.cjs');
const [swc, swcOptions] = preset.transform['^.+\\.ts$'];

/** @type {import('jest').Config} */
module.exports = {
  ...preset,
  displayName: 'chart-render',
  rootDir: __dirname,
  globalSetup: '<rootDir>/jest.global-setup.cjs',
  transform: {
    '^.+\\.ts$': [swc, { ...swcOptions, module: { ...swcOptions.module, ignoreDynamic: true } }],
  },
};
