/** PostgreSQL store: placeholder until the PostgreSQL implementation lands (issue 6). */
import type { Logger } from '../log.js';
import type { SessionEvents } from '../domain/events.js';
import type { Store } from './types.js';

export async function openPostgres(_opts: { url: string; schema: string; log: Logger }): Promise<{ store: Store; events: SessionEvents }> {
  throw new Error('PostgreSQL support is not built yet');
}
