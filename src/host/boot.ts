import { ConsoleLogger, Logger } from '@nestjs/common';
import type { EmbeddedDatabase } from './embedded-postgres.js';
import { readHostConfig, type HostConfig } from './host-config.js';

export interface BootedConfig extends HostConfig {
  databaseUrl: string;
  embedded: EmbeddedDatabase | null;
}

const redact = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]+@/, '//$1:***@');

/** Reads the environment and, without `DATABASE_URL`, starts the embedded PostgreSQL. Says what it chose. */
export async function bootConfig(logger: Logger, overrides: Partial<HostConfig> = {}): Promise<BootedConfig> {
  let config: HostConfig;
  try {
    config = { ...readHostConfig(), ...overrides };
  } catch (error) {
    logger.error((error as Error).message);
    process.exit(1);
  }
  // Every logger of the process, the library's included, from here on.
  if (config.logFormat === 'json') Logger.overrideLogger(new ConsoleLogger({ json: true, flattenParams: true }));
  if (config.jwtSecretIsDefault) logger.warn('JWT_SECRET is not set: using the development secret. Never do this in production.');
  let embedded: EmbeddedDatabase | null = null;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.log('DATABASE_URL is not set: starting the embedded PostgreSQL (.data/postgres)');
    // NOTE: loaded only here: embedded-postgres is a dev dependency, absent from a production image.
    const { startEmbeddedPostgres } = await import('./embedded-postgres.js');
    embedded = await startEmbeddedPostgres((m) => logger.log(m));
    databaseUrl = embedded.url;
  }
  logger.log(`Database: ${redact(databaseUrl)}${embedded ? ' (embedded)' : ''}`);
  const redis = config.redisClusterNodes
    ? `Redis Cluster ${config.redisClusterNodes.map(redact).join(', ')}`
    : config.redisUrl && redact(config.redisUrl);
  logger.log(`Transport: ${config.transport}${config.transport === 'redis' ? ` (${redis})` : ' (PostgreSQL queues and notifications)'}`);
  return { ...config, databaseUrl, embedded };
}
