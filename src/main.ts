import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { bootConfig } from './host/boot.js';
import { createApp } from './host/create-app.js';
import { closeOnSignals } from './host/shutdown.js';

/** The example host app: API and workers in one process. */
async function main(): Promise<void> {
  const logger = new Logger('Main');
  const config = await bootConfig(logger);
  const app = await createApp(config);
  closeOnSignals(app, config.embedded, logger);
  await app.listen(config.port, '0.0.0.0');
  logger.log(`API listening on http://localhost:${config.port}/api/agents (workers ${config.workers ? 'on' : 'off'})`);
}

void main();
