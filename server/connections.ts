/**
 * The server's connection budget (docs/hardening.md): how many sockets it holds in all and per client address, and how
 * many of them may be event streams, so that streams and idle sockets can never take the last file descriptor and
 * ordinary requests keep being answered.
 */
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Config } from './config.js';

const DEFAULT_MAX_CONNECTIONS = 4096;
/** File descriptors kept for the store (SQLite file, WAL, shm, checkpointer; or the PostgreSQL pool), logs and static files. */
const FD_RESERVE = 64;

export interface ConnectionBudget {
  maxConnections: number;
  perClient: number;
  streams: number;
}

/** The soft open-file limit of this process (Linux), or null where it cannot be read. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

export function connectionBudget(config: Config, fdLimit = openFileLimit()): ConnectionBudget {
  const room = fdLimit === null ? Infinity : Math.max(16, fdLimit - FD_RESERVE);
  const maxConnections = Math.min(config.MAX_CONNECTIONS || DEFAULT_MAX_CONNECTIONS, room);
  const streams = Math.min(config.SSE_MAX_TOTAL || Math.floor(maxConnections / 2), maxConnections - 8);
  // One address never holds more than half of all sockets, so others always find room.
  const perClient = config.MAX_CONNECTIONS_PER_CLIENT === 0 ? 0 : Math.min(config.MAX_CONNECTIONS_PER_CLIENT, Math.max(8, Math.floor(maxConnections / 2)));
  return { maxConnections, perClient, streams: Math.max(1, streams) };
}

/**
 * Applies the budget to a listening server: Node drops sockets beyond `maxConnections`; a client address over its share
 * is dropped at once; slow or idle sockets are closed by the header and keep-alive timeouts.
 */
export function applyConnectionBudget(server: Server, budget: ConnectionBudget): void {
  server.maxConnections = budget.maxConnections;
  server.headersTimeout = 10_000; // a request's headers must arrive within 10 s (Node: 60 s)
  server.requestTimeout = 30_000; // and its body within 30 s; a response (an event stream) may last
  server.keepAliveTimeout = 5_000;
  if (budget.perClient <= 0) return;
  const byClient = new Map<string, number>();
  server.on('connection', (socket) => {
    const client = socket.remoteAddress ?? 'unknown';
    const n = (byClient.get(client) ?? 0) + 1;
    if (n > budget.perClient) {
      socket.destroy();
      return;
    }
    byClient.set(client, n);
    socket.once('close', () => {
      const left = (byClient.get(client) ?? 1) - 1;
      if (left > 0) byClient.set(client, left);
      else byClient.delete(client);
    });
  });
}
