// Builds the Go renderer once per test run (cached: a no-op when go/*.go did not change).
const { execFileSync } = require('node:child_process');
const { join } = require('node:path');

module.exports = function buildRenderer() {
  execFileSync('bash', [join(__dirname, 'build.sh')], { stdio: 'inherit' });
};
