import { describe, expect, it } from 'vitest';
import { mayPublish, maySubscribe, parseTopic } from './topics';

const me = { orgSlug: 'acme', clientName: 'cam-01' };

describe('MQTT topic rules', () => {
  it('parses the layout', () => {
    expect(parseTopic('cw/acme/cam-01/flows')).toEqual({
      orgSlug: 'acme',
      clientName: 'cam-01',
      channel: 'flows',
    });
    expect(parseTopic('cw/acme/cam-01/other')).toBeNull();
    expect(parseTopic('cw/acme/cam-01')).toBeNull();
    expect(parseTopic('cw//cam-01/state')).toBeNull();
  });

  it.each([
    ['cw/acme/cam-01/flows', true],
    ['cw/acme/cam-01/packets', true],
    ['cw/acme/cam-01/state', true],
    ['cw/acme/cam-01/commands', false],
    ['cw/acme/cam-02/state', false],
    ['cw/clinic/cam-01/state', false],
    ['cw/acme/+/state', false],
    ['cw/acme/#', false],
    ['cw/acme/cam-01/state/extra', false],
    ['$SYS/broker', false],
  ])('publish %s -> %s', (topic, ok) => {
    expect(mayPublish(me, topic)).toBe(ok);
  });

  it.each([
    ['cw/acme/cam-01/commands', true],
    ['cw/acme/cam-01/#', false],
    ['cw/acme/+/commands', false],
    ['cw/acme/cam-02/commands', false],
    ['cw/clinic/cam-01/commands', false],
    ['#', false],
    ['$share/g/cw/acme/cam-01/commands', false],
  ])('subscribe %s -> %s', (filter, ok) => {
    expect(maySubscribe(me, filter)).toBe(ok);
  });
});
