/** Synthetic packets for the packet detector's tests: a Modbus/TCP master polling its slaves. */
import { emptyPacket, type PacketRecord } from '../../telemetry/domain/records';

export interface Pkt extends Partial<PacketRecord> {
  time: number;
}

let frame = 0;

export function packet(fields: Pkt): PacketRecord {
  const p = emptyPacket();
  Object.assign(p, { ipVersion: 4, protocol: 6, length: 60 }, fields);
  if (fields.frame === undefined) p.frame = ++frame;
  return p;
}

export const MASTER = { ip: '192.168.1.100', mac: '00:0c:29:00:00:64' };
export const slave = (i: number) => ({
  ip: `192.168.1.${100 + i}`,
  mac: `00:0c:29:00:00:${(100 + i).toString(16)}`,
});

/**
 * `cycles` polling rounds, one every 0.1 s: the master reads holding registers (function 3) from each of
 * `slaves` slaves over a kept-open connection and each answers. Jitter from a seeded LCG.
 */
export function modbusPolling(start: number, cycles: number, slaves = 3, seed = 7): PacketRecord[] {
  const out: PacketRecord[] = [];
  let s = seed;
  const rand = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
  for (let c = 0; c < cycles; c++) {
    for (let i = 1; i <= slaves; i++) {
      const t = start + c * 0.1 + i * 0.01 + rand() * 0.002;
      const sl = slave(i);
      out.push(
        packet({
          time: t,
          srcMac: MASTER.mac,
          dstMac: sl.mac,
          srcIp: MASTER.ip,
          dstIp: sl.ip,
          srcPort: 40000 + i,
          dstPort: 502,
          tcpFlags: 0x18,
          length: 66,
          payloadLength: 12,
          appFunction: 3,
        }),
        packet({
          time: t + 0.001 + rand() * 0.0005,
          srcMac: sl.mac,
          dstMac: MASTER.mac,
          srcIp: sl.ip,
          dstIp: MASTER.ip,
          srcPort: 502,
          dstPort: 40000 + i,
          tcpFlags: 0x18,
          length: 64 + (c % 3),
          payloadLength: 10 + (c % 3),
          appFunction: 3,
        }),
      );
    }
  }
  return out;
}

/** A forged Write Single Coil from slave 1 to slave 2 (the lemay capture's attack, in miniature). */
export function forgedWrite(time: number): PacketRecord[] {
  const a = slave(1);
  const b = slave(2);
  const base = { srcMac: a.mac, dstMac: b.mac, srcIp: a.ip, dstIp: b.ip, srcPort: 51000, dstPort: 502 };
  const back = { srcMac: b.mac, dstMac: a.mac, srcIp: b.ip, dstIp: a.ip, srcPort: 502, dstPort: 51000 };
  return [
    packet({ ...base, time, tcpFlags: 0x02, length: 62 }),
    packet({ ...back, time: time + 0.0001, tcpFlags: 0x12, length: 62 }),
    packet({ ...base, time: time + 0.0002, tcpFlags: 0x10, length: 54 }),
    packet({ ...base, time: time + 0.1, tcpFlags: 0x18, length: 66, payloadLength: 12, appFunction: 5 }),
    packet({ ...back, time: time + 0.101, tcpFlags: 0x18, length: 66, payloadLength: 12, appFunction: 5 }),
  ];
}

/** Renumbers frames from 1 in order. */
export function renumber(packets: PacketRecord[]): PacketRecord[] {
  packets.forEach((p, i) => {
    p.frame = i + 1;
  });
  return packets;
}
