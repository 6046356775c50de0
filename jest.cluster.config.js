/**
 * The cluster suite (`npm run test:cluster`): real processes in Linux network namespaces, the dev
 * server and the production server (PostgreSQL, mTLS). Needs root; `.ci/run` runs it after the
 * default suite. One file at a time: each file owns the test network and its servers.
 */
/** @type {import('jest').Config} */
module.exports = {
  ...require('./jest.config.js'),
  // test/simulate measures real makespans against predictions: one file at a time, alone.
  roots: ['<rootDir>/test/cluster', '<rootDir>/test/simulate'],
  testPathIgnorePatterns: [],
  testResultsProcessor: '<rootDir>/test/helpers/write-cluster-results.js',
  maxWorkers: 1,
  testTimeout: 180_000,
};
