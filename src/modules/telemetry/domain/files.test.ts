import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFlowFile, readPacketFile } from './files';
import {
  connLogFromFlows,
  invalidError,
  sampleFlows,
  samplePackets,
  tsvFromRecords,
} from './fixtures.test-support';
import { writePcap } from './pcap';
import { writePcapng } from './pcapng';
import type { PacketRecord } from './records';
import { readPacketStream, sniffFormat } from './sniff';

const dir = mkdtempSync(join(tmpdir(), 'cw-readers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const enc = new TextEncoder();

function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const packets = samplePackets(12);
const pcapng = writePcapng([
  { type: 'shb', bigEndian: true },
  { type: 'idb', linkType: 1 },
  ...packets.map((p) => ({ type: 'epb' as const, time: p.time, data: p.data })),
]);

describe('sniffFormat', () => {
  it.each([
    ['pcap (little endian)', writePcap([]), 'pcap'],
    ['pcap (big endian, ns)', writePcap([], { bigEndian: true, nanosecond: true }), 'pcap'],
    ['pcapng', pcapng, 'pcapng'],
    ['Zeek TSV', enc.encode(connLogFromFlows(sampleFlows(1))), 'zeek-tsv'],
    ['Zeek JSON', enc.encode('\n{"ts":1}\n'), 'zeek-json'],
    ['tshark TSV', enc.encode('frame.time_epoch\tframe.len\n1\t60\n'), 'tsv'],
    ['something else', enc.encode('hello world'), null],
    ['too short', new Uint8Array([0xd4, 0xc3]), null],
  ])('%s', (_, bytes, format) => {
    expect(sniffFormat(bytes)).toBe(format);
  });
});

describe('readPacketFile / readFlowFile', () => {
  it('detects and reads every packet format from disk with the same packets', async () => {
    const fromPcap: PacketRecord[] = [];
    const a = await readPacketFile(file('a.pcap', writePcap(packets, { nanosecond: true })), {}, (p) =>
      fromPcap.push({ ...p }),
    );
    expect(a).toEqual({ format: 'pcap', packets: packets.length });
    const fromNg: PacketRecord[] = [];
    const b = await readPacketFile(file('b.pcapng', pcapng), { format: 'auto' }, (p) =>
      fromNg.push({ ...p }),
    );
    expect(b).toEqual({ format: 'pcapng', packets: packets.length });
    expect(fromNg.map((p) => p.srcIp)).toEqual(fromPcap.map((p) => p.srcIp));
    const c = await readPacketFile(file('c.tsv', tsvFromRecords(fromPcap)), {}, () => {});
    expect(c).toEqual({ format: 'tsv', packets: packets.length });
  });

  it('detects and reads both flow formats', async () => {
    const flows = sampleFlows(9);
    expect(await readFlowFile(file('conn.log', connLogFromFlows(flows)), {}, () => {})).toEqual({
      format: 'zeek-tsv',
      flows: 9,
    });
    const json = flows.map((f) =>
      JSON.stringify({
        ts: f.ts,
        'id.orig_h': f.origHost,
        'id.orig_p': f.origPort,
        'id.resp_h': f.respHost,
        'id.resp_p': f.respPort,
        proto: f.proto,
      }),
    );
    expect(await readFlowFile(file('conn.json', json.join('\n')), {}, () => {})).toEqual({
      format: 'zeek-json',
      flows: 9,
    });
  });

  it('refuses a flow log given as a packet file, an empty file and an unknown format', async () => {
    await expect(
      readPacketFile(file('x.log', connLogFromFlows(sampleFlows(1))), {}, () => {}),
    ).rejects.toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('zeek-tsv'),
    });
    await expect(readPacketFile(file('empty', ''), {}, () => {})).rejects.toMatchObject({ kind: 'invalid' });
    await expect(readFlowFile(file('junk', 'junk junk'), {}, () => {})).rejects.toMatchObject({
      kind: 'invalid',
    });
  });

  it('uses the named format without sniffing, and reports its errors with offsets', async () => {
    const bytes = writePcap(packets);
    const cutAt = bytes.length - 3;
    const seen: number[] = [];
    const err = await readPacketFile(file('cut.pcap', bytes.subarray(0, cutAt)), { format: 'pcap' }, (p) =>
      seen.push(p.frame),
    ).catch((e) => e);
    expect(invalidError(err).details[0].offset).toBe(bytes.length - 16 - packets[11].data.length);
    expect(seen.length).toBe(11);
  });

  it('reads an async stream of any chunking', async () => {
    const bytes = writePcap(packets);
    async function* chunks() {
      for (let i = 0; i < bytes.length; i += 5) yield bytes.subarray(i, i + 5);
    }
    expect(await readPacketStream(chunks(), {}, () => {})).toEqual({
      format: 'pcap',
      packets: packets.length,
    });
  });
});

describe('readPacketStream sniffing', () => {
  it('detects a text format even when the source yields one byte at a time', async () => {
    const text = enc.encode('frame.time_epoch\tframe.len\n1.5\t60\n2.5\t61\n');
    async function* bytes() {
      for (let i = 0; i < text.length; i++) yield text.subarray(i, i + 1);
    }
    const times: number[] = [];
    expect(await readPacketStream(bytes(), {}, (p) => times.push(p.time))).toEqual({
      format: 'tsv',
      packets: 2,
    });
    expect(times).toEqual([1.5, 2.5]);
  });
});
