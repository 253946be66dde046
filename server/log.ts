/** The server's logger: pino, JSON lines, with every place a secret could appear redacted. */
import { pino, type Logger } from 'pino';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'clientSecret',
  '*.clientSecret',
  'client_secret',
  'token',
  '*.token',
  'card',
  '*.card',
  'adminToken',
  'merchantKey',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: undefined }, destination ?? process.stdout);
}

export type { Logger };
