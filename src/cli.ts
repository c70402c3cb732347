import 'reflect-metadata';

/** Maintenance commands (`npm run agents -- <command>`). */
const COMMANDS: Record<string, string> = {};

function main(argv: string[]): void {
  const [command] = argv;
  if (!command || !(command in COMMANDS)) {
    const known = Object.keys(COMMANDS);
    console.error(
      command ? `Unknown command '${command}'.` : 'No command given.',
      known.length ? `Commands: ${known.join(', ')}` : 'No commands are available yet.',
    );
    process.exit(2);
  }
}

main(process.argv.slice(2));
