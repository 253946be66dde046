/**
 * Regenerates api.d.ts from the document a real server serves: `npx tsx test/server/openapi/generate.ts`.
 * openapi-tools.test.ts fails while the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { startInProcess } from '../helpers/server.js';

const srv = await startInProcess();
try {
  const doc = await (await fetch(`${srv.url}/api/payments/openapi.json`)).json();
  const file = join(import.meta.dirname, 'api.d.ts');
  writeFileSync(file, COMMENT_HEADER + astToString(await openapiTS(doc as never)));
  console.log(`wrote ${file}`);
} finally {
  await srv.stop();
}
