import type { INestApplication, INestApplicationContext, Logger } from '@nestjs/common';
import type { EmbeddedDatabase } from './embedded-postgres.js';

/**
 * SIGTERM/SIGINT: the app closes (workers finish or checkpoint their step, connections close),
 * then the embedded PostgreSQL stops. A second signal exits at once.
 */
export function closeOnSignals(app: INestApplication | INestApplicationContext, embedded: EmbeddedDatabase | null, logger: Logger): void {
  let closing = false;
  const close = async (signal: string) => {
    if (closing) process.exit(1);
    closing = true;
    logger.log(`${signal}: shutting down`);
    try {
      await app.close();
      if (embedded) await embedded.stop();
      process.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${(error as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));
}
