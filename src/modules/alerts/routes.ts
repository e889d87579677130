import { z } from 'zod';
import { pageQuery, type RouteDeps, type ZodApp } from '../../server/http';
import { ALERT_STATUSES, type AlertService, type AlertView } from './alerts.service';

const idParams = z.object({ id: z.string().max(100) });

export function registerAlertRoutes(
  app: ZodApp,
  deps: RouteDeps & {
    alerts: AlertService;
    subscribe: (orgId: string, fn: (a: AlertView) => void) => () => void;
  },
) {
  const { alerts, contextOf } = deps;

  app.get(
    '/api/v1/alerts',
    {
      schema: {
        tags: ['detection'],
        summary: 'Alerts, newest activity first, with filters',
        querystring: z.object({
          ...pageQuery,
          severity: z.string().max(60).optional(),
          status: z.string().max(80).optional(),
          behaviour: z.string().max(200).optional(),
          technique: z.string().max(20).optional(),
          deviceId: z.string().max(100).optional(),
          since: z.string().max(40).optional(),
        }),
      },
    },
    async (req) => {
      const ctx = await contextOf(req);
      const { limit, offset, ...filter } = req.query;
      return { ...(await alerts.list(ctx, filter, { limit, offset })), limit, offset };
    },
  );

  app.get(
    '/api/v1/alerts/stream',
    {
      schema: {
        tags: ['detection'],
        summary: 'Server-sent events: every alert stored or updated, as it happens',
        // EventSource cannot send headers, so the acting organisation may come as ?org= instead of x-org-id.
        querystring: z.object({ org: z.string().max(100).optional() }),
      },
    },
    async (req, reply) => {
      if (req.query.org) req.headers['x-org-id'] = req.query.org;
      const ctx = await contextOf(req);
      ctx.require('read');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
      res.write(': connected\n\n');
      const off = deps.subscribe(ctx.org.id, (a) =>
        res.write(`event: alert\ndata: ${JSON.stringify(a)}\n\n`),
      );
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      req.raw.on('close', () => {
        clearInterval(ping);
        off();
      });
    },
  );

  app.get(
    '/api/v1/alerts/:id',
    { schema: { tags: ['detection'], summary: 'One alert with its evidence', params: idParams } },
    async (req) => alerts.get(await contextOf(req), req.params.id),
  );

  app.patch(
    '/api/v1/alerts/:id',
    {
      schema: {
        tags: ['detection'],
        summary: 'Triage an alert: acknowledge, resolve, or mark a false positive',
        params: idParams,
        body: z.strictObject({ status: z.enum(ALERT_STATUSES), note: z.string().max(500).optional() }),
      },
    },
    async (req) => alerts.setStatus(await contextOf(req), req.params.id, req.body.status, req.body.note),
  );

  app.get(
    '/api/v1/devices/:id/traffic',
    {
      schema: {
        tags: ['detection'],
        summary: 'Per-minute flows, packets and bytes of a device',
        params: idParams,
        querystring: z.object({
          hours: z.coerce
            .number()
            .min(1)
            .max(24 * 14)
            .default(6),
        }),
      },
    },
    async (req) => alerts.deviceTraffic(await contextOf(req), req.params.id, req.query.hours),
  );
}
