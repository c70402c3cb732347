import { type INestApplication, type LoggerService, type Provider, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from '../app.module.js';
import type { HostConfig } from './host-config.js';

/** Builds the example app (used by `main.ts`, `worker.ts` and the e2e tests). */
export async function createApp(
  config: HostConfig & { databaseUrl: string },
  options: { logger?: false | LoggerService; agents?: Provider[] } = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, options.agents), {
    bodyParser: false,
    // Webhook signatures are checked over the exact bytes received.
    rawBody: true,
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  // Larger than the library's input limit, so an oversize input gets the library's clear 413.
  app.useBodyParser('json', { limit: '2mb' });
  // NOTE: global pipes run before the library's own; `whitelist` alone would silently drop unknown fields.
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true, forbidNonWhitelisted: true }));
  return app;
}
