// jest testResultsProcessor of the cluster suite: its counts beside the default suite's, for .ci/run.
const { writeResults } = require('./write-results');

module.exports = (results) => writeResults(results, 'jest-cluster-results.json');
