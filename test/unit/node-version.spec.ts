import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { MIN_NODE, unsupportedNode } from '../../bench/support/node-runtime.js';

const { engines } = JSON.parse(readFileSync('package.json', 'utf8')) as { engines: { node: string } };

/**
 * The repo's scripts run on the Node the package's `engines` asks for, whatever the machine's own
 * Node is: npm puts node_modules/.bin first on the PATH, where the `node` dev dependency installs it.
 */
it('runs on a Node that the package engines accept', () => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const [wantMajor, wantMinor] = /^>=(\d+)\.(\d+)/.exec(engines.node)!.slice(1).map(Number) as [number, number];
  expect(major > wantMajor || (major === wantMajor && minor >= wantMinor), `Node ${process.version}, engines ${engines.node}`).toBe(true);
  expect(major).toBeGreaterThanOrEqual(22);
});

it('lets benchmarks run on that Node only, saying why otherwise', () => {
  expect(engines.node).toBe(`>=${MIN_NODE.join('.')}.0`);
  expect(unsupportedNode('22.12.0')).toBeNull();
  expect(unsupportedNode('24.21.0')).toBeNull();
  expect(unsupportedNode('22.11.0')).toContain('npm run bench');
  expect(unsupportedNode('20.20.2')).toContain('Node 20.20.2 is older than the package');
});
