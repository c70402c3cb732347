import { Get, Header, Req } from '@nestjs/common';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { AgentController, RouteAccess } from '../http/agent-controller.decorator.js';
import { rawRequest } from '../http/raw-http.js';
import { AgentOpenApiDocument } from './openapi-document.js';
import { loadSwaggerUiAssets, SWAGGER_UI_INIT, swaggerUiPage } from './swagger-ui-assets.js';

/** The OpenAPI document as JSON, at `<openapi.path>-json` (its path is given at boot). */
@ApiExcludeController()
@AgentController('', RouteAccess.Public)
export class OpenApiJsonController {
  constructor(private readonly document: AgentOpenApiDocument) {}

  @Get()
  json(): OpenAPIObject {
    return this.document.get();
  }
}

/** Swagger UI at `<openapi.path>` (its path is given at boot), with its two files beside it. */
@ApiExcludeController()
@AgentController('', RouteAccess.Public)
export class OpenApiPageController {
  private assets: ReturnType<typeof loadSwaggerUiAssets> | null = null;

  constructor(private readonly document: AgentOpenApiDocument) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(@Req() req: unknown): string {
    const request = rawRequest(req) as { originalUrl?: string; url?: string };
    const path = (request.originalUrl ?? request.url ?? '/').split('?')[0]!;
    return swaggerUiPage(path, this.document.get().info.title);
  }

  @Get('swagger-ui-init.js')
  @Header('content-type', 'application/javascript; charset=utf-8')
  init(): string {
    return SWAGGER_UI_INIT;
  }

  @Get('swagger-ui.css')
  @Header('content-type', 'text/css; charset=utf-8')
  css(): string {
    return this.asset('swagger-ui.css');
  }

  @Get('swagger-ui-bundle.js')
  @Header('content-type', 'application/javascript; charset=utf-8')
  bundle(): string {
    return this.asset('swagger-ui-bundle.js');
  }

  /** Read at the first request for the page's files, not at boot. */
  private asset(name: 'swagger-ui.css' | 'swagger-ui-bundle.js'): string {
    return (this.assets ??= loadSwaggerUiAssets()).get(name)!;
  }
}
