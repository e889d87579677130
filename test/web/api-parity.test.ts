/**
 * The dashboard keeps its own copies of the server's enumerations (it must not bundle server code).
 * These tests fail when the two drift apart, e.g. a new device kind or a new detector behaviour that
 * the filter menus would otherwise never offer.
 */
import { describe, expect, it } from 'vitest';
import { ALERT_STATUSES as SERVER_ALERT_STATUSES } from '../../src/modules/alerts';
import { FLOW_BEHAVIOURS, PACKET_TECHNIQUES } from '../../src/modules/detection';
import {
  CRITICALITIES as SERVER_CRITICALITIES,
  DEVICE_KINDS as SERVER_DEVICE_KINDS,
  DEVICE_STATUSES as SERVER_DEVICE_STATUSES,
} from '../../src/modules/inventory';
import {
  ALERT_BEHAVIOURS,
  ALERT_STATUSES,
  CRITICALITIES,
  DEVICE_KINDS,
  DEVICE_STATUSES,
} from '../../web/src/api';

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe('dashboard enumerations match the server', () => {
  it('device kinds, criticalities and statuses', () => {
    expect(sorted(DEVICE_KINDS)).toEqual(sorted(SERVER_DEVICE_KINDS));
    expect([...CRITICALITIES]).toEqual([...SERVER_CRITICALITIES]);
    expect(sorted(DEVICE_STATUSES)).toEqual(sorted(SERVER_DEVICE_STATUSES));
  });

  it('alert statuses', () => {
    expect(sorted(ALERT_STATUSES)).toEqual(sorted(SERVER_ALERT_STATUSES));
  });

  it('every behaviour a detector can raise is in the alert filter, and nothing else', () => {
    const server = new Set<string>([...FLOW_BEHAVIOURS, ...Object.keys(PACKET_TECHNIQUES)]);
    expect(sorted(new Set(ALERT_BEHAVIOURS))).toEqual(sorted(server));
  });
});
