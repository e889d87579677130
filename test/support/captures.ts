import { buildFrame, type PcapPacket } from '../../src/modules/telemetry';

/**
 * A camera (10.0.0.20, RTSP 554) and its recorder (10.0.0.10) exchanging a request and a frame every
 * 100 ms (one packet every `step`, 50 ms by default): `count` real Ethernet/IPv4/TCP frames, the first
 * at `start + step`. Steady traffic to train a packet model on, before the behaviour a test is about.
 */
export function cameraPolling(start: number, count: number, step = 0.05): PcapPacket[] {
  const packets: PcapPacket[] = [];
  for (let i = 0; i < count; i++) {
    const out = i % 2 === 0;
    packets.push({
      time: start + (i + 1) * step,
      data: buildFrame({
        srcMac: out ? '02:00:00:00:00:0a' : '02:00:00:00:00:0b',
        dstMac: out ? '02:00:00:00:00:0b' : '02:00:00:00:00:0a',
        ip: { src: out ? '10.0.0.10' : '10.0.0.20', dst: out ? '10.0.0.20' : '10.0.0.10' },
        tcp: {
          srcPort: out ? 50_000 : 554,
          dstPort: out ? 554 : 50_000,
          flags: 0x18,
          payload: new Uint8Array(out ? 120 : 1200),
        },
      }),
    });
  }
  return packets;
}
