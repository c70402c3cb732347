import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

/**
 * The repo's scripts run on the Node the package's `engines` asks for, whatever the machine's own
 * Node is: npm puts node_modules/.bin first on the PATH, where the `node` dev dependency installs it.
 */
it('runs on a Node that the package engines accept', () => {
  const { engines } = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const [wantMajor, wantMinor] = /^>=(\d+)\.(\d+)/.exec(engines.node)!.slice(1).map(Number) as [number, number];
  expect(major > wantMajor || (major === wantMajor && minor >= wantMinor), `Node ${process.version}, engines ${engines.node}`).toBe(true);
  expect(major).toBeGreaterThanOrEqual(22);
});
