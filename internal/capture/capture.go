package capture

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// Transport is the transport protocol a Payload came over. Its values are
// the IP protocol numbers.
type Transport uint8

// Transports of a Payload.
const (
	UDP  Transport = 17
	TCP  Transport = 6
	SCTP Transport = 132
)

// String returns "udp", "tcp" or "sctp", or the protocol number for
// anything else.
func (t Transport) String() string {
	switch t {
	case UDP:
		return "udp"
	case TCP:
		return "tcp"
	case SCTP:
		return "sctp"
	}
	return "proto-" + strconv.Itoa(int(t))
}

// Payload is one application-layer unit: a UDP datagram, an in-order TCP
// chunk, or a reassembled SCTP user message.
type Payload struct {
	// Frame is the 1-based number of the packet that completed this
	// payload, as Wireshark numbers frames (pcapng: counting every packet
	// block of every interface).
	Frame int64
	// Time is the capture timestamp of that packet, UTC, with the full
	// precision the file has. A pcapng Simple Packet Block has no
	// timestamp: it gets the one of the packet before it.
	Time time.Time
	// Transport is the transport protocol.
	Transport Transport
	// Src and Dst are the innermost addresses (inside GTP-U when tunnelled).
	Src, Dst netip.AddrPort
	// PPID is the SCTP payload protocol identifier.
	PPID uint32
	// Stream is the SCTP stream id.
	Stream uint16
	// GTPU is true when the payload was carried inside GTP-U.
	GTPU bool
	// TEID is the GTP-U tunnel endpoint identifier when GTPU is true.
	TEID uint32
	// Data is the application payload. It aliases internal buffers and is
	// valid only until the callback returns.
	Data []byte
}

// Config bounds the state a Reader keeps. Every table is bounded and every
// timeout runs on capture time, so memory stays flat in the file size.
type Config struct {
	// MaxPacketSize is the largest captured packet accepted; longer
	// records are a decode error.
	MaxPacketSize int
	// MaxFragments is the number of IP datagrams that may be under
	// reassembly at once; the oldest is dropped (and counted as expired)
	// when a new one does not fit.
	MaxFragments int
	// FragmentTimeout is how long, in capture time, an incomplete datagram
	// waits for its missing fragments.
	FragmentTimeout time.Duration
	// MaxTCPFlows is the number of TCP flow directions tracked at once;
	// the least recently seen is dropped when a new one does not fit.
	MaxTCPFlows int
	// MaxTCPBuffer is the number of out-of-order bytes buffered per flow
	// direction; beyond it the gap is skipped and counted.
	MaxTCPBuffer int
	// TCPGapTimeout is how long, in capture time, buffered out-of-order
	// data waits for a missing segment before the gap is skipped.
	TCPGapTimeout time.Duration
	// TCPIdleTimeout drops a TCP flow direction not seen for this long.
	TCPIdleTimeout time.Duration
	// MaxSCTPAssociations is the number of SCTP association directions
	// tracked at once; the least recently seen is dropped beyond it.
	MaxSCTPAssociations int
	// MaxSCTPMessage is the largest SCTP user message reassembled from
	// fragments; larger ones are dropped and counted.
	MaxSCTPMessage int
	// SCTPIdleTimeout drops an SCTP association direction not seen for
	// this long.
	SCTPIdleTimeout time.Duration
	// GTPUPort is the UDP port that carries GTP-U (2152).
	GTPUPort uint16
}

// DefaultConfig returns the configuration used by callsight's replay.
func DefaultConfig() Config {
	return Config{
		MaxPacketSize:       262144,
		MaxFragments:        1024,
		FragmentTimeout:     30 * time.Second,
		MaxTCPFlows:         16384,
		MaxTCPBuffer:        256 << 10,
		TCPGapTimeout:       10 * time.Second,
		TCPIdleTimeout:      10 * time.Minute,
		MaxSCTPAssociations: 4096,
		MaxSCTPMessage:      256 << 10,
		SCTPIdleTimeout:     10 * time.Minute,
		GTPUPort:            2152,
	}
}

// Validate reports the first field of c that is out of range.
func (c Config) Validate() error {
	switch {
	case c.MaxPacketSize < 64 || c.MaxPacketSize > 1<<30:
		return fmt.Errorf("capture: MaxPacketSize %d out of range [64, 2^30]", c.MaxPacketSize)
	case c.MaxFragments < 1:
		return fmt.Errorf("capture: MaxFragments %d must be positive", c.MaxFragments)
	case c.FragmentTimeout <= 0:
		return fmt.Errorf("capture: FragmentTimeout %v must be positive", c.FragmentTimeout)
	case c.MaxTCPFlows < 1:
		return fmt.Errorf("capture: MaxTCPFlows %d must be positive", c.MaxTCPFlows)
	case c.MaxTCPBuffer < 0:
		return fmt.Errorf("capture: MaxTCPBuffer %d must not be negative", c.MaxTCPBuffer)
	case c.TCPGapTimeout <= 0:
		return fmt.Errorf("capture: TCPGapTimeout %v must be positive", c.TCPGapTimeout)
	case c.TCPIdleTimeout <= 0:
		return fmt.Errorf("capture: TCPIdleTimeout %v must be positive", c.TCPIdleTimeout)
	case c.MaxSCTPAssociations < 1:
		return fmt.Errorf("capture: MaxSCTPAssociations %d must be positive", c.MaxSCTPAssociations)
	case c.MaxSCTPMessage < 1:
		return fmt.Errorf("capture: MaxSCTPMessage %d must be positive", c.MaxSCTPMessage)
	case c.SCTPIdleTimeout <= 0:
		return fmt.Errorf("capture: SCTPIdleTimeout %v must be positive", c.SCTPIdleTimeout)
	}
	return nil
}

// Sentinel errors. Every error from this package wraps one of them.
var (
	// ErrNotCapture says the input is not a pcap or pcapng capture,
	// possibly gzip-compressed.
	ErrNotCapture = errors.New("not a pcap or pcapng capture")
	// ErrTruncated says the data ended before a length it declared.
	ErrTruncated = errors.New("truncated")
	// ErrMalformed says a field holds a value that cannot be right.
	ErrMalformed = errors.New("malformed")
	// ErrUnsupported says the data is well formed but of a kind this
	// package does not decode (an unknown link type).
	ErrUnsupported = errors.New("unsupported")
)

// DecodeError says what could not be decoded, where.
type DecodeError struct {
	File  string // name given to Open or NewReader
	Frame int64  // 1-based frame number, 0 for the file header
	Layer string // "pcap", "ethernet", "ipv4", "tcp", "sctp", "gtpu", ...
	Err   error  // wraps ErrTruncated, ErrMalformed or ErrUnsupported
}

// Error reads "FILE: frame N: LAYER: reason".
func (e *DecodeError) Error() string {
	return e.File + ": frame " + strconv.FormatInt(e.Frame, 10) + ": " + e.Layer + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *DecodeError) Unwrap() error { return e.Err }

// kind names the sentinel err wraps, for the Stats.Errors key.
func kind(err error) string {
	switch {
	case errors.Is(err, ErrTruncated):
		return "truncated"
	case errors.Is(err, ErrMalformed):
		return "malformed"
	case errors.Is(err, ErrUnsupported):
		return "unsupported"
	}
	return "error"
}

// Stats counts what a Reader saw. Counters never decrease.
type Stats struct {
	Packets  uint64 // packet records read
	Bytes    uint64 // captured bytes of those records
	Payloads uint64 // payloads delivered to the callback
	NonIP    uint64 // frames that carried neither IPv4 nor IPv6 (ARP, LLDP...)
	OtherIP  uint64 // IP packets of another protocol than UDP, TCP or SCTP (ICMP...)

	UDPDatagrams uint64 // UDP datagrams delivered

	Fragments        uint64 // IP fragments received
	Reassembled      uint64 // IP datagrams completed from fragments
	FragmentsExpired uint64 // incomplete IP datagrams dropped (timeout, table full, end of file)

	TCPSegments     uint64 // TCP segments seen
	TCPChunks       uint64 // in-order TCP chunks delivered
	TCPRetransmits  uint64 // retransmitted or overlapping bytes trimmed
	TCPGapBytes     uint64 // bytes skipped over a gap (buffer overflow, gap timeout, eviction)
	TCPFlowsEvicted uint64 // flow directions dropped to make room

	SCTPPackets         uint64      // SCTP packets seen
	SCTPChunks          [256]uint64 // chunks by type (RFC 9260 §3.2; 0 is DATA, 64 I-DATA)
	SCTPDataDropped     uint64      // DATA chunks with a duplicate TSN
	SCTPMessages        uint64      // SCTP user messages delivered
	SCTPMessagesDropped uint64      // fragmented messages abandoned (too large, table full)

	GTPU      uint64 // GTP-U G-PDUs decapsulated
	GTPUOther uint64 // other GTP-U messages (echo, end marker, error indication...)

	// Errors counts decode errors by "layer: kind", as "ipv4: malformed".
	Errors map[string]uint64
}

// Add adds o's counters to s, for summing over files.
func (s *Stats) Add(o Stats) {
	s.Packets += o.Packets
	s.Bytes += o.Bytes
	s.Payloads += o.Payloads
	s.NonIP += o.NonIP
	s.OtherIP += o.OtherIP
	s.UDPDatagrams += o.UDPDatagrams
	s.Fragments += o.Fragments
	s.Reassembled += o.Reassembled
	s.FragmentsExpired += o.FragmentsExpired
	s.TCPSegments += o.TCPSegments
	s.TCPChunks += o.TCPChunks
	s.TCPRetransmits += o.TCPRetransmits
	s.TCPGapBytes += o.TCPGapBytes
	s.TCPFlowsEvicted += o.TCPFlowsEvicted
	s.SCTPPackets += o.SCTPPackets
	for i := range s.SCTPChunks {
		s.SCTPChunks[i] += o.SCTPChunks[i]
	}
	s.SCTPDataDropped += o.SCTPDataDropped
	s.SCTPMessages += o.SCTPMessages
	s.SCTPMessagesDropped += o.SCTPMessagesDropped
	s.GTPU += o.GTPU
	s.GTPUOther += o.GTPUOther
	if len(o.Errors) > 0 && s.Errors == nil {
		s.Errors = make(map[string]uint64, len(o.Errors))
	}
	for k, v := range o.Errors {
		s.Errors[k] += v
	}
}

// clone returns a copy of s that shares no map with it.
func (s *Stats) clone() Stats {
	c := *s
	c.Errors = nil
	if len(s.Errors) > 0 {
		c.Errors = make(map[string]uint64, len(s.Errors))
		for k, v := range s.Errors {
			c.Errors[k] = v
		}
	}
	return c
}
