// Package isup decodes ISDN User Part messages: ITU-T Q.763 and the ANSI
// T1.113 variant.
//
// Two entry points share one decoder:
//
//   - Message.Decode takes the MTP3 user part with service indicator 5 (the
//     payload of an M3UA DATA message after the routing label): CIC first.
//   - Message.DecodeBody takes the body of a SIP-I/SIP-T part with
//     Content-Type application/isup (RFC 3204), which starts at the message
//     type: no routing label and no CIC. ParseVariant reads the variant from
//     the Content-Type "version" and "base" parameters.
//
// A Message is decoded in place and aliases its input (see Message). The
// message types the call correlator needs are decoded in full (IAM, SAM,
// INR, INF, COT, ACM, CON, CPG, ANM, REL, RLC, SUS, RES, CFN and circuit
// supervision); every other known type is split into parameters by its Q.763
// §4 format; an unknown type keeps its bytes raw in Params. Decoding never
// logs and never allocates when the Message is reused.
package isup
