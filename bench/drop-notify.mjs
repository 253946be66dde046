// Preloaded into a server under test (NODE_OPTIONS=--import=…/drop-notify.mjs) for a measurement only: its pool's
// pg_notify statements are answered at once without being sent, so a run shows what NOTIFY costs (bench/pg-p99.ts).
// Never in a real server: other instances would not hear of changes.
import pg from 'pg';

const query = pg.Pool.prototype.query;
pg.Pool.prototype.query = function query_(config, ...rest) {
  const text = typeof config === 'string' ? config : config?.text;
  if (typeof text === 'string' && text.includes('pg_notify')) return Promise.resolve({ rows: [], rowCount: 0, command: 'SELECT' });
  return query.call(this, config, ...rest);
};
