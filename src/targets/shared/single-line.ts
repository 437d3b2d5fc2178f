// Keeps a record body on one line of a line-framed stream (syslog LF framing, Rapid7 token TCP).

/**
 * CR, LF and NUL become a space. normalizers/ already guarantees bodies without them; this is defence in depth so a
 * contract violation can never split a message under LF framing (RFC 6587 §3.4.2) or start a forged one.
 */
export function singleLine(body: string): string {
  return body.replace(/[\r\n\0]/g, ' ');
}
