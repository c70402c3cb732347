import { Inject, Injectable, OnModuleInit, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, MODULE_PATH, PATH_METADATA } from '@nestjs/common/constants.js';
import { HttpAdapterHost, MetadataScanner, ModulesContainer } from '@nestjs/core';
import { joinPath, MOUNTED_ROUTES, type MountedRoute } from './mounted-routes.js';

interface Route {
  method: RequestMethod;
  /** Normalised: parameters as `:`, wildcards as `*`. */
  path: string;
  shown: string;
  controller: string;
}

/** Two controllers answering the same method and path: the one registered first shadows the other. */
export interface RouteCollision {
  route: string;
  library: string;
  host: string;
}

const scanner = new MetadataScanner();
const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : [String(value ?? '')]);
const normalise = (path: string): string =>
  `/${joinPath(path)}`
    .replace(/\{?\/?\*[A-Za-z0-9_]*\}?/g, '/*')
    .replace(/:[A-Za-z0-9_]+/g, ':')
    .replace(/\/+/g, '/');

/** The routes a controller declares, under its module's path (RouterModule) and its own. */
function routesOf(controller: Type, modulePath: string): Route[] {
  const routes: Route[] = [];
  const prototype = controller.prototype as Record<string, unknown>;
  for (const name of scanner.getAllMethodNames(prototype)) {
    const handler = prototype[name];
    if (typeof handler !== 'function') continue;
    const methodPaths = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
    if (methodPaths === undefined) continue;
    const method = (Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined) ?? RequestMethod.GET;
    for (const controllerPath of asList(Reflect.getMetadata(PATH_METADATA, controller))) {
      for (const methodPath of asList(methodPaths)) {
        const shown = `/${joinPath(modulePath, controllerPath, methodPath)}`;
        routes.push({ method, path: normalise(shown), shown, controller: controller.name });
      }
    }
  }
  return routes;
}

const clash = (a: Route, b: Route): boolean =>
  a.path === b.path && (a.method === b.method || a.method === RequestMethod.ALL || b.method === RequestMethod.ALL);

/**
 * Every route of the library that a host controller also declares (same method and path, after the
 * module paths `RouterModule` gives). Both get the app's global prefix, so it changes nothing here.
 * Routes a host mounts on the adapter itself, outside Nest, are not seen.
 */
export function findRouteCollisions(modules: ModulesContainer, ours: ReadonlySet<Type>): RouteCollision[] {
  const library: Route[] = [];
  const host: Route[] = [];
  for (const module of modules.values()) {
    const modulePath = String(
      Reflect.getMetadata(MODULE_PATH + modules.applicationId, module.metatype) ?? Reflect.getMetadata(MODULE_PATH, module.metatype) ?? '',
    );
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller || wrapper.isNotMetatype) continue;
      (ours.has(controller) ? library : host).push(...routesOf(controller, modulePath));
    }
  }
  const collisions: RouteCollision[] = [];
  for (const a of library) {
    for (const b of host)
      if (clash(a, b)) collisions.push({ route: `${RequestMethod[a.method]} ${a.shown}`, library: a.controller, host: b.controller });
  }
  return collisions;
}

export class RouteCollisionError extends Error {
  constructor(readonly collisions: RouteCollision[]) {
    super(
      `Routes of AgentModule collide with the app's own (one would silently shadow the other):\n${collisions
        .map((c) => `  - ${c.route}: the library's ${c.library} and the app's ${c.host}`)
        .join(
          '\n',
        )}\nMove the library's routes (http.prefix, observability.metricsPath / healthPath, dashboard.path), leave a group out (http.routes), or move the app's route.`,
    );
    this.name = 'RouteCollisionError';
  }
}

/**
 * Fails the boot when a route of the library and one of the app answer the same request, instead
 * of letting one silently shadow the other. Runs in `app.init()`, once every controller has its path.
 */
@Injectable()
export class RouteCollisionCheck implements OnModuleInit {
  constructor(
    @Inject(MOUNTED_ROUTES) private readonly mounted: MountedRoute[],
    private readonly modules: ModulesContainer,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onModuleInit(): void {
    // NOTE: an application context (a worker process) serves no routes.
    if (!this.adapterHost.httpAdapter) return;
    const collisions = findRouteCollisions(this.modules, new Set(this.mounted.map((m) => m.controller)));
    if (collisions.length > 0) throw new RouteCollisionError(collisions);
  }
}
