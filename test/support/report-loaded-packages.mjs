// Preloaded (`--import=<this file>`): when the process exits, it writes to stderr one line
// `loaded packages: a, b, …`, the packages under node_modules it loaded, and whether it loaded the
// library itself (`nestjs-agents`, by the build under dist/agent or its sources).
import { registerHooks } from 'node:module';

const packages = new Set();
registerHooks({
  load(url, context, nextLoad) {
    const inModules = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
    if (inModules) packages.add(inModules[1]);
    else if (/\/(dist|src)\/agent\/index\.(js|ts)$/.test(url)) packages.add('nestjs-agents');
    return nextLoad(url, context);
  },
});
process.on('exit', () => process.stderr.write(`\nloaded packages: ${[...packages].sort().join(', ')}\n`));
