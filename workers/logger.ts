import pino, { type Logger } from 'pino';

/** Paths pino blanks out wherever they appear in a log record. */
const REDACT_PATHS = [
  'env',
  '*.env',
  'secrets',
  '*.secrets',
  'apiKey',
  '*.apiKey',
  'taskToken',
  '*.taskToken',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
];

export interface LoggerOptions {
  /** pino level; default `LOG_LEVEL` or 'info'. */
  level?: string;
  /** Human-readable output; default: when stderr is a TTY. */
  pretty?: boolean;
}

/** The one root logger of a process: workers, CLI and the Temporal SDK all log through it. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  const base = { level, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (pretty) {
    return pino({ ...base, transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } } });
  }
  return pino(base, pino.destination(2));
}
