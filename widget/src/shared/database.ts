/**
 * The checkout database, on plain IndexedDB: its name, version and one upgrade, and the one way the widget and the
 * service worker open it (the widget's entry goes without `idb`: its promise wrapper would be a fifth of the bundle;
 * the worker wraps the opened database with it). The stores' record shapes are in schema.ts.
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

/** A request's result (or its error) as a promise. */
export function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export interface CheckoutConnection {
  /** The open database: opened on first use and shared after; a failed open is not kept, the next call tries again. */
  (): Promise<IDBDatabase>;
  /** Drops the connection (it failed in use); the next call opens the database again. */
  forget(): void;
}

/** One connection to the checkout database for the page or the worker. */
export function checkoutConnection(): CheckoutConnection {
  let opened: Promise<IDBDatabase> | null = null;
  const connection = () => {
    opened ??= openCheckoutDatabase().catch((err: unknown) => {
      opened = null;
      throw err;
    });
    return opened;
  };
  return Object.assign(connection, { forget: () => void (opened = null) });
}

function openCheckoutDatabase(): Promise<IDBDatabase> {
  const request = indexedDB.open(DB_NAME, DB_VERSION);
  request.onupgradeneeded = (event) => upgradeCheckoutDB(request.result, event.oldVersion);
  return done(request);
}
