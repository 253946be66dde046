/** `npm start`: configuration from the environment, one `listening on …` line, SIGTERM/SIGINT drain and exit 0. */
import { loadConfig } from './config.js';
import { createLogger } from './log.js';
import { runServer } from './server.js';

async function main() {
  const config = loadConfig();
  const log = createLogger(config.LOG_LEVEL);
  const server = await runServer(config, log);
  // Before the `listening` line: a supervisor may send SIGTERM as soon as it reads it.
  const shutdown = (signal: string) => {
    log.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err) => {
        log.error({ err: { name: err.name, message: err.message } }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  const { adminTokenInfo } = server;
  if (adminTokenInfo.generated) {
    console.log(`admin token (generated, stored in ${adminTokenInfo.file}): ${adminTokenInfo.token}`);
  } else if (!config.ADMIN_TOKEN) {
    console.log(`admin token: stored in ${adminTokenInfo.file}`);
  }
  const { webhookSecretInfo } = server;
  if (webhookSecretInfo?.generated) console.log(`webhook secret (generated, stored in ${webhookSecretInfo.file}): ${webhookSecretInfo.secret}`);
  console.log(`listening on ${server.url}`);
}

main().catch((err: Error) => {
  console.error(`failed to start: ${err.message}`);
  process.exit(1);
});
