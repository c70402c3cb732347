import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { bootConfig } from './host/boot.js';
import { closeOnSignals } from './host/shutdown.js';

/** Workers only, no HTTP: run as many of these as the load needs (`npm run start:worker`). */
async function main(): Promise<void> {
  const logger = new Logger('Worker');
  const config = await bootConfig(logger, { workers: true });
  const app = await NestFactory.createApplicationContext(AppModule.register(config));
  closeOnSignals(app, config.embedded, logger);
  logger.log('Worker process ready');
}

void main();
