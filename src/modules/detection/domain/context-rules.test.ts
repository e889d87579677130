import { describe, expect, it } from 'vitest';
import { CONTEXT, ContextModel, isLocalAddress } from './context-rules';
import { forgedWrite, MASTER, modbusPolling, packet, slave } from './packet-test-support';

function trainedOnPolling(): ContextModel {
  const c = new ContextModel();
  for (const p of modbusPolling(0, 200)) c.learn(p);
  const summary = c.freeze();
  expect(summary.enabled).toEqual({ talker: true, pair: true, function: true, service: false });
  return c;
}

describe('ContextModel', () => {
  it('passes the traffic it learned', () => {
    const c = trainedOnPolling();
    for (const p of modbusPolling(100, 20)) expect(c.check(p)).toBe(0);
  });

  it('flags a new conversation and a write function code never seen on the pair', () => {
    const c = trainedOnPolling();
    const hits = forgedWrite(200).map((p) => c.check(p));
    for (const h of hits) expect(h & CONTEXT.newPair).toBe(CONTEXT.newPair);
    expect(hits[3] & CONTEXT.newFunction).toBe(CONTEXT.newFunction);
    expect(hits[0] & CONTEXT.newFunction).toBe(0);
  });

  it('flags a write on a known pair that only ever read', () => {
    const c = trainedOnPolling();
    const [write] = modbusPolling(300, 1, 1);
    write.appFunction = 6;
    expect(c.check(write)).toBe(CONTEXT.newFunction);
  });

  it('flags a new talker', () => {
    const c = trainedOnPolling();
    const rogue = packet({
      time: 400,
      srcMac: '00:0c:29:aa:bb:cc',
      srcIp: '192.168.1.200',
      dstIp: MASTER.ip,
      srcPort: 5000,
      dstPort: 502,
    });
    expect(c.check(rogue) & CONTEXT.newTalker).toBe(CONTEXT.newTalker);
  });

  it('flags an ARP reply that rebinds a known IP to another MAC', () => {
    const c = new ContextModel();
    const s1 = slave(1);
    const arp = (mac: string, time: number) =>
      packet({
        time,
        ipVersion: 0,
        protocol: 0,
        length: 42,
        srcMac: mac,
        dstMac: MASTER.mac,
        arpOp: 2,
        arpSenderMac: mac,
        arpSenderIp: s1.ip,
        arpTargetIp: MASTER.ip,
      });
    for (const p of modbusPolling(0, 50)) c.learn(p);
    c.learn(arp(s1.mac, 5));
    c.freeze();
    expect(c.check(arp(s1.mac, 10)) & CONTEXT.arpRebind).toBe(0);
    expect(c.check(arp('00:0c:29:66:66:66', 11)) & CONTEXT.arpRebind).toBe(CONTEXT.arpRebind);
  });

  it('disables a rule whose baseline kept growing late in training', () => {
    const c = new ContextModel();
    // a host talking to a new local peer every packet: "new pair" carries no information here
    for (let i = 0; i < 400; i++)
      c.learn(
        packet({
          time: i,
          srcMac: MASTER.mac,
          srcIp: MASTER.ip,
          dstIp: `10.0.${i >> 8}.${i & 255}`,
          srcPort: 40000,
          dstPort: 80,
        }),
      );
    const summary = c.freeze();
    expect(summary.enabled.pair).toBe(false);
    expect(
      c.check(
        packet({
          time: 500,
          srcMac: MASTER.mac,
          srcIp: MASTER.ip,
          dstIp: '10.9.9.9',
          srcPort: 40000,
          dstPort: 80,
        }),
      ),
    ).toBe(0);
  });

  it('does not treat a subnet broadcast as a new conversation', () => {
    const c = trainedOnPolling();
    const netbios = packet({
      time: 500,
      protocol: 17,
      srcMac: MASTER.mac,
      dstMac: 'ff:ff:ff:ff:ff:ff',
      srcIp: MASTER.ip,
      dstIp: '192.168.1.255',
      srcPort: 138,
      dstPort: 138,
    });
    expect(c.check(netbios)).toBe(0);
  });

  it('knows local address ranges', () => {
    for (const ip of [
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.1',
      '192.168.0.1',
      '169.254.1.1',
      'fe80::1',
      'fd00::1',
    ])
      expect(isLocalAddress(ip)).toBe(true);
    for (const ip of ['8.8.8.8', '172.32.0.1', '172.15.0.1', '2001:db8::1', 'ff02::1'])
      expect(isLocalAddress(ip)).toBe(false);
  });
});
