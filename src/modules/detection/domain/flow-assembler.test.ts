import { describe, expect, it } from 'vitest';
import type { FlowRecord, PacketRecord } from '../../telemetry/domain/records';
import { assembleFlows, FlowAssembler } from './flow-assembler';
import { FlowDetector } from './flow-detector';
import { F, makePacket, tcpConversation } from './flow-test-support';

const T0 = 1_700_000_000;
const CLIENT: [string, number] = ['192.168.1.50', 40001];
const SERVER: [string, number] = ['93.184.216.34', 80];
const { FIN, SYN, RST, PSH, ACK } = F;

describe('FlowAssembler (Zeek conn.log semantics)', () => {
  it('three-way handshake, data both ways and FINs -> SF with history ShADadFf', () => {
    const pkts = tcpConversation(CLIENT, SERVER, T0, [
      [true, SYN, 0],
      [false, SYN | ACK, 0],
      [true, ACK, 0],
      [true, PSH | ACK, 120],
      [false, ACK, 0],
      [false, PSH | ACK, 900],
      [true, ACK, 0],
      [true, FIN | ACK, 0],
      [false, FIN | ACK, 0],
      [true, ACK, 0],
    ]);
    const [f, ...rest] = assembleFlows(pkts);
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      origHost: '192.168.1.50',
      origPort: 40001,
      respHost: '93.184.216.34',
      respPort: 80,
      proto: 'tcp',
      connState: 'SF',
      history: 'ShADadFf',
      origPkts: 6,
      respPkts: 4,
      origBytes: 120,
      respBytes: 900,
    });
    expect(f.ts).toBeCloseTo(T0 + 0.01, 6);
    expect(f.duration).toBeCloseTo(0.09, 6);
    expect(f.origIpBytes).toBe(6 * 46 + 120);
  });

  it('SYN only -> S0 with history S, one packet leaves duration and sizes unset', () => {
    const [f] = assembleFlows(tcpConversation(CLIENT, SERVER, T0, [[true, SYN, 0]]));
    expect(f).toMatchObject({
      connState: 'S0',
      history: 'S',
      origPkts: 1,
      respPkts: 0,
      duration: null,
      origBytes: null,
    });
  });

  it('SYN then RST from the responder -> REJ', () => {
    const [f] = assembleFlows(
      tcpConversation(CLIENT, SERVER, T0, [
        [true, SYN, 0],
        [false, RST | ACK, 0],
      ]),
    );
    expect(f).toMatchObject({ connState: 'REJ', history: 'Sr' });
  });

  it('derives the other states: RSTOS0, RSTO, RSTR, S1, S2, S3, SH, OTH', () => {
    const hs: Array<[boolean, number, number]> = [
      [true, SYN, 0],
      [false, SYN | ACK, 0],
      [true, ACK, 0],
    ];
    const state = (steps: Array<[boolean, number, number]>) =>
      assembleFlows(tcpConversation(CLIENT, SERVER, T0, steps))[0].connState;
    expect(
      state([
        [true, SYN, 0],
        [true, RST, 0],
      ]),
    ).toBe('RSTOS0');
    expect(state([...hs, [true, PSH | ACK, 10], [true, RST | ACK, 0]])).toBe('RSTO');
    expect(state([...hs, [false, PSH | ACK, 10], [false, RST | ACK, 0]])).toBe('RSTR');
    expect(state([...hs, [true, PSH | ACK, 10]])).toBe('S1');
    expect(state([...hs, [true, FIN | ACK, 0]])).toBe('S2');
    expect(state([...hs, [false, FIN | ACK, 0]])).toBe('S3');
    expect(
      state([
        [true, SYN, 0],
        [true, FIN, 0],
      ]),
    ).toBe('SH');
    expect(
      state([
        [true, PSH | ACK, 10],
        [false, ACK, 0],
      ]),
    ).toBe('OTH');
  });

  it('writes history letters as Zeek does for combined flags: FIN with data is F, SYN+FIN is Q', () => {
    const h = (steps: Array<[boolean, number, number]>) =>
      assembleFlows(tcpConversation(CLIENT, SERVER, T0, steps))[0].history;
    expect(
      h([
        [true, SYN, 0],
        [false, SYN | ACK, 0],
        [true, FIN | PSH | ACK, 30],
      ]),
    ).toBe('ShF');
    expect(h([[true, SYN | FIN, 0]])).toBe('Q');
    expect(
      h([
        [true, PSH | ACK, 10],
        [true, FIN | RST | ACK, 0],
      ]),
    ).toBe('DI');
  });

  it('a first packet that is a SYN-ACK is the responder speaking: flipped with ^', () => {
    const [f] = assembleFlows(
      tcpConversation(SERVER, CLIENT, T0, [
        [true, SYN | ACK, 0],
        [false, ACK, 0],
      ]),
    );
    expect(f.origHost).toBe('192.168.1.50');
    expect(f.respPort).toBe(80);
    expect(f.history).toBe('^hA');
  });

  it('UDP: answered -> SF Dd; one-way -> S0 D', () => {
    const q = makePacket({
      time: T0,
      protocol: 17,
      srcIp: '192.168.1.50',
      srcPort: 5353,
      dstIp: '192.168.1.1',
      dstPort: 53,
      payloadLength: 40,
    });
    const r = makePacket({
      time: T0 + 0.01,
      protocol: 17,
      srcIp: '192.168.1.1',
      srcPort: 53,
      dstIp: '192.168.1.50',
      dstPort: 5353,
      payloadLength: 90,
    });
    const ntp = makePacket({
      time: T0,
      protocol: 17,
      srcIp: '192.168.1.50',
      srcPort: 123,
      dstIp: '147.231.100.5',
      dstPort: 123,
      payloadLength: 48,
    });
    const flows = assembleFlows([q, r, ntp]);
    const dns = flows.find((f) => f.respPort === 53)!;
    expect(dns).toMatchObject({ proto: 'udp', connState: 'SF', history: 'Dd', origBytes: 40, respBytes: 90 });
    expect(flows.find((f) => f.respPort === 123)).toMatchObject({ connState: 'S0', history: 'D' });
  });

  it('ICMP echo request and reply are one icmp connection (orig_p = type, resp_p = code); ARP is none', () => {
    const icmp = (time: number, src: string, dst: string, icmpType: number) =>
      makePacket({
        time,
        protocol: 1,
        srcIp: src,
        dstIp: dst,
        srcPort: -1,
        dstPort: -1,
        icmpType,
        icmpCode: 0,
        payloadLength: 56,
      });
    const arp = makePacket({ time: T0, ipVersion: 0, protocol: 0, arpOp: 1, srcIp: '', dstIp: '' });
    const flows = assembleFlows([
      arp,
      icmp(T0, '192.168.1.50', '8.8.8.8', 8),
      icmp(T0 + 0.02, '8.8.8.8', '192.168.1.50', 0),
    ]);
    expect(flows).toHaveLength(1);
    expect(flows[0]).toMatchObject({
      proto: 'icmp',
      origPort: 8,
      respPort: 0,
      origPkts: 1,
      respPkts: 1,
      connState: 'OTH',
    });
  });

  it('handles IPv6 endpoints like IPv4 ones', () => {
    const [f] = assembleFlows(
      tcpConversation(['fd00::5', 51000], ['2001:db8::80', 443], T0, [
        [true, SYN, 0],
        [false, SYN | ACK, 0],
        [true, ACK, 0],
      ]).map((p) => ({ ...p, ipVersion: 6 as const })),
    );
    expect(f).toMatchObject({
      origHost: 'fd00::5',
      respHost: '2001:db8::80',
      connState: 'S1',
      history: 'ShA',
    });
  });

  it('splits a connection on inactivity (udp 1 min) and emits ended flows while the stream runs', () => {
    const out: FlowRecord[] = [];
    const a = new FlowAssembler((f) => out.push(f));
    const udp = (time: number) =>
      makePacket({
        time,
        protocol: 17,
        srcIp: '192.168.1.50',
        srcPort: 123,
        dstIp: '147.231.100.5',
        dstPort: 123,
        payloadLength: 48,
      });
    a.push(udp(T0));
    a.push(udp(T0 + 30));
    a.push(udp(T0 + 30 + 61)); // more than a minute later: the first connection ended
    expect(out).toHaveLength(1);
    expect(out[0].origPkts).toBe(2);
    a.flush();
    expect(out).toHaveLength(2);
    expect(a.openConnections).toBe(0);
  });

  it('keeps SYN retransmissions in one attempt and starts a new one after the attempt delay', () => {
    const syn = (time: number) =>
      makePacket({
        time,
        srcIp: CLIENT[0],
        srcPort: CLIENT[1],
        dstIp: '178.128.185.250',
        dstPort: 50,
        tcpFlags: SYN,
      });
    const flows = assembleFlows([syn(T0), syn(T0 + 1), syn(T0 + 3), syn(T0 + 10)]);
    expect(flows.map((f) => [f.connState, f.origPkts])).toEqual([
      ['S0', 3],
      ['S0', 1],
    ]);
  });

  it('bounds open connections under a spoofed-source flood by ending the longest idle early', () => {
    const out: FlowRecord[] = [];
    const a = new FlowAssembler((f) => out.push(f), { maxConnections: 1000 });
    for (let i = 0; i < 5000; i++) {
      a.push(
        makePacket({
          time: T0 + i * 1e-4,
          srcIp: `7.${i >> 8}.${i & 255}.1`,
          srcPort: 1000 + (i % 50000),
          dstIp: '192.168.1.10',
          dstPort: 80,
          tcpFlags: SYN,
        }),
      );
      expect(a.openConnections).toBeLessThanOrEqual(1000);
    }
    expect(out.length).toBeGreaterThanOrEqual(4000);
    expect(out[0].origHost).toBe('7.0.0.1');
    a.flush();
    expect(out).toHaveLength(5000);
  });

  it('keeps a reused packet object safe: nothing of it is retained', () => {
    const p = makePacket({
      time: T0,
      srcIp: CLIENT[0],
      srcPort: CLIENT[1],
      dstIp: SERVER[0],
      dstPort: 80,
      tcpFlags: SYN,
    });
    const out: FlowRecord[] = [];
    const a = new FlowAssembler((f) => out.push(f));
    a.push(p);
    p.time = T0 + 0.01;
    p.srcIp = SERVER[0];
    p.srcPort = 80;
    p.dstIp = CLIENT[0];
    p.dstPort = CLIENT[1];
    p.tcpFlags = RST | ACK;
    a.push(p);
    a.flush();
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ origHost: CLIENT[0], connState: 'REJ' });
  });
});

describe('flow rules on packet streams', () => {
  function detect(packets: PacketRecord[]) {
    const det = new FlowDetector();
    const a = new FlowAssembler((f) => det.score(f));
    for (const p of packets) a.push(p);
    a.flush();
    return det.flush();
  }

  it('names a telnet SYN scan in a packet capture a horizontal port scan', () => {
    const pkts: PacketRecord[] = [];
    for (let i = 0; i < 400; i++) {
      const dst = `45.${i >> 8}.${i & 255}.${(i * 7) % 250}`;
      const t = T0 + i * 0.05;
      pkts.push(
        makePacket({
          time: t,
          srcIp: '192.168.1.195',
          srcPort: 30000 + i,
          dstIp: dst,
          dstPort: 23,
          tcpFlags: SYN,
        }),
      );
      if (i % 5 === 0) {
        pkts.push(
          makePacket({
            time: t + 0.02,
            srcIp: dst,
            srcPort: 23,
            dstIp: '192.168.1.195',
            dstPort: 30000 + i,
            tcpFlags: RST | ACK,
          }),
        );
      }
    }
    const alerts = detect(pkts);
    const scan = alerts.find((x) => x.behaviour === 'port_scan_horizontal');
    expect(scan?.technique.id).toBe('T1046');
    expect(scan?.evidence.distinctPeers).toBeGreaterThan(300);
  });

  it('names many short SSH logins to one host in a packet capture brute force', () => {
    const pkts: PacketRecord[] = [];
    for (let i = 0; i < 50; i++) {
      pkts.push(
        ...tcpConversation(['10.0.0.66', 50000 + i], ['10.0.0.5', 22], T0 + i * 3, [
          [true, SYN, 0],
          [false, SYN | ACK, 0],
          [true, ACK, 0],
          [false, PSH | ACK, 40],
          [true, PSH | ACK, 600],
          [false, PSH | ACK, 80],
          [true, FIN | ACK, 0],
          [false, FIN | ACK, 0],
          [true, ACK, 0],
        ]),
      );
    }
    const alerts = detect(pkts);
    const bf = alerts.find((x) => x.behaviour === 'bruteforce');
    expect(bf?.technique.id).toBe('T1110');
    expect(bf?.subject).toBe('10.0.0.66');
    expect(bf?.evidence.distinctPeers).toBe(1);
  });
});
