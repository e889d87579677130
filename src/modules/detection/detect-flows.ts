/**
 * Scores a flow log (Zeek conn.log, TSV or JSON) with the flow detector, following
 * shared/eval/PROTOCOL.md (Zeek section): every flow scored online in file order, one row
 * `id,score,alert` per flow with id = Zeek uid. A packet capture (pcap, pcapng, tshark TSV) is first
 * assembled into connection records, so the same rules name scans and brute force in captures.
 * An optional benign baseline file is learned first, and the summary says so.
 */
import { open } from 'node:fs/promises';
import { invalid } from '../../core/errors';
import {
  type FileFormat,
  type FlowFormat,
  type FlowRecord,
  type PacketFormat,
  readFlowFile,
  readPacketFile,
  sniffFormat,
} from '../telemetry';
import type { DetectionAlert } from './domain/alert';
import { FlowAssembler } from './domain/flow-assembler';
import { FlowDetector, type FlowDetectorOptions } from './domain/flow-detector';

export interface DetectFlowFileOptions extends Omit<FlowDetectorOptions, 'onAlert'> {
  path: string;
  /** A flow log format, a packet format (assembled into flows first), or 'auto' (sniffed). */
  format?: FileFormat | 'auto';
  /** A benign flow log or capture (other devices or an earlier period) learned before scoring. */
  baseline?: string;
  baselineFormat?: FileFormat | 'auto';
  /** Called for every flow in order (assembly order for packet captures). */
  onRow?: (id: string, score: number, alert: boolean) => void;
  onAlert?: (alert: DetectionAlert) => void;
  /** Keep the aggregated alerts in the summary (default true). */
  collectAlerts?: boolean;
}

export interface DetectFlowFileSummary {
  path: string;
  format: FileFormat;
  /** Flows scored (assembled flows for a packet capture). */
  records: number;
  /** Packets read, for a packet capture; null for a flow log. */
  packets: number | null;
  /** Flows marked alert = 1. */
  alertRecords: number;
  /** Aggregated alerts per ATT&CK technique id and per behaviour. */
  alertsByTechnique: Record<string, number>;
  alertsByBehaviour: Record<string, number>;
  /** Flows per second of the scoring pass, reading and parsing included. */
  flowsPerSecond: number;
  seconds: number;
  /** The benign baseline learned first, or null when the run used none. */
  baseline: { path: string; format: FileFormat; flows: number } | null;
  state: ReturnType<FlowDetector['stats']>;
  alerts: DetectionAlert[];
}

/** One CSV row of the protocol (header `id,score,alert`). */
export const flowScoreRow = (id: string, score: number, alert: boolean): string =>
  `${id},${score.toFixed(4)},${alert ? 1 : 0}`;

const PACKET_FORMATS: readonly string[] = ['pcap', 'pcapng', 'tsv'];

async function sniffFile(path: string): Promise<FileFormat> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(4096);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    const format = sniffFormat(buf.subarray(0, bytesRead));
    if (format === null) {
      throw invalid(`${path}: not a flow log or packet capture this reader knows`, [
        { path, offset: 0, field: 'format', message: 'unrecognised format' },
      ]);
    }
    return format;
  } finally {
    await fh.close();
  }
}

/** Streams a flow log or capture into `onFlow`; returns the format and the packet count for a capture. */
async function readFlows(
  path: string,
  format: FileFormat | 'auto',
  onFlow: (flow: FlowRecord) => void,
): Promise<{ format: FileFormat; packets: number | null }> {
  const f = format === 'auto' ? await sniffFile(path) : format;
  if (PACKET_FORMATS.includes(f)) {
    const assembler = new FlowAssembler(onFlow);
    const r = await readPacketFile(path, { format: f as PacketFormat }, (p) => assembler.push(p));
    assembler.flush();
    return { format: r.format, packets: r.packets };
  }
  const r = await readFlowFile(path, { format: f as FlowFormat }, onFlow);
  return { format: r.format, packets: null };
}

export async function detectFlowFile(options: DetectFlowFileOptions): Promise<DetectFlowFileSummary> {
  const { path, format = 'auto', onRow, collectAlerts = true } = options;
  const alerts: DetectionAlert[] = [];
  const alertsByTechnique: Record<string, number> = {};
  const alertsByBehaviour: Record<string, number> = {};
  const detector = new FlowDetector({
    ...options,
    onAlert: (a) => {
      alertsByTechnique[a.technique.id] = (alertsByTechnique[a.technique.id] ?? 0) + 1;
      alertsByBehaviour[a.behaviour] = (alertsByBehaviour[a.behaviour] ?? 0) + 1;
      if (collectAlerts) alerts.push(a);
      options.onAlert?.(a);
    },
  });

  let baseline: DetectFlowFileSummary['baseline'] = null;
  if (options.baseline !== undefined) {
    const b = await readFlows(options.baseline, options.baselineFormat ?? 'auto', (f) => detector.learn(f));
    baseline = { path: options.baseline, format: b.format, flows: detector.baselineFlows };
  }

  let records = 0;
  let alertRecords = 0;
  const started = process.hrtime.bigint();
  const r = await readFlows(path, format, (flow) => {
    const v = detector.score(flow);
    records++;
    if (v.alert) alertRecords++;
    onRow?.(flow.uid, v.score, v.alert);
  });
  detector.flush();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    path,
    format: r.format,
    records,
    packets: r.packets,
    alertRecords,
    alertsByTechnique,
    alertsByBehaviour,
    flowsPerSecond: seconds > 0 ? Math.round(records / seconds) : 0,
    seconds,
    baseline,
    state: detector.stats(),
    alerts,
  };
}
