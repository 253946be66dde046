/**
 * The service worker's immediate answer to a request it kept in its outbox: `503` with this error code and header.
 * Its own module, apart from protocol.ts: the widget's entry reads the code, while the messages are the lazily loaded
 * bridge's (the entry and a lazy chunk must not share a module, widget/vite.config.ts).
 */

/** Error code of the worker's `503` answer to a request it queued. */
export const QUEUED_ERROR_CODE = 'queued_offline';

/** Response header carrying the outbox id of a request the worker queued. */
export const QUEUED_HEADER = 'Payment-Queued';
