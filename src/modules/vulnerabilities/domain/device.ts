/**
 * The facts about one device that vulnerability matching, configuration findings and compliance
 * baselines need. The inventory module owns devices and maps its rows onto this shape.
 */
export type DeviceKind =
  | 'camera'
  | 'nvr'
  | 'plc'
  | 'hmi'
  | 'rtu'
  | 'router'
  | 'switch'
  | 'firewall'
  | 'nas'
  | 'badge_reader'
  | 'door_controller'
  | 'infusion_pump'
  | 'patient_monitor'
  | 'imaging'
  | 'smart_hub'
  | 'sensor'
  | 'gateway'
  | 'printer'
  | 'voip'
  | 'other';

export interface OpenService {
  port: number;
  protocol: 'tcp' | 'udp';
  service: string | null;
}

export interface AssessedDevice {
  id: string;
  name: string;
  kind: DeviceKind;
  vendor: string;
  product: string;
  model: string | null;
  firmwareVersion: string | null;
  /** Reachable from the internet. */
  internetExposed: boolean;
  /** 'ot' | 'office' | 'iot' | 'medical' | 'guest' | 'dmz' | free text */
  networkSegment: string | null;
  /** null = unknown */
  segmentedFromOffice: boolean | null;
  criticality: 'low' | 'medium' | 'high' | 'critical';
  safetyCritical: boolean;
  dataHeld: 'none' | 'operational' | 'personal' | 'health' | 'payment';
  credentialState: 'unique' | 'default' | 'shared' | 'unknown';
  openServices: OpenService[];
  /** YYYY-MM-DD */
  supportEndDate: string | null;
  /** null = unknown */
  secureBoot: boolean | null;
  encryptedTransport: boolean | null;
  updateMechanism: 'automatic' | 'manual' | 'none' | 'unknown';
  status: 'active' | 'quarantined' | 'retired';
}
