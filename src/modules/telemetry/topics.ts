/**
 * MQTT topic layout and access rules (DESIGN.md §6):
 *   cw/{org slug}/{client}/{flows|packets|state}   published by that client only
 *   cw/{org slug}/{client}/commands                 published by the product, read by that client only
 */
export const CHANNELS = ['flows', 'packets', 'state'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface TopicOwner {
  orgSlug: string;
  clientName: string;
}

export interface ParsedTopic extends TopicOwner {
  channel: Channel | 'commands';
}

export function parseTopic(topic: string): ParsedTopic | null {
  const parts = topic.split('/');
  if (parts.length !== 4 || parts[0] !== 'cw' || !parts[1] || !parts[2]) return null;
  const channel = parts[3];
  if (channel !== 'commands' && !(CHANNELS as readonly string[]).includes(channel)) return null;
  return { orgSlug: parts[1], clientName: parts[2], channel: channel as Channel | 'commands' };
}

export const telemetryTopic = (o: TopicOwner, channel: Channel) =>
  `cw/${o.orgSlug}/${o.clientName}/${channel}`;
export const commandTopic = (o: TopicOwner) => `cw/${o.orgSlug}/${o.clientName}/commands`;

/** A client may publish telemetry only under its own org and id; never commands, never wildcards. */
export function mayPublish(who: TopicOwner, topic: string): boolean {
  const t = parseTopic(topic);
  return !!t && t.channel !== 'commands' && t.orgSlug === who.orgSlug && t.clientName === who.clientName;
}

/** A client may subscribe only to its own command topic, exactly (no wildcards, no shared groups). */
export function maySubscribe(who: TopicOwner, filter: string): boolean {
  return filter === commandTopic(who);
}
