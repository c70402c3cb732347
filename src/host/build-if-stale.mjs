// `npm start` and the example app's commands (`agents`, `migrate`, `token`) build first only when
// a source changed since the last build, so they start at once otherwise. Every build step writes
// over its outputs and removes nothing first (tsc incremental, swc, vite without emptying), so a
// build never pulls files out from under a process already running from dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['src', 'client', 'ormconfig.ts', 'package.json', 'package-lock.json', 'tsconfig.json'];
const STAMP = 'dist/.build-stamp';

/** The newest modification time under `path` (node_modules and dist skipped). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = stat.mtimeMs;
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    latest = Math.max(latest, newest(join(path, entry)));
  }
  return latest;
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const changed = Math.max(...SOURCES.map(newest));
if (process.argv.includes('--always') || changed >= built) {
  // The stamp takes the time the build started: a change made while it runs builds again next time.
  const startedAt = new Date();
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit' });
  mkdirSync('dist', { recursive: true });
  writeFileSync(STAMP, `${startedAt.toISOString()}\n`);
  utimesSync(STAMP, startedAt, startedAt);
}
