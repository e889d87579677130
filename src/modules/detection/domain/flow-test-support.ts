/** Builders for synthetic flow records, shared by the flow detector and assembler tests. */
import { emptyPacket, type FlowRecord, type PacketRecord } from '../../telemetry/domain/records';

let serial = 0;

export function makeFlow(over: Partial<FlowRecord> & { ts: number }): FlowRecord {
  serial++;
  return {
    uid: `F${serial}`,
    origHost: '192.168.1.50',
    origPort: 40000 + (serial % 20000),
    respHost: '93.184.216.34',
    respPort: 443,
    proto: 'tcp',
    service: null,
    duration: 0.5,
    origBytes: 500,
    respBytes: 4000,
    connState: 'SF',
    localOrig: null,
    localResp: null,
    missedBytes: 0,
    history: 'ShADadFf',
    origPkts: 6,
    origIpBytes: 820,
    respPkts: 6,
    respIpBytes: 4320,
    ...over,
  };
}

/** A failed TCP attempt (SYN, no answer), as Zeek logs it: S0 with history "S". */
export const synOnly = (over: Partial<FlowRecord> & { ts: number }): FlowRecord =>
  makeFlow({
    duration: null,
    origBytes: 0,
    respBytes: 0,
    connState: 'S0',
    history: 'S',
    origPkts: 1,
    origIpBytes: 60,
    respPkts: 0,
    respIpBytes: 0,
    ...over,
  });

/** A TCP/UDP packet record for assembler tests. */
export function makePacket(over: Partial<PacketRecord> & { time: number }): PacketRecord {
  return {
    ...emptyPacket(),
    frame: 0,
    length: 60 + (over.payloadLength ?? 0),
    srcMac: '02:00:00:00:00:01',
    dstMac: '02:00:00:00:00:02',
    ipVersion: 4,
    protocol: 6,
    ...over,
  };
}

export const F = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

/** Packets of one TCP conversation: a, b are [ip, port]; steps are [fromA, flags, payload, dt]. */
export function tcpConversation(
  a: [string, number],
  b: [string, number],
  start: number,
  steps: Array<[boolean, number, number, number?]>,
): PacketRecord[] {
  let t = start;
  return steps.map(([fromA, tcpFlags, payloadLength, dt]) => {
    t += dt ?? 0.01;
    const [src, dst] = fromA ? [a, b] : [b, a];
    return makePacket({
      time: t,
      srcIp: src[0],
      srcPort: src[1],
      dstIp: dst[0],
      dstPort: dst[1],
      tcpFlags,
      payloadLength,
    });
  });
}
