/** The ceiling: a bare Hono route on @hono/node-server, same machine, same runtime. Prints its URL on stdout. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const app = new Hono();
app.post('/', async (c) => c.json({ ok: true, echo: (await c.req.json()) as unknown }, 200));
app.get('/', (c) => c.json({ ok: true }));
const s = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => console.log(`listening on http://127.0.0.1:${info.port}`));
process.on('SIGTERM', () => s.close(() => process.exit(0)));
