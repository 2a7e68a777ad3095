// Package signaling correlates decoded signaling into calls.
//
// The sub-packages are pure decoders and tables: sctp-free bytes in, values
// out (isup, sip, sdp, m3ua, gtp, cause). This package holds the state:
//
//   - an ISUP circuit state machine keyed by (OPC, DPC, CIC, NI) with the
//     direction of the IAM that seized the circuit;
//   - a SIP dialog state machine keyed by Call-ID, tolerant of forked early
//     dialogs, retransmissions, CANCEL races and re-INVITEs;
//   - GTP data sessions per MSISDN (attached / detached at time T);
//   - the stitching of a SIP leg with its ISUP leg into one call, by the
//     normalised called number within a time window, confirmed by the
//     identity of a SIP-I IAM body when there is one;
//   - the outcome rules that turn what was signaled into an outcome.Call.
//
// Every timer runs on capture time handed in by the caller: the Correlator
// never reads the wall clock, so replaying a capture twice gives identical
// calls.
package signaling
