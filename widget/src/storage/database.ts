/**
 * The checkout database's name, version and one upgrade, on plain IndexedDB: what the widget needs to open it without
 * `idb` (session-store.ts). The stores' record shapes, and the `idb` opener the service worker uses, are in schema.ts.
 */
export const DB_NAME = 'payment-checkout';
export const DB_VERSION = 1;

/** Every store and index of the schema, created under one version. */
export function upgradeCheckoutDB(db: IDBDatabase, oldVersion: number): void {
  if (oldVersion < 1) {
    const sessions = db.createObjectStore('sessions', { keyPath: 'key' });
    sessions.createIndex('bySessionId', 'sessionId');
    const outbox = db.createObjectStore('outbox', { keyPath: 'id', autoIncrement: true });
    outbox.createIndex('byQueuedAt', 'queuedAt');
    outbox.createIndex('byIdempotencyKey', 'idempotencyKey', { unique: true });
  }
}
