import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../core/errors';
import {
  addressScope,
  DEFAULT_FLOW_THRESHOLDS,
  isExternal,
  isFailedTcpState,
  ratioScore,
  resolveThresholds,
  severityOf,
} from './flow-rules';

describe('addressScope', () => {
  it.each([
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.254', 'private'],
    ['172.32.0.1', 'external'],
    ['192.168.100.113', 'private'],
    ['100.64.0.1', 'private'],
    ['100.128.0.1', 'external'],
    ['169.254.15.115', 'link_local'],
    ['224.0.0.251', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.168.2.255', 'broadcast'],
    ['0.0.0.0', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['185.244.25.235', 'external'],
    ['fe80::80e6:50ff:fe12:1464', 'link_local'],
    ['ff02::fb', 'multicast'],
    ['fd00::1', 'private'],
    ['::', 'unspecified'],
    ['2001:db8::1', 'external'],
    ['::ffff:192.168.1.4', 'private'],
    ['not-an-ip', 'external'],
    ['1.2.3', 'external'],
  ])('%s is %s', (ip, scope) => {
    expect(addressScope(ip)).toBe(scope);
  });

  it('calls only public unicast addresses external', () => {
    expect(isExternal('8.8.8.8')).toBe(true);
    expect(isExternal('192.168.1.1')).toBe(false);
  });
});

describe('rule helpers', () => {
  it('knows the failed TCP states of Zeek conn_state', () => {
    expect(['S0', 'REJ', 'RSTOS0', 'SH'].every(isFailedTcpState)).toBe(true);
    expect(['SF', 'S1', 'S3', 'RSTO', 'OTH', null].some(isFailedTcpState)).toBe(false);
  });

  it('maps threshold ratios to scores and severities monotonically', () => {
    expect(ratioScore(0)).toBe(0);
    expect(ratioScore(1)).toBe(0.5);
    expect(ratioScore(3)).toBeGreaterThan(ratioScore(2));
    expect(ratioScore(1e9)).toBeLessThan(1);
    expect(severityOf('port_scan_horizontal', 1)).toBe('medium');
    expect(severityOf('flood', 12)).toBe('critical');
    expect(severityOf('failed_connections', 1)).toBe('low');
  });
});

describe('resolveThresholds', () => {
  it('overrides defaults and names every bad field', () => {
    expect(resolveThresholds({ floodTau: 5 })).toEqual({ ...DEFAULT_FLOW_THRESHOLDS, floodTau: 5 });
    let err: unknown;
    try {
      resolveThresholds({ floodTau: -1, scanTau: Number.NaN, nope: 3 } as never);
    } catch (e) {
      err = e;
    }
    expect(isAppError(err) && err.kind).toBe('invalid');
    expect(isAppError(err) && err.details.map((d) => d.field)).toEqual([
      'thresholds.floodTau',
      'thresholds.scanTau',
      'thresholds.nope',
    ]);
  });
});
