import type { ReactNode } from 'react';
import type { Criticality, Device, DeviceStatus } from '../api';

export type Tone = 'critical' | 'high' | 'medium' | 'low' | 'ok' | 'info' | 'muted';

export function Badge({ tone, children, title }: { tone: Tone; children: ReactNode; title?: string }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

const CRITICALITY_TONE: Record<Criticality, Tone> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
};

export function CriticalityBadge({ value }: { value: Criticality }) {
  return <Badge tone={CRITICALITY_TONE[value] ?? 'muted'}>{value}</Badge>;
}

const STATUS_TONE: Record<DeviceStatus, Tone> = { active: 'ok', quarantined: 'high', retired: 'muted' };

export function StatusBadge({ value }: { value: DeviceStatus }) {
  return <Badge tone={STATUS_TONE[value] ?? 'muted'}>{value}</Badge>;
}

const CREDENTIAL_TONE: Record<Device['credentialState'], Tone> = {
  default: 'critical',
  shared: 'high',
  unknown: 'muted',
  unique: 'ok',
};

export function CredentialBadge({ value }: { value: Device['credentialState'] }) {
  return <Badge tone={CREDENTIAL_TONE[value] ?? 'muted'}>{value}</Badge>;
}

export function ExposureBadge({ exposed }: { exposed: boolean }) {
  return exposed ? (
    <Badge tone="critical" title="reachable from the internet">
      internet
    </Badge>
  ) : (
    <Badge tone="low">internal</Badge>
  );
}

/** true / false / unknown facts (secure boot, encryption, segmentation). */
export function YesNo({ value, good = true }: { value: boolean | null; good?: boolean }) {
  if (value === null) return <Badge tone="muted">unknown</Badge>;
  const fine = value === good;
  return <Badge tone={fine ? 'ok' : 'high'}>{value ? 'yes' : 'no'}</Badge>;
}

export const label = (enumValue: string) => enumValue.replace(/_/g, ' ');
