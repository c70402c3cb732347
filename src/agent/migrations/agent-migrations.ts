import { InitialSchema1795496268794 } from './1795496268794-InitialSchema.js';

/** In order of creation. */
export const AGENT_MIGRATIONS: Function[] = [InitialSchema1795496268794];
