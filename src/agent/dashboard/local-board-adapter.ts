import type { AppViewRoute } from '@bull-board/api/typings/app';
import { ExpressAdapter } from '@bull-board/express';
import type { NextFunction, Request, Response } from 'express';

/** A `<link>` to another host: bull-board's page asks Google for its fonts this way. */
const EXTERNAL_LINK = /<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>\s*/gi;

/** bull-board's page without links to other hosts. */
export const withoutExternalLinks = (html: string): string => html.replace(EXTERNAL_LINK, '');

/**
 * bull-board's Express adapter, its page rendered without the external font stylesheet: the
 * dashboard sends no request off the machine (no admin's IP and no queue URL to a font CDN), and the
 * page falls back to the system's fonts, which its CSS names after the web fonts.
 */
export class LocalBoardAdapter extends ExpressAdapter {
  override setEntryRoute(route: AppViewRoute): ExpressAdapter {
    const view = (_req: Request, res: Response, next: NextFunction) => {
      const { name, params } = route.handler({ basePath: this.basePath, uiConfig: this.uiConfig });
      res.render(name, params, (error: Error | null, html?: string) => (error ? next(error) : res.send(withoutExternalLinks(html ?? ''))));
    };
    this.app[route.method](route.route, view);
    return this;
  }
}
