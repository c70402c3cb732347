import { Module } from '@nestjs/common';
import { FanOutAgent } from './fan-out.agent.js';
import { ResearchAgent } from './research.agent.js';
import { StepsAgent } from './steps.agent.js';

/** The demo's custom agents: plain providers, found by `AgentModule` through `@Agent()`. */
@Module({ providers: [StepsAgent, ResearchAgent, FanOutAgent] })
export class DemoModule {}
