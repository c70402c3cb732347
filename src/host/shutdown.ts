import type { INestApplication, INestApplicationContext, Logger } from '@nestjs/common';
import type { EmbeddedDatabase } from './embedded-postgres.js';

/** A Ctrl+C under `npm start` arrives twice (from the terminal and forwarded by npm): one shutdown. */
const REPEAT_WINDOW_MS = 2000;

/**
 * SIGTERM/SIGINT: the app closes (workers finish or checkpoint their step, connections close),
 * then the embedded PostgreSQL stops. A later second signal forces the exit.
 */
export function closeOnSignals(app: INestApplication | INestApplicationContext, embedded: EmbeddedDatabase | null, logger: Logger): void {
  let firstSignalAt: number | null = null;
  const close = async (signal: string) => {
    if (firstSignalAt !== null) {
      if (Date.now() - firstSignalAt < REPEAT_WINDOW_MS) return;
      logger.warn(`${signal} again: exiting without waiting`);
      embedded?.kill();
      process.exit(1);
    }
    firstSignalAt = Date.now();
    logger.log(`${signal}: shutting down (workers finish or checkpoint their current step)`);
    try {
      await app.close();
      if (embedded) await embedded.stop();
      logger.log('Stopped');
      process.exit(0);
    } catch (error) {
      logger.error(`Shutdown failed: ${(error as Error).message}`);
      embedded?.kill();
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void close('SIGTERM'));
  process.on('SIGINT', () => void close('SIGINT'));
}
