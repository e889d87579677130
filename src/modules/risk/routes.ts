import { z } from 'zod';
import type { RouteDeps, ZodApp } from '../../server/http';
import type { ControlService } from './controls.service';
import { CONTROLS } from './domain/assessment';
import type { RiskService } from './risk.service';

const idParams = z.object({ id: z.string().max(100) });

const attestBody = z.strictObject({
  attested: z.boolean(),
  evidence: z.string().max(4000).default(''),
  expiresAt: z.union([z.iso.date(), z.iso.datetime({ offset: true })]),
});

export function registerRiskRoutes(
  app: ZodApp,
  deps: RouteDeps & { risk: RiskService; controls: ControlService },
) {
  const { risk, controls, contextOf } = deps;
  const tags = ['risk'];

  app.get(
    '/api/v1/controls',
    {
      schema: {
        tags,
        summary:
          'Every control telemetry cannot see, its attestation in force (present, absent or expired), earlier attestations and the decisions it feeds',
      },
    },
    async (req) => controls.list(await contextOf(req)),
  );

  app.put(
    '/api/v1/controls/:control',
    {
      schema: {
        tags,
        summary: `Attest a control (${CONTROLS.join(', ')}); supersedes the previous attestation, re-records the risk. Insured administrators only`,
        params: z.object({ control: z.string().max(100) }),
        body: attestBody,
      },
    },
    async (req) => controls.attest(await contextOf(req), req.params.control, req.body),
  );

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
