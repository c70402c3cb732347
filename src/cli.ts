import type { INestApplicationContext, LogLevel } from '@nestjs/common';
import {
  describeMaintenanceReport,
  exitCodeOf,
  MAINTENANCE_USAGE,
  MaintenanceExitCode,
  MaintenanceUsageError,
  parseMaintenanceCommand,
  runMaintenanceCommand,
  type MaintenanceCommand,
} from 'nestjs-agents/maintenance';

/**
 * Maintenance commands (`npm run agents -- <command>`, see `MAINTENANCE_USAGE`): boots the example
 * app as an application context without workers, runs one job, closes. The report goes to
 * stdout; logs go to stderr, so `--json` output can be piped.
 *
 * NOTE: the arguments are read before anything else loads (`nestjs-agents/maintenance` is the
 * commands alone): `--help` and a typo answer at once, not after the library and Nest have loaded.
 */
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

  // Decorator metadata first: the app's modules and providers read it as they load.
  await import('reflect-metadata');
  const [
    { Logger },
    { NestFactory },
    { InvalidMaintenanceRequestError, MaintenanceService },
    { AppModule },
    { bootConfig },
    { StderrLogger },
  ] = await Promise.all([
    import('@nestjs/common'),
    import('@nestjs/core'),
    import('nestjs-agents'),
    import('./app.module.js'),
    import('./host/boot.js'),
    import('./host/stderr-logger.js'),
  ]);
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
