/**
 * The oldest Node the figures speak for: the package's `engines` (`>=22.12.0`; a unit test keeps
 * the two the same). Run on another Node (the machine's own, when `node dist/bench/run.js` is
 * called directly) a benchmark measures that runtime instead: on Node 20 the same build spent
 * 1.6–2× the worker CPU per woken execution (`awaken`).
 */
export const MIN_NODE: readonly [major: number, minor: number] = [22, 12];

/** Why this Node cannot run the benchmarks, or null when it can. */
export function unsupportedNode(version: string = process.versions.node): string | null {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1])) return null;
  return (
    `Node ${version} is older than the package's engines (>=${MIN_NODE.join('.')}.0), so its figures would not be the library's: ` +
    `run the benchmarks through npm (npm run bench -- …), which uses the repo's own Node`
  );
}
