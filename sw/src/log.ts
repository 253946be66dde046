/** The worker's console output, prefixed so it can be told apart from the pages' in DevTools and test logs. */
import type { OutboxLogger } from './outbox/outbox.js';

const PREFIX = '[payment-sw]';

export const log: OutboxLogger & { error(message: string, data?: unknown): void } = {
  info: (message, data) => (data === undefined ? console.info(PREFIX, message) : console.info(PREFIX, message, data)),
  warn: (message, data) => (data === undefined ? console.warn(PREFIX, message) : console.warn(PREFIX, message, data)),
  error: (message, data) => (data === undefined ? console.error(PREFIX, message) : console.error(PREFIX, message, data)),
};
