import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AgentModuleOptions } from './agent.options.js';

export interface AgentModuleExtras {
  /**
   * Register the module globally (default true): any module of the app injects `AgentManager` and
   * the other exports without importing `AgentModule`. `false`: only the modules that import it.
   */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableAgentModule,
  MODULE_OPTIONS_TOKEN: AGENT_MODULE_OPTIONS,
  OPTIONS_TYPE: AGENT_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: AGENT_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<AgentModuleOptions>({ moduleName: 'Agent' })
  .setClassMethodName('forRoot')
  .setExtras<AgentModuleExtras>({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
