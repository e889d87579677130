import { z } from 'zod';
import type { Logger } from '../core';
import { openServiceSchema } from '../modules/inventory';
import type { Metrics } from './metrics';
import type { BusMessage, MessageBus } from './mqtt';
import type { Services } from './services';

/** A device's `state` message: what it reports about itself. */
export const stateMessageSchema = z.strictObject({
  /** Gateways and sensors report for a device of the same organisation; devices omit it. */
  deviceId: z.uuid().optional(),
  firmwareVersion: z.string().trim().min(1).max(120).optional(),
  openServices: z.array(openServiceSchema).max(256).optional(),
  at: z.iso.datetime({ offset: true }).optional(),
});

export type ChannelHandler = (m: BusMessage) => Promise<void>;

/**
 * Telemetry ingest: validates every message, rejects a bad one with a counted reason and a log line,
 * and never lets one message stop the stream (DESIGN.md §2).
 */
export class Ingest {
  private readonly handlers = new Map<string, ChannelHandler>();

  constructor(
    private readonly services: Services,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
  ) {
    this.handlers.set('state', (m) => this.state(m));
  }

  /** Detection registers its packet and flow consumers here. */
  on(channel: 'flows' | 'packets', handler: ChannelHandler): void {
    this.handlers.set(channel, handler);
  }

  attach(bus: MessageBus): void {
    bus.onMessage((m) => this.handle(m));
  }

  async handle(m: BusMessage): Promise<void> {
    const h = this.handlers.get(m.channel);
    if (!h) {
      this.reject(m, 'no_consumer', `no consumer for ${m.channel}`);
      return;
    }
    try {
      await h(m);
      this.metrics.mqttMessages.inc({ kind: m.channel, outcome: 'accepted' });
    } catch (e) {
      this.reject(m, 'invalid', (e as Error).message);
    }
  }

  reject(m: BusMessage, reason: string, message: string): void {
    this.metrics.mqttMessages.inc({ kind: m.channel, outcome: 'rejected' });
    this.metrics.ingestRejected.inc({ reason });
    this.logger.warn({ topic: m.topic, orgId: m.identity.orgId, reason }, `telemetry rejected: ${message}`);
  }

  private async state(m: BusMessage): Promise<void> {
    let body: unknown;
    try {
      body = JSON.parse(m.payload.toString('utf8'));
    } catch (e) {
      throw new Error(`state payload is not JSON: ${(e as Error).message}`);
    }
    const parsed = stateMessageSchema.safeParse(body);
    if (!parsed.success) {
      throw new Error(
        `state payload: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
      );
    }
    const deviceId = parsed.data.deviceId ?? m.identity.deviceId;
    if (!deviceId) throw new Error('state payload names no device and the client is not bound to one');
    if (
      parsed.data.deviceId &&
      m.identity.kind === 'device' &&
      parsed.data.deviceId !== m.identity.deviceId
    ) {
      throw new Error('a device may report only its own state');
    }
    const scope = this.services.tenancy.scope(m.identity.orgId);
    await this.services.inventory.applyState(
      scope,
      deviceId,
      {
        firmwareVersion: parsed.data.firmwareVersion,
        openServices: parsed.data.openServices?.map((s) => ({ ...s, service: s.service ?? null })),
        at: parsed.data.at ? new Date(parsed.data.at) : undefined,
      },
      `mqtt:${m.identity.username}`,
    );
  }
}
