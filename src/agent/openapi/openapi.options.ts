/** The OpenAPI document of the library's routes, and the Swagger UI page that shows it. */
export interface OpenApiOptions {
  /**
   * Where the Swagger UI page is served (default `api/docs`), the JSON document beside it at
   * `<path>-json`; under `http.prefix` like the REST API. `false` serves neither.
   */
  path?: string | false;
  /** The document's `info.title` (default `nestjs-agents`). */
  title?: string;
  /** The document's `info.version` (default `1.0.0`): the version of your API, not of the library. */
  version?: string;
}

export interface ResolvedOpenApiOptions {
  openapi: {
    /** `segment(/segment)*`, no leading or trailing slash; null: not served. */
    path: string | null;
    title: string;
    version: string;
  };
}

export function resolveOpenApiOptions(input: OpenApiOptions | undefined, problems: string[]): ResolvedOpenApiOptions {
  const given = input?.path ?? 'api/docs';
  const path = typeof given === 'string' ? given.replace(/^\/+|\/+$/g, '') : null;
  if (given !== false && (path === null || !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(path))) {
    problems.push("openapi.path must be a path such as 'api/docs', or false");
  }
  const title = input?.title ?? 'nestjs-agents';
  if (typeof title !== 'string' || title.length === 0) problems.push('openapi.title must be a non-empty string');
  const version = input?.version ?? '1.0.0';
  if (typeof version !== 'string' || version.length === 0) problems.push('openapi.version must be a non-empty string');
  return { openapi: { path: given === false ? null : path, title, version } };
}
