import { createLogger } from '../../workers/logger';
import { installRuntimeLogger } from '../../workers/runtime';

// One Runtime per jest worker process; quiet unless LOG_LEVEL asks for more.
installRuntimeLogger(createLogger({ level: process.env.LOG_LEVEL ?? 'warn', pretty: false }), 'WARN');
