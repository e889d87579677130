/**
 * C&C beacon measures of one channel (source, destination, proto:port), kept in a slot of float64
 * fields: connection attempts, their recent inter-arrivals (a ring) with the median period and a robust
 * jitter, the share of attempts nobody served, and persistence in consecutive time buckets.
 */
import type { FlowThresholds } from './flow-rules';

export const C_ATTEMPT_T = 0;
export const C_ORIG_PORT = 1;
export const C_ATTEMPTS = 2;
/** Median of the recent inter-arrivals: the period. */
export const C_IA_PERIOD = 3;
/** Jitter of the recent inter-arrivals around the median (see updatePeriod). */
export const C_IA_DEV = 4;
export const C_BEACON = 5;
export const C_BUCKET = 6;
export const C_RUN = 7;
export const C_FAILS = 8;
/** Ring of the last IA_RING inter-arrivals. */
export const C_RING = 9;
export const IA_RING = 6;
export const CHANNEL_FIELDS = C_RING + IA_RING;

/** A TCP connection attempt is retried with the same source port for up to ~2 min (Linux tcp_syn_retries=6, RFC 6298 backoff). */
const SYN_RETRY_SECONDS = 130;
/** Weight of a new attempt in the share of attempts nobody served. */
const ALPHA = 0.2;
/** Cap on the regularity ratio so a perfectly regular timer does not dwarf every other measure. */
const MAX_RATIO = 20;
/** Below the alert threshold: what a channel scores when its failures say nothing (see beaconRatio). */
const UNINFORMATIVE = 0.9;

const scratch = new Float64Array(IA_RING);

/**
 * Period and jitter of the ring. The period is the median; from 4 intervals on, the jitter is the largest
 * deviation from it once the single largest is left out. So one outlier (the gap after a long session, a
 * missed beat) neither hides a timer for the next dozen attempts, as an exponentially weighted mean would,
 * nor can a few lucky intervals among irregular ones pass for a timer: all but one must sit near the
 * period. With 2 or 3 intervals nothing is left out (the jitter is the largest deviation), and a single
 * interval gets a prior jitter of half the period.
 */
function updatePeriod(v: Float64Array, o: number, intervals: number): void {
  const n = Math.min(intervals, IA_RING);
  for (let i = 0; i < n; i++) {
    // insertion sort of at most IA_RING values
    const x = v[o + C_RING + i];
    let j = i - 1;
    while (j >= 0 && scratch[j] > x) {
      scratch[j + 1] = scratch[j];
      j--;
    }
    scratch[j + 1] = x;
  }
  const median = n % 2 ? scratch[(n - 1) >> 1] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
  let largest = 0;
  let second = 0;
  for (let i = 0; i < n; i++) {
    const d = Math.abs(scratch[i] - median);
    if (d > largest) {
      second = largest;
      largest = d;
    } else if (d > second) second = d;
  }
  v[o + C_IA_PERIOD] = median;
  // One interval is no evidence of regularity: an uncertain prior until more arrive.
  v[o + C_IA_DEV] = n === 1 ? median * 0.5 : n >= 4 ? second : largest;
}

/**
 * Records a flow on the channel at `o`. SYN retransmissions of one attempt (same TCP source port, within
 * the retry window) are one attempt, so a bot's retries do not look like a 3-second beacon. `unserved`:
 * the attempt failed (no handshake, refused) or the peer sent nothing back.
 */
export function recordAttempt(
  v: Float64Array,
  o: number,
  t: number,
  created: boolean,
  tcp: boolean,
  origPort: number,
  unserved: boolean,
  th: FlowThresholds,
): void {
  const retry =
    !created && tcp && origPort === v[o + C_ORIG_PORT] && t - v[o + C_ATTEMPT_T] < SYN_RETRY_SECONDS;
  if (!retry) {
    const attempts = v[o + C_ATTEMPTS];
    if (attempts > 0) {
      const ia = t - v[o + C_ATTEMPT_T];
      if (ia > 2 * th.beaconMaxPeriod) {
        v[o + C_ATTEMPTS] = 0;
        v[o + C_BEACON] = 0;
        v[o + C_RUN] = 0;
      } else {
        const intervals = attempts; // intervals so far, this one included
        v[o + C_RING + ((intervals - 1) % IA_RING)] = ia;
        updatePeriod(v, o, intervals);
      }
    }
    v[o + C_ATTEMPTS]++;
    v[o + C_FAILS] += ALPHA * ((unserved ? 1 : 0) - v[o + C_FAILS]);
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
 * - `uplinkWorks`: the source has lately had an answer from some external host. A channel nobody serves
 *   is C&C evidence only then: when nothing outside answers the device at all (uplink down, device
 *   fenced off, a tap that sees one direction), every cloud it polls looks dead, and its keep-alive
 *   retries are no beacon. Such a channel stays below the threshold (IRC excepted).
 */
export function beaconRatio(
  v: Float64Array,
  o: number,
  common: boolean,
  irc: boolean,
  uplinkWorks: boolean,
  th: FlowThresholds,
): number {
  const attempts = v[o + C_ATTEMPTS];
  if (attempts < 3) {
    v[o + C_BEACON] = 0;
    return 0;
  }
  const period = v[o + C_IA_PERIOD];
  const limit = common ? th.beaconJitterCommonPort : th.beaconJitter;
  const need = common ? th.beaconMinAttemptsCommonPort : th.beaconMinAttempts;
  const unanswered = v[o + C_FAILS] >= 0.5;
  // Regularity only within the beacon periods; persistence (below) does not depend on the period, so a
  // bot that reconnects at once after each short session stays a persistent caller.
  let regular = 0;
  if (period >= th.beaconMinPeriod && period <= th.beaconMaxPeriod) {
    const jitter = v[o + C_IA_DEV] / period;
    // Once a channel is a beacon, twice the jitter keeps it one (hysteresis), so a late retry stays in it.
    const effLimit = v[o + C_BEACON] === 1 ? limit * 2 : limit;
    regular = Math.min(MAX_RATIO, effLimit / Math.max(jitter, 1e-3)) * Math.min(1, attempts / need);
    if (common && !unanswered) regular = Math.min(regular, UNINFORMATIVE);
  }
  const persistent =
    common || !(unanswered || irc)
      ? 0
      : (v[o + C_RUN] / th.beaconPersistenceBuckets) * Math.min(1, attempts / need);
  let ratio = Math.max(regular, persistent);
  if (unanswered && !uplinkWorks && !irc) ratio = Math.min(ratio, UNINFORMATIVE);
  if (ratio >= 1 && attempts < need) ratio = 0.99;
  v[o + C_BEACON] = ratio >= 1 ? 1 : 0;
  return ratio;
}
