import { Module } from '@nestjs/common';

/**
 * The options of `AgentModule.forRoot()`, resolved once, and the library's schema (`AGENT_SCHEMA`),
 * for every feature module it composes:
 * always global (like `TypeOrmCoreModule`), so `AgentModule` itself can be global or not as the
 * host chooses (`isGlobal`) without its features importing it back.
 */
@Module({})
export class AgentCoreModule {}
