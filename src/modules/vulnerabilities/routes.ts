import { z } from 'zod';
import { boolQuery, pageQuery, type RouteDeps, type ZodApp } from '../../server/http';
import type { FeedService } from './feeds.service';
import type { FindingsService } from './findings.service';

/** The KEV catalogue is ~1.5 MB; a CVE bundle of a few thousand records is tens of MB. */
export const MAX_FEED_BYTES = 64 * 1024 * 1024;

const idParams = z.object({ id: z.string().max(100) });
const stateQuery = z.enum(['open', 'fixed', 'all']).default('open');

export function registerVulnerabilityRoutes(
  app: ZodApp,
  deps: RouteDeps & { feeds: FeedService; findings: FindingsService },
) {
  const { feeds, findings, contextOf } = deps;
  const tags = ['vulnerabilities'];

  app.get(
    '/api/v1/feeds',
    { schema: { tags, summary: 'Stored feeds (CVE records, KEV, EPSS): counts and last import' } },
    async (req) => ({ items: await feeds.status(await contextOf(req)) }),
  );

  // Feed bodies are read as bytes whatever the content type, so JSON errors keep their byte offsets.
  app.register(async (plugin) => {
    const sub = plugin as unknown as ZodApp;
    sub.removeContentTypeParser('application/json');
    sub.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: MAX_FEED_BYTES },
      (_req, body, done) => done(null, body),
    );
    const bytesOf = (body: unknown) =>
      typeof body === 'string' ? Buffer.from(body) : ((body as Buffer | undefined) ?? Buffer.alloc(0));
    const description =
      'Send the file as the request body. Feeds are shared by every organisation: only an administrator ' +
      'acting in their own organisation may import; the findings of all organisations are re-evaluated.';
    sub.post(
      '/api/v1/feeds/cve',
      {
        bodyLimit: MAX_FEED_BYTES,
        schema: { tags, summary: 'Import CVE JSON 5 records (one record or an array)', description },
      },
      async (req, reply) =>
        reply.code(201).send(await feeds.importCveRecords(await contextOf(req), bytesOf(req.body))),
    );
    sub.post(
      '/api/v1/feeds/kev',
      {
        bodyLimit: MAX_FEED_BYTES,
        schema: { tags, summary: 'Import the CISA KEV catalogue (JSON)', description },
      },
      async (req, reply) =>
        reply.code(201).send(await feeds.importKev(await contextOf(req), bytesOf(req.body))),
    );
    sub.post(
      '/api/v1/feeds/epss',
      { bodyLimit: MAX_FEED_BYTES, schema: { tags, summary: 'Import a FIRST EPSS daily CSV', description } },
      async (req, reply) =>
        reply.code(201).send(await feeds.importEpss(await contextOf(req), bytesOf(req.body))),
    );
  });

  app.get(
    '/api/v1/findings',
    {
      schema: {
        tags,
        summary: 'Findings of the organisation (vulnerabilities and configuration), worst first',
        querystring: z.object({
          ...pageQuery,
          deviceId: z.string().max(100).optional(),
          kind: z.enum(['vuln', 'config']).optional(),
          status: z.enum(['affected', 'needs_review']).optional(),
          severity: z.enum(['critical', 'high', 'medium', 'low', 'unknown']).optional(),
          kev: boolQuery,
          state: stateQuery,
        }),
      },
    },
    async (req) => {
      const { limit, offset, ...filter } = req.query;
      return { ...(await findings.list(await contextOf(req), filter, { limit, offset })), limit, offset };
    },
  );

  app.get(
    '/api/v1/devices/:id/findings',
    {
      schema: {
        tags,
        summary: 'Findings of one device',
        params: idParams,
        querystring: z.object({ state: stateQuery }),
      },
    },
    async (req) => ({
      items: await findings.deviceFindings(await contextOf(req), req.params.id, req.query.state),
    }),
  );

  app.post(
    '/api/v1/assessments',
    { schema: { tags, summary: 'Re-assess every device of the organisation now (findings and risk)' } },
    async (req, reply) => reply.code(201).send(await findings.runNow(await contextOf(req))),
  );
}
