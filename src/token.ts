import { parseArgs } from 'node:util';
import { signDemoToken } from './demo/demo-auth.js';
import { DEV_JWT_SECRET } from './host/host-config.js';

/** `npm run token -- --tenant t1 --user u1 [--tier pro] [--admin]`: prints a bearer token for the demo auth. */
const { values } = parseArgs({
  options: {
    tenant: { type: 'string', default: 't1' },
    user: { type: 'string', default: 'u1' },
    tier: { type: 'string', default: 'free' },
    admin: { type: 'boolean', default: false },
  },
});
process.stdout.write(
  `${signDemoToken(process.env.JWT_SECRET || DEV_JWT_SECRET, { tenantId: values.tenant!, userId: values.user!, tier: values.tier, admin: values.admin })}\n`,
);
