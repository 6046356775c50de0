/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  // The cluster suite has its own config (jest.cluster.config.js, `npm run test:cluster`); it also
  // runs simulate-vs-real, which compares wall-clock makespans and needs the machine to itself.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/', '<rootDir>/test/simulate/'],
  testResultsProcessor: '<rootDir>/test/helpers/write-results.js',
  setupFilesAfterEnv: ['<rootDir>/test/helpers/jest-setup.ts'],
  // Tests that start servers are slow to boot; each file cleans up its own.
  testTimeout: 60_000,
  // 2 cores: two files at a time keeps servers from starving each other.
  maxWorkers: 2,
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
};
