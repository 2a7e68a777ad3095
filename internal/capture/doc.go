// Package capture is callsight's packet source for replay: it reads pcap
// and pcapng capture files and hands application payloads to a callback.
//
// The pipeline, for every packet record:
//
//	file      pcap (µs/ns, either byte order) or pcapng (every interface,
//	          EPB and SPB), plain or gzip, detected by magic number; read
//	          with gopacket/pcapgo's zero-copy methods.
//	link      Ethernet with any number of 802.1Q / 802.1ad tags and PPPoE
//	          sessions, Linux SLL and SLL2, raw IP (101, 12, 14, 228, 229),
//	          BSD loopback (0, 108). Unknown link types are a DecodeError.
//	ip        IPv4 and IPv6 (extension headers walked); fragments go to a
//	          bounded reassembly table that expires on capture time.
//	transport UDP: every datagram is a Payload, except GTP-U on its port,
//	          whose G-PDUs are decapsulated and their inner IP packet sent
//	          back through ip (Payload.GTPU, Payload.TEID).
//	          TCP: per direction, in-order bytes; retransmissions trimmed,
//	          out-of-order segments buffered (bounded), gaps skipped on
//	          overflow or timeout and counted. Each in-order chunk is a
//	          Payload; framing messages out of the stream is the caller's.
//	          SCTP: every chunk of a bundle is parsed and counted by type;
//	          DATA / I-DATA fragments are reassembled per association
//	          direction and stream, duplicate TSNs dropped, and each user
//	          message is a Payload with its PPID and stream.
//
// Headers are decoded with gopacket/layers DecodingLayers preallocated in
// the Reader; the common UDP path allocates nothing per packet. Every
// table is bounded and every timeout runs on capture time, so memory stays
// flat in the file size and a replay is deterministic.
//
// Per-packet problems are reported as *DecodeError to the error callback
// and counted in Stats.Errors; the packet is skipped and reading goes on.
// Only the file structure itself (a truncated or garbled record) ends Run.
package capture
