// jest testResultsProcessor: keeps the aggregated results as JSON so .ci/run can count them.
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

/** Writes the counts to test-artifacts/<file>. */
function writeResults(results, file) {
  const dir = join(__dirname, '..', '..', 'test-artifacts');
  mkdirSync(dir, { recursive: true });
  const { numPassedTests, numFailedTests, numPendingTests, numTotalTests, numFailedTestSuites, success } = results;
  writeFileSync(
    join(dir, file),
    JSON.stringify({ numPassedTests, numFailedTests, numPendingTests, numTotalTests, numFailedTestSuites, success }, null, 2),
  );
  return results;
}

module.exports = (results) => writeResults(results, 'jest-results.json');
module.exports.writeResults = writeResults;
