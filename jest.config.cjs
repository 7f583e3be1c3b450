// One jest run over every project: the global setup (PostgreSQL/Redis checks, Kafka dev broker)
// runs once for the whole run. `nx run <project>:test` runs a single project instead.
const { globSync } = require('node:fs');

/** @type {import('jest').Config} */
module.exports = {
  projects: globSync('{apps,libs,tools}/**/jest.config.cjs', {
    exclude: (name) => name === 'node_modules' || name === '.build',
  }).map((file) => `<rootDir>/${require('node:path').dirname(file)}`),
  globalSetup: '<rootDir>/libs/shared/testing/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/libs/shared/testing/src/jest/global-teardown.ts',
  transform: require('./jest.preset.cjs').transform,
  // testTimeout is a run-wide option: a project's own value is ignored in a multi-project run.
  // Integration specs (consumer-group joins, broker faults) need far more than jest's 5 s.
  testTimeout: 90_000,
};
