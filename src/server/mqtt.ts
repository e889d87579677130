import { createServer, type Server } from 'node:net';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { AppError, type Logger } from '../core';
import type { CredentialService, MqttIdentity } from '../modules/inventory';
import { type Channel, mayPublish, maySubscribe, parseTopic } from '../modules/telemetry/topics';
import type { Metrics } from './metrics';

/** One telemetry message, from a client whose identity the broker (or the credential table) vouches for. */
export interface BusMessage {
  identity: MqttIdentity;
  channel: Channel;
  topic: string;
  payload: Buffer;
}

export type MessageHandler = (m: BusMessage) => Promise<void>;

/** The product's side of MQTT: receive telemetry, send commands to gateways. */
export interface MessageBus {
  readonly kind: 'embedded' | 'external';
  /** Where clients connect ("mqtt://127.0.0.1:1883"). */
  readonly url: string;
  onMessage(handler: MessageHandler): void;
  publishCommand(topic: string, payload: object): Promise<void>;
  /** null when healthy, else why not. */
  health(): string | null;
  close(): Promise<void>;
}

interface Deps {
  credentials: CredentialService;
  metrics: Metrics;
  logger: Logger;
}

const identities = new WeakMap<Client, MqttIdentity>();

function authError(message: string, code: 4 | 5): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

/** The embedded aedes broker: every client authenticates with its own credentials and topic ACL. */
export async function startEmbeddedBroker(port: number, host: string, deps: Deps): Promise<MessageBus> {
  const handlers: MessageHandler[] = [];
  const broker = await Aedes.createBroker({
    authenticate: (client, username, password, done) => {
      if (!username || !password) {
        deps.metrics.mqttRefused.inc({ what: 'connect' });
        return done(authError('username and password required', 4), false);
      }
      deps.credentials
        .authenticate(username, password.toString('utf8'))
        .then((id) => {
          if (!id) {
            deps.metrics.mqttRefused.inc({ what: 'connect' });
            return done(authError('bad username or password', 4), false);
          }
          identities.set(client, id);
          done(null, true);
        })
        .catch((e) => done(authError((e as Error).message, 5), false));
    },
    // [MQTT-3.3.5-2] a refused PUBLISH is dropped; the client is disconnected for v3 clients.
    authorizePublish: (client, packet, done) => {
      const id = client ? identities.get(client) : undefined;
      if (!client) return done(null); // the product's own publishes (commands)
      if (!id || !mayPublish(id, packet.topic)) {
        deps.metrics.mqttRefused.inc({ what: 'publish' });
        deps.logger.warn({ client: client.id, topic: packet.topic }, 'mqtt publish refused');
        return done(new Error(`not allowed to publish to ${packet.topic}`));
      }
      done(null);
    },
    authorizeSubscribe: (client, sub, done) => {
      const id = identities.get(client);
      if (!id || !maySubscribe(id, sub.topic)) {
        deps.metrics.mqttRefused.inc({ what: 'subscribe' });
        // [MQTT-3.9.3] a SUBACK return code 0x80 tells the client this filter was refused.
        return done(null, null);
      }
      done(null, sub);
    },
  });
  broker.on('publish', (packet, client) => {
    if (!client) return;
    const id = identities.get(client);
    const t = parseTopic(packet.topic);
    if (!id || !t || t.channel === 'commands') return;
    const msg: BusMessage = {
      identity: id,
      channel: t.channel,
      topic: packet.topic,
      payload: Buffer.from(packet.payload),
    };
    for (const h of handlers) {
      h(msg).catch((e) => deps.logger.error({ err: e, topic: packet.topic }, 'telemetry handler failed'));
    }
  });
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'EADDRINUSE'
          ? new AppError(
              'unavailable',
              `MQTT port ${port} is already in use: set MQTT_PORT to a free port (or MQTT_URL to use that broker)`,
            )
          : e,
      );
    });
    server.listen(port, host, () => resolve());
  });
  const actualPort = (server.address() as { port: number }).port;
  return {
    kind: 'embedded',
    url: `mqtt://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actualPort}`,
    onMessage: (h) => handlers.push(h),
    publishCommand: (topic, payload) =>
      new Promise((resolve, reject) =>
        broker.publish(
          {
            cmd: 'publish',
            topic,
            payload: Buffer.from(JSON.stringify(payload)),
            qos: 1,
            retain: false,
            dup: false,
          },
          (err) => (err ? reject(err) : resolve()),
        ),
      ),
    health: () => (server.listening ? null : 'MQTT broker is not listening'),
    close: async () => {
      await new Promise<void>((r) => broker.close(() => r()));
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * An external broker (Mosquitto, EMQX). The broker enforces per-client ACLs; the product reads all
 * telemetry through an MQTT 5 shared subscription so several workers can split the stream, and only
 * accepts messages whose topic names a client that holds live credentials.
 */
export async function connectExternalBroker(
  url: string,
  deps: Deps,
  group = 'coverwatch',
): Promise<MessageBus> {
  const handlers: MessageHandler[] = [];
  const client: MqttClient = await mqtt
    .connectAsync(url, {
      protocolVersion: 5,
      clientId: `coverwatch-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      reconnectPeriod: 2000,
      connectTimeout: 5000,
    })
    .catch((e: Error) => {
      throw new AppError('unavailable', `cannot reach the MQTT broker at ${url} (MQTT_URL): ${e.message}`);
    });
  const cache = new Map<string, MqttIdentity | null>();
  client.on('message', (topic, payload) => {
    const t = parseTopic(topic);
    if (!t || t.channel === 'commands') return;
    const key = `${t.orgSlug}/${t.clientName}`;
    const known = cache.has(key)
      ? Promise.resolve(cache.get(key)!)
      : deps.credentials.identityFor(t.orgSlug, t.clientName);
    known
      .then(async (id) => {
        cache.set(key, id);
        if (!id) {
          deps.metrics.mqttRefused.inc({ what: 'unknown_client' });
          return;
        }
        for (const h of handlers) await h({ identity: id, channel: t.channel as Channel, topic, payload });
      })
      .catch((e) => deps.logger.error({ err: e, topic }, 'telemetry handler failed'));
  });
  setInterval(() => cache.clear(), 60_000).unref();
  await client.subscribeAsync(
    ['flows', 'packets', 'state'].map((c) => `$share/${group}/cw/+/+/${c}`),
    { qos: 1 },
  );
  return {
    kind: 'external',
    url,
    onMessage: (h) => handlers.push(h),
    publishCommand: async (topic, payload) => {
      await client.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
    },
    health: () => (client.connected ? null : `not connected to MQTT broker ${url}`),
    close: () => client.endAsync(),
  };
}
