import { z } from 'zod';
import { boolQuery, pageQuery, type RouteDeps, sendDownload, type ZodApp } from '../../server/http';
import type { CredentialService } from './credentials.service';
import { MAX_IMPORT_BYTES } from './domain/device-import';
import { deviceInputSchema, devicePatchSchema } from './domain/device-input';
import type { InventoryService } from './inventory.service';

const idParams = z.object({ id: z.string().max(100) });

export function registerInventoryRoutes(
  app: ZodApp,
  deps: RouteDeps & { inventory: InventoryService; credentials: CredentialService },
) {
  const { inventory, credentials, contextOf } = deps;

  app.get(
    '/api/v1/sites',
    { schema: { tags: ['inventory'], summary: 'Sites with device counts' } },
    async (req) => {
      const ctx = await contextOf(req);
      return { items: await inventory.listSites(ctx) };
    },
  );

  app.post(
    '/api/v1/sites',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Create a site',
        body: z.strictObject({
          name: z.string().trim().min(1).max(120),
          address: z.string().max(300).nullable().optional(),
          country: z.string().length(2).nullable().optional(),
        }),
      },
    },
    async (req, reply) => reply.code(201).send(await inventory.createSite(await contextOf(req), req.body)),
  );

  app.get(
    '/api/v1/devices',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Devices, filtered and paginated',
        querystring: z.object({
          ...pageQuery,
          kind: z.string().max(200).optional(),
          vendor: z.string().max(120).optional(),
          siteId: z.string().max(100).optional(),
          status: z.string().max(100).optional(),
          criticality: z.string().max(100).optional(),
          segment: z.string().max(60).optional(),
          exposed: boolQuery,
          safetyCritical: boolQuery,
          q: z.string().max(120).optional(),
          sort: z.enum(['name', 'kind', 'vendor', 'lastSeenAt', 'criticality']).optional(),
        }),
      },
    },
    async (req) => {
      const ctx = await contextOf(req);
      const { limit, offset, ...filter } = req.query;
      const page = await inventory.listDevices(ctx, filter, { limit, offset });
      return { ...page, limit, offset };
    },
  );

  app.post(
    '/api/v1/devices',
    { schema: { tags: ['inventory'], summary: 'Register a device', body: deviceInputSchema } },
    async (req, reply) => reply.code(201).send(await inventory.createDevice(await contextOf(req), req.body)),
  );

  app.get(
    '/api/v1/devices/export',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Export all devices as CSV or JSON (the import layout)',
        querystring: z.object({ format: z.enum(['csv', 'json']).default('csv') }),
      },
    },
    async (req, reply) => {
      const ctx = await contextOf(req);
      const body = await inventory.exportDevices(ctx, req.query.format);
      const type = req.query.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json';
      return sendDownload(reply, body, `devices-${ctx.org.slug}.${req.query.format}`, type);
    },
  );

  // The import route reads its body as bytes whatever the content type, so JSON errors keep their byte
  // offsets and binary junk is named as such (an encapsulated context with its own parsers).
  app.register(async (plugin) => {
    const sub = plugin as unknown as ZodApp;
    sub.removeContentTypeParser('application/json');
    sub.addContentTypeParser(
      'application/json',
      { parseAs: 'buffer', bodyLimit: MAX_IMPORT_BYTES },
      (_req, body, done) => done(null, body),
    );
    sub.post(
      '/api/v1/devices/import',
      {
        bodyLimit: MAX_IMPORT_BYTES,
        schema: {
          tags: ['inventory'],
          summary:
            'Import a CSV or JSON device file: all rows or none; every bad row named with line and field',
          description: `Send the file as the request body with content-type text/csv or application/json (at most ${MAX_IMPORT_BYTES} bytes).`,
          querystring: z.object({ format: z.enum(['csv', 'json', 'auto']).default('auto') }),
        },
      },
      async (req, reply) => {
        const ctx = await contextOf(req);
        const body = req.body as Buffer | string | undefined;
        const bytes = typeof body === 'string' ? Buffer.from(body) : (body ?? Buffer.alloc(0));
        return reply.code(201).send(await inventory.importDevices(ctx, bytes, req.query.format));
      },
    );
  });

  app.get(
    '/api/v1/devices/:id',
    { schema: { tags: ['inventory'], summary: 'One device', params: idParams } },
    async (req) => inventory.getDevice(await contextOf(req), req.params.id),
  );

  app.get(
    '/api/v1/devices/:id/history',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Recorded changes of a device (firmware, services, status)',
        params: idParams,
      },
    },
    async (req) => ({ items: await inventory.deviceHistory(await contextOf(req), req.params.id) }),
  );

  app.patch(
    '/api/v1/devices/:id',
    {
      schema: { tags: ['inventory'], summary: 'Change a device', params: idParams, body: devicePatchSchema },
    },
    async (req) => inventory.updateDevice(await contextOf(req), req.params.id, req.body),
  );

  app.delete(
    '/api/v1/devices/:id',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Retire a device (kept as evidence, status retired)',
        params: idParams,
      },
    },
    async (req) => inventory.retireDevice(await contextOf(req), req.params.id),
  );

  app.get(
    '/api/v1/mqtt/credentials',
    { schema: { tags: ['mqtt'], summary: 'MQTT client credentials' } },
    async (req) => ({
      items: await credentials.list(await contextOf(req)),
    }),
  );

  app.post(
    '/api/v1/mqtt/credentials',
    {
      schema: {
        tags: ['mqtt'],
        summary: 'Create MQTT credentials for a device, sensor or gateway; the password is shown only here',
        body: z.strictObject({
          clientName: z.string().max(63),
          kind: z.enum(['device', 'sensor', 'gateway']),
          deviceId: z.string().max(100).nullable().optional(),
        }),
      },
    },
    async (req, reply) => reply.code(201).send(await credentials.create(await contextOf(req), req.body)),
  );

  app.delete(
    '/api/v1/mqtt/credentials/:id',
    { schema: { tags: ['mqtt'], summary: 'Revoke MQTT credentials', params: idParams } },
    async (req, reply) => {
      await credentials.revoke(await contextOf(req), req.params.id);
      return reply.code(204).send();
    },
  );
}
