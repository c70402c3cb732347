// `npm start` and the example app's commands (`agents`, `migrate`, `token`) build first only when
// a source changed since the last build, so they start at once otherwise. Every build step writes
// over its outputs and removes nothing first (tsc incremental, swc, vite without emptying), so a
// build never pulls files out from under a process already running from dist/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
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

/** Build outputs and the sources they come from: what has no source any more is removed after a build. */
const OUTPUTS = [
  { dist: 'dist/agent', source: 'src/agent' },
  { dist: 'dist/client', source: 'client' },
];
const OUTPUT_SUFFIX = /(\.d)?\.(js|ts)(\.map)?$/;

/**
 * Removes compiled files whose source was deleted or moved (a build only writes): the package
 * ships dist/agent and dist/client, and must not ship a module that no longer exists. Nothing
 * running imports such a file, so removing it never pulls anything from under a process.
 */
function pruneOrphans(dist, source) {
  if (!existsSync(dist)) return;
  for (const entry of readdirSync(dist, { withFileTypes: true })) {
    const out = join(dist, entry.name);
    if (entry.isDirectory()) {
      if (existsSync(join(source, entry.name))) pruneOrphans(out, join(source, entry.name));
      else rmSync(out, { recursive: true, force: true });
    } else if (OUTPUT_SUFFIX.test(entry.name)) {
      const stem = entry.name.replace(OUTPUT_SUFFIX, '');
      if (!existsSync(join(source, `${stem}.ts`))) rmSync(out, { force: true });
    }
  }
}

/**
 * The dashboard's hashed assets that its page no longer names: each build writes new ones beside the
 * old (a browser that loaded the old page may still ask for them), so only a full build
 * (`--always`: the package's, the tests') removes them: the package must not ship every old bundle.
 */
function pruneDashboardAssets(dir = 'dist/dashboard') {
  const page = join(dir, 'index.html');
  const assets = join(dir, 'assets');
  if (!existsSync(page) || !existsSync(assets)) return;
  const names = readdirSync(assets);
  // What the page names, and what those name in turn (a chunk the bundle imports).
  const kept = new Set();
  const pending = [readFileSync(page, 'utf8')];
  while (pending.length > 0) {
    const text = pending.pop();
    for (const name of names) {
      if (kept.has(name) || !text.includes(name)) continue;
      kept.add(name);
      pending.push(readFileSync(join(assets, name), 'utf8'));
    }
  }
  for (const name of names) if (!kept.has(name)) rmSync(join(assets, name), { force: true });
}

const built = existsSync(STAMP) ? statSync(STAMP).mtimeMs : 0;
const changed = Math.max(...SOURCES.map(newest));
if (process.argv.includes('--always') || changed >= built) {
  // The stamp takes the time the build started: a change made while it runs builds again next time.
  const startedAt = new Date();
  // NOTE: the dashboard is built for production whoever asks (a test runner sets NODE_ENV=test,
  // with which Vite leaves the bundle unminified): the page tested is the page shipped.
  execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
  for (const { dist, source } of OUTPUTS) pruneOrphans(dist, source);
  if (process.argv.includes('--always')) pruneDashboardAssets();
  mkdirSync('dist', { recursive: true });
  writeFileSync(STAMP, `${startedAt.toISOString()}\n`);
  utimesSync(STAMP, startedAt, startedAt);
}
