import { Logger, type Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import { WebSocketGateway } from '@nestjs/websockets';
import { ApiExcludeController } from '@nestjs/swagger';
import type { AgentRouteGroup, GatewayCors, ResolvedHttpOptions } from './http.options.js';

/**
 * A library controller the module may mount: its group, and where the options put it (null: nowhere).
 * `O`: the options its path is read from (the module's, which this folder does not know).
 */
export interface RouteDefinition<O extends ResolvedHttpOptions = ResolvedHttpOptions> {
  group: AgentRouteGroup;
  controller: Type;
  path(options: O): string | null;
}

export interface MountedRoute {
  group: AgentRouteGroup;
  controller: Type;
  /** Null when not mounted. */
  path: string | null;
}

/**
 * A subclass of a library controller (or gateway) made for one `AgentModule` import, so its path is
 * that import's own, never another app's in the same process. Mounted nowhere until `mountRoutes`.
 */
export function ownClass<T extends Type>(base: T): T {
  const made = { [base.name]: class extends base {} }[base.name]!;
  Reflect.defineMetadata(PATH_METADATA, [], made);
  return made;
}

/** The canonical path a controller's decorator gave it (`api/agents`). */
export const declaredPath = (controller: Type): string => String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');

/** `a`, `/b/` → `a/b`; empty parts dropped. */
export const joinPath = (...parts: string[]): string =>
  parts
    .flatMap((p) => p.split('/'))
    .filter((p) => p !== '')
    .join('/');

/**
 * Writes each controller's path from the options: `[path]`, or `[]` (a controller with no path has
 * no route, and is left out of OpenAPI documents, the host's own included). NOTE: runs while providers are made, before `app.init()` registers routes and reads the
 * paths, as `RouterModule` writes module paths; so paths may come from `forRootAsync` options.
 */
export function mountRoutes<O extends ResolvedHttpOptions>(definitions: RouteDefinition<O>[], options: O): MountedRoute[] {
  return definitions.map(({ group, controller, path: pathOf }) => {
    const path = options.http.routes.has(group) ? pathOf(options) : null;
    Reflect.defineMetadata(PATH_METADATA, path === null ? [] : [path], controller);
    if (path === null) ApiExcludeController()(controller);
    return { group, controller, path };
  });
}

/** Declares the gateway's namespace and CORS from the options, or leaves it undeclared (no gateway). */
export function mountGateway(gateway: Type, options: ResolvedHttpOptions & { realtime: { namespace: string; cors: GatewayCors } }): void {
  if (!options.http.routes.has('realtime')) {
    new Logger('AgentModule').log('The Socket.IO gateway is not mounted (http.routes)');
    return;
  }
  WebSocketGateway({ namespace: options.realtime.namespace, cors: options.realtime.cors })(gateway);
}

/** What one `AgentModule` import mounted (`mountRoutes`), for the boot's collision check. */
export const MOUNTED_ROUTES = Symbol('MOUNTED_ROUTES');
