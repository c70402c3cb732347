import 'reflect-metadata';
import { ConsoleLogger, Logger, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  describeMaintenanceReport,
  exitCodeOf,
  InvalidMaintenanceRequestError,
  MAINTENANCE_USAGE,
  MaintenanceExitCode,
  MaintenanceService,
  MaintenanceUsageError,
  parseMaintenanceCommand,
  runMaintenanceCommand,
  type MaintenanceCommand,
} from 'nestjs-agents';
import { AppModule } from './app.module.js';
import { bootConfig } from './host/boot.js';

/**
 * Maintenance commands (`npm run agents -- <command>`, see `MAINTENANCE_USAGE`): boots the example
 * app as an application context without workers, runs one job, closes. The report goes to
 * stdout; logs go to stderr, so `--json` output can be piped.
 */

/** Nest's console logger, on stderr. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _stream?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

async function main(argv: string[]): Promise<number> {
  let command: MaintenanceCommand;
  try {
    command = parseMaintenanceCommand(argv);
  } catch (error) {
    if (!(error instanceof MaintenanceUsageError)) throw error;
    process.stderr.write(`${error.message}\nRun \`npm run agents -- --help\` for the commands and their options.\n`);
    return MaintenanceExitCode.Usage;
  }
  if (command.name === 'help') {
    process.stdout.write(`${MAINTENANCE_USAGE}\n`);
    return MaintenanceExitCode.Done;
  }

  const levels: LogLevel[] = command.verbose ? ['fatal', 'error', 'warn', 'log', 'debug'] : ['fatal', 'error', 'warn'];
  const logger = new StderrLogger('AgentsCli', { logLevels: levels });
  Logger.overrideLogger(logger);
  // NOTE: the CLI neither issues nor checks tokens, so the development-secret warning does not apply.
  const config = await bootConfig(new Logger('AgentsCli'), { workers: false, maintenance: false, jwtSecretIsDefault: false });
  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(AppModule.register(config), { logger, abortOnError: false });
    const report = await runMaintenanceCommand(app.get(MaintenanceService), command);
    process.stdout.write(command.json ? `${JSON.stringify(report)}\n` : `${describeMaintenanceReport(report).join('\n')}\n`);
    return exitCodeOf(report);
  } catch (error) {
    if (!(error instanceof InvalidMaintenanceRequestError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return MaintenanceExitCode.Usage;
  } finally {
    await app?.close();
    await config.embedded?.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.stack ?? error.message}\n`);
    process.exit(MaintenanceExitCode.Failed);
  },
);
