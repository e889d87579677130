import { z } from 'zod';
import type { RouteDeps, ZodApp } from '../../server/http';
import type { RiskService } from './risk.service';

const idParams = z.object({ id: z.string().max(100) });

export function registerRiskRoutes(app: ZodApp, deps: RouteDeps & { risk: RiskService }) {
  const { risk, contextOf } = deps;
  const tags = ['risk'];

  app.get(
    '/api/v1/risk',
    {
      schema: {
        tags,
        summary:
          'Organisation risk score with its factors, the riskiest devices and what would lower it most',
        querystring: z.object({ top: z.coerce.number().int().min(1).max(100).default(10) }),
      },
    },
    async (req) => risk.organisationRisk(await contextOf(req), req.query.top),
  );

  app.get(
    '/api/v1/risk/history',
    {
      schema: {
        tags,
        summary: 'Stored organisation (or one device) scores, oldest first, one per assessment',
        querystring: z.object({
          deviceId: z.string().max(100).optional(),
          limit: z.coerce.number().int().min(1).max(2000).default(365),
        }),
      },
    },
    async (req) => ({
      items: await risk.history(await contextOf(req), req.query.deviceId, req.query.limit),
    }),
  );

  app.get(
    '/api/v1/devices/:id/risk',
    {
      schema: {
        tags,
        summary: 'One device’s risk score with every factor and its history',
        params: idParams,
      },
    },
    async (req) => risk.deviceRisk(await contextOf(req), req.params.id),
  );
}
