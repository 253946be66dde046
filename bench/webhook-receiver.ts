/**
 * The benchmark's webhook receiver, in its own process (so the load generator and the server do not share its event
 * loop): answers 200 to every POST, verifies nothing, and keeps for each the delay from the session's `updatedAt` (the
 * state change, on the same machine's clock) to the moment the request was read. `GET /stats` returns them and resets.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

let latencies: number[] = [];
let count = 0;
const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ count, latencies }));
    latencies = [];
    count = 0;
    return;
  }
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const at = Date.now();
    count++;
    try {
      latencies.push(at - Date.parse(JSON.parse(body).data.updatedAt));
    } catch {
      /* not an event */
    }
    res.writeHead(200).end('ok');
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`));
process.once('SIGTERM', () => server.close(() => process.exit(0)));
