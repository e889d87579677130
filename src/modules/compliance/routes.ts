import { z } from 'zod';
import type { RouteDeps, ZodApp } from '../../server/http';
import type { BaselineService } from './baselines.service';

const idParams = z.object({ id: z.string().max(100) });

export function registerComplianceRoutes(app: ZodApp, deps: RouteDeps & { baselines: BaselineService }) {
  const { baselines, contextOf } = deps;
  const tags = ['compliance'];

  app.get('/api/v1/baselines', { schema: { tags, summary: 'Built-in baselines' } }, async (req) => ({
    items: baselines.list(await contextOf(req)),
  }));

  app.get(
    '/api/v1/baselines/:id/evaluation',
    {
      schema: {
        tags,
        summary:
          'The organisation against a baseline: per requirement and per device, met / not met / unknown',
        params: idParams,
      },
    },
    async (req) => baselines.evaluation(await contextOf(req), req.params.id),
  );

  app.get(
    '/api/v1/baselines/:id/report',
    { schema: { tags, summary: 'Printable HTML report for an auditor', params: idParams } },
    async (req, reply) => {
      const html = await baselines.report(await contextOf(req), req.params.id);
      return reply.header('content-type', 'text/html; charset=utf-8').send(html);
    },
  );
}
