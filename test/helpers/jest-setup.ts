import { createLogger } from '../../workers/logger';
import { installRuntimeLogger } from '../../workers/runtime';

// One Runtime per test file (jest gives each file a fresh module registry); quiet unless LOG_LEVEL asks.
const runtime = installRuntimeLogger(createLogger({ level: process.env.LOG_LEVEL ?? 'error', pretty: false }));

// A Runtime no worker ever used keeps the process alive; shutting down twice is harmless.
afterAll(async () => {
  await runtime.shutdown();
});
