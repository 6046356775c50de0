// jest testResultsProcessor: keeps the aggregated results as JSON so .ci/run can count them.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

module.exports = (results) => {
  const dir = join(__dirname, '..', '..', 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const { numPassedTests, numFailedTests, numPendingTests, numTotalTests, numFailedTestSuites, success } = results;
  writeFileSync(
    join(dir, 'jest-results.json'),
    JSON.stringify({ numPassedTests, numFailedTests, numPendingTests, numTotalTests, numFailedTestSuites, success }, null, 2),
  );
  return results;
};
