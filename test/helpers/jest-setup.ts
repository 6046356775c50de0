import { createLogger } from '../../workers/logger';
import { installRuntimeLogger } from '../../workers/runtime';
import { removeTestIdentity, testIdentity } from './test-identity';

// Every run in the suite is signed and every node verifies: a key and trust file per test file,
// handed to the CLI, spawned processes and helpers as MAESTRO_KEY / MAESTRO_TRUST.
const identity = testIdentity();
process.env.MAESTRO_KEY = identity.operator.path;
process.env.MAESTRO_TRUST = identity.trustFile;
afterAll(() => removeTestIdentity());

// One Runtime per test file (jest gives each file a fresh module registry); quiet unless LOG_LEVEL asks.
const runtime = installRuntimeLogger(createLogger({ level: process.env.LOG_LEVEL ?? 'error', pretty: false }));

// A Runtime no worker ever used keeps the process alive; shutting down twice is harmless.
afterAll(async () => {
  await runtime.shutdown();
});
