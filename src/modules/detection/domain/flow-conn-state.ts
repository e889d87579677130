/** Zeek's TCP endpoint states and the conn_state it derives from them, for the flow assembler. */

// Zeek TCP endpoint states (analyzer/protocol/tcp/TCP_Endpoint.h). UDP and ICMP use INACTIVE/ESTABLISHED
// for "this side sent nothing / something" (Zeek's UDP_INACTIVE / UDP_ACTIVE).
export const INACTIVE = 0;
export const SYN_SENT = 1;
export const SYN_ACK_SENT = 2;
export const PARTIAL = 3;
export const ESTABLISHED = 4;
export const CLOSED = 5;
export const RESET = 6;

/** Zeek base/protocols/conn/main.zeek `conn_state()`. */
export function connState(
  protocol: number,
  os: number,
  rs: number,
  origBytes: number,
  respBytes: number,
  history: string,
): string {
  if (protocol === 17) {
    if (os === ESTABLISHED) return rs === ESTABLISHED ? 'SF' : 'S0';
    return rs === ESTABLISHED ? 'SHR' : 'OTH';
  }
  if (protocol !== 6) return 'OTH';
  const oInactive = os === INACTIVE || os === PARTIAL;
  const rInactive = rs === INACTIVE || rs === PARTIAL;
  if (rs === RESET) {
    if (os === SYN_SENT || os === SYN_ACK_SENT || (os === RESET && origBytes === 0 && respBytes === 0))
      return 'REJ';
    return oInactive ? 'RSTRH' : 'RSTR';
  }
  if (os === RESET) {
    if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(history) ? 'RSTOS0' : 'OTH';
    return 'RSTO';
  }
  if (rs === CLOSED && os === CLOSED) return 'SF';
  if (os === CLOSED) return rInactive ? 'SH' : 'S2';
  if (rs === CLOSED) return oInactive ? 'SHR' : 'S3';
  if (os === SYN_SENT && rs === INACTIVE) return 'S0';
  if (os === ESTABLISHED && rs === ESTABLISHED) return 'S1';
  return 'OTH';
}
