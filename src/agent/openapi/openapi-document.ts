import { Inject, Injectable, type INestApplication, type Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import type { Module } from '@nestjs/core/injector/module.js';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { AgentRegistry } from '../executions/registry/agent-registry.js';
import { MOUNTED_ROUTES, type MountedRoute } from '../http/mounted-routes.js';
import { AGENT_OPTIONS } from '../infrastructure/agent-options.token.js';
import { describeAgentInputs } from './agent-input-schemas.js';
import type { ResolvedOpenApiOptions } from './openapi.options.js';

/**
 * The OpenAPI document of the routes this `AgentModule` import mounted, and only those: built by
 * `@nestjs/swagger` from the controllers' and DTOs' decorators, at their real paths (the app's global
 * prefix, `RouterModule` paths, `http.prefix`). Built once, at the first request for it, when every
 * agent type is registered.
 *
 * A host's own `SwaggerModule.createDocument(app, …)` scans the library's controllers too (with the
 * same descriptions): its document, wherever it serves it, is untouched by this one.
 */
@Injectable()
export class AgentOpenApiDocument {
  private document: OpenAPIObject | null = null;

  constructor(
    @Inject(MOUNTED_ROUTES) private readonly mounted: MountedRoute[],
    @Inject(AGENT_OPTIONS) private readonly options: ResolvedOpenApiOptions,
    private readonly modules: ModulesContainer,
    private readonly config: ApplicationConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly registry: AgentRegistry,
  ) {}

  get(): OpenAPIObject {
    return (this.document ??= this.build());
  }

  private build(): OpenAPIObject {
    const info = new DocumentBuilder()
      .setTitle(this.options.openapi.title)
      .setVersion(this.options.openapi.version)
      .setDescription('Durable AI agent executions: start, watch, control and inspect them.')
      .build();
    // NOTE: `SwaggerModule.createDocument` reads the app's modules, configuration and adapter type
    // (`container.getModules()`, `config`, `getHttpAdapter()`); given only the modules that hold this
    // import's mounted controllers, with only those controllers, it documents the library alone.
    const app = {
      container: { getModules: () => this.libraryModules() },
      config: this.config,
      getHttpAdapter: () => this.adapterHost.httpAdapter,
    } as unknown as INestApplication;
    const document = SwaggerModule.createDocument(app, info, {
      operationIdFactory: (controller, method) => `${controller.replace(/Controller$/, '')}_${method}`,
    });
    return describeAgentInputs(document, this.registry);
  }

  /** The modules holding a mounted controller of this import, each with only those controllers. */
  private libraryModules(): Map<string, Module> & { applicationId: string | undefined } {
    const ours = new Set<Type>(this.mounted.map((m) => m.controller).filter(isMounted));
    const scoped = new Map<string, Module>();
    for (const [token, module] of this.modules) {
      const controllers = [...module.controllers].filter(([, wrapper]) => ours.has(wrapper.metatype as Type));
      if (controllers.length === 0) continue;
      scoped.set(token, {
        metatype: module.metatype,
        controllers: new Map<unknown, InstanceWrapper>(controllers),
        imports: new Set(),
      } as unknown as Module);
    }
    return Object.assign(scoped, { applicationId: this.modules.applicationId });
  }
}

/** Mounted where Nest registered its routes: a controller with no path (`[]`) has none. */
const isMounted = (controller: Type): boolean => {
  const path: unknown = Reflect.getMetadata(PATH_METADATA, controller);
  return Array.isArray(path) ? path.length > 0 : typeof path === 'string';
};
