/**
 * C&C beacon measures of one channel (source, destination, proto:port), kept in a slot of float64
 * fields: connection attempts, the running mean and mean absolute deviation of their inter-arrival
 * (jitter), the share of attempts nobody answered, and persistence in consecutive time buckets.
 */
import type { FlowThresholds } from './flow-rules';

export const C_ATTEMPT_T = 0;
export const C_ORIG_PORT = 1;
export const C_ATTEMPTS = 2;
export const C_IA_MEAN = 3;
export const C_IA_DEV = 4;
export const C_BEACON = 5;
export const C_BUCKET = 6;
export const C_RUN = 7;
export const C_FAILS = 8;
export const CHANNEL_FIELDS = 9;

/** A TCP connection attempt is retried with the same source port for up to ~2 min (Linux tcp_syn_retries=6, RFC 6298 backoff). */
const SYN_RETRY_SECONDS = 130;
/** Weight of a new inter-arrival in the running mean and deviation. */
const ALPHA = 0.2;
/** Cap on the regularity ratio so a perfectly regular timer does not dwarf every other measure. */
const MAX_RATIO = 20;

/**
 * Records a flow on the channel at `o`. SYN retransmissions of one attempt (same TCP source port, within
 * the retry window) are one attempt, so a bot's retries do not look like a 3-second beacon.
 */
export function recordAttempt(
  v: Float64Array,
  o: number,
  t: number,
  created: boolean,
  tcp: boolean,
  origPort: number,
  failed: boolean,
  th: FlowThresholds,
): void {
  const retry =
    !created && tcp && origPort === v[o + C_ORIG_PORT] && t - v[o + C_ATTEMPT_T] < SYN_RETRY_SECONDS;
  if (!retry) {
    if (v[o + C_ATTEMPTS] > 0) {
      const ia = t - v[o + C_ATTEMPT_T];
      if (ia > 2 * th.beaconMaxPeriod) {
        v[o + C_ATTEMPTS] = 0;
        v[o + C_BEACON] = 0;
        v[o + C_RUN] = 0;
      } else if (v[o + C_ATTEMPTS] === 1) {
        v[o + C_IA_MEAN] = ia;
        v[o + C_IA_DEV] = ia * 0.5; // an uncertain prior: regularity must be shown, not assumed
      } else {
        const mean = v[o + C_IA_MEAN];
        v[o + C_IA_DEV] += ALPHA * (Math.abs(ia - mean) - v[o + C_IA_DEV]);
        v[o + C_IA_MEAN] = mean + ALPHA * (ia - mean);
      }
    }
    v[o + C_ATTEMPTS]++;
    v[o + C_FAILS] += ALPHA * ((failed ? 1 : 0) - v[o + C_FAILS]);
    v[o + C_ATTEMPT_T] = t;
    v[o + C_ORIG_PORT] = origPort;
  }
  // Persistence: consecutive time buckets (one empty bucket tolerated) in which the channel was used.
  const bucket = Math.floor(t / th.beaconBucketSeconds);
  const last = v[o + C_BUCKET];
  if (v[o + C_RUN] === 0 || bucket - last > 2) v[o + C_RUN] = 1;
  else if (bucket > last) v[o + C_RUN]++;
  v[o + C_BUCKET] = bucket;
}

/**
 * How far the channel is past the beacon threshold (>= 1 alerts). The caller has checked that the peer
 * is external and the service is not infrastructure that polls by design (DNS, NTP...).
 * - Regular: inter-arrival jitter under the limit, enough attempts. On a common port (web, MQTT) IoT
 *   devices heartbeat to their cloud on a timer, so regularity counts only while the peer does not answer.
 * - Persistent: a port no IoT service uses, retried in three consecutive buckets mostly without an answer
 *   (a bot calling a dead or blocked C&C, Mirai and Hakai), or IRC, C&C whether answered or not.
 */
export function beaconRatio(
  v: Float64Array,
  o: number,
  common: boolean,
  irc: boolean,
  th: FlowThresholds,
): number {
  const attempts = v[o + C_ATTEMPTS];
  const period = v[o + C_IA_MEAN];
  if (attempts < 3 || period < th.beaconMinPeriod || period > th.beaconMaxPeriod) {
    v[o + C_BEACON] = 0;
    return 0;
  }
  const limit = common ? th.beaconJitterCommonPort : th.beaconJitter;
  const need = common ? th.beaconMinAttemptsCommonPort : th.beaconMinAttempts;
  const jitter = v[o + C_IA_DEV] / period;
  const unanswered = v[o + C_FAILS] >= 0.5;
  // Once a channel is a beacon, twice the jitter keeps it one (hysteresis), so a late retry stays in it.
  const effLimit = v[o + C_BEACON] === 1 ? limit * 2 : limit;
  let regular = Math.min(MAX_RATIO, effLimit / Math.max(jitter, 1e-3)) * Math.min(1, attempts / need);
  if (common && !unanswered) regular = Math.min(regular, 0.9);
  const persistent =
    common || !(unanswered || irc)
      ? 0
      : (v[o + C_RUN] / th.beaconPersistenceBuckets) * Math.min(1, attempts / need);
  let ratio = Math.max(regular, persistent);
  if (ratio >= 1 && attempts < need) ratio = 0.99;
  v[o + C_BEACON] = ratio >= 1 ? 1 : 0;
  return ratio;
}
