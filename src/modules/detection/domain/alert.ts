/** What every detector (packet, flow, context rules) emits. Stored and shown by the detection module. */

export type Severity = 'low' | 'medium' | 'high' | 'critical';

export interface AttackTechnique {
  /** ATT&CK id, e.g. "T1046" (Enterprise) or "T0855" (ICS). */
  id: string;
  name: string;
  /** "enterprise" or "ics". */
  matrix: 'enterprise' | 'ics';
  tactic: string;
}

export interface DetectionAlert {
  /** Stable name of the behaviour: "port_scan_horizontal", "telnet_bruteforce", "anomaly", ... */
  behaviour: string;
  /** The device the alert is about: its IP (or MAC when there is no IP). */
  subject: string;
  technique: AttackTechnique;
  severity: Severity;
  /** 0..1 confidence-like score; detectors document how they derive it. */
  score: number;
  /** One-line human summary: "172.16.0.3 tried telnet on 812 hosts in 60 s". */
  summary: string;
  /** Seconds since the epoch of the first and last record in the alert's window. */
  firstSeen: number;
  lastSeen: number;
  /** How many records (packets or flows) the alert aggregates. */
  count: number;
  /** Evidence: record ids (frame numbers or Zeek uids, capped), counts, peers, ports, window. */
  evidence: {
    recordIds: string[];
    [key: string]: unknown;
  };
}
