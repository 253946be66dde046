/** Defaults that protect users without any configuration (issue 14 items 1, 2, 10). */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';

describe('configuration defaults', () => {
  it('SQLite commits with synchronous FULL unless told otherwise: an answered payment survives power loss', () => {
    expect(loadConfig({}).SQLITE_SYNCHRONOUS).toBe('FULL');
    expect(loadConfig({ SQLITE_SYNCHRONOUS: 'NORMAL' }).SQLITE_SYNCHRONOUS).toBe('NORMAL');
  });

  it('event streams are capped per session (10) and per client (100)', () => {
    const c = loadConfig({});
    expect(c.SSE_MAX_PER_SESSION).toBe(10);
    expect(c.SSE_MAX_PER_CLIENT).toBe(100);
  });
});
