package m3ua

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// ErrSCTPUnavailable says the host cannot open SCTP sockets: the kernel
// has no SCTP support (module not loaded or not built, or blocked in this
// container), or this build has no M3UA client.
var ErrSCTPUnavailable = errors.New("SCTP is unavailable")

// TrafficMode is the M3UA traffic mode type an ASP asks for in ASP Active.
// Spec: RFC 4666 §3.8.1.
type TrafficMode uint32

// Traffic modes, RFC 4666 §3.8.1.
const (
	TrafficOverride  TrafficMode = 1
	TrafficLoadshare TrafficMode = 2
	TrafficBroadcast TrafficMode = 3
)

// String returns "override", "loadshare" or "broadcast".
func (t TrafficMode) String() string {
	switch t {
	case TrafficOverride:
		return "override"
	case TrafficLoadshare:
		return "loadshare"
	case TrafficBroadcast:
		return "broadcast"
	}
	return "traffic-mode-" + strconv.Itoa(int(t))
}

// ASPConfig configures an M3UA Application Server Process association to
// a signalling gateway (RFC 4666 §4.3): SCTP association, ASP Up, ASP
// Active for the routing contexts of one application server, then DATA.
type ASPConfig struct {
	// Local are the local addresses ("host:port", port 0 for any); more
	// than one makes a multi-homed association. Empty binds any.
	Local []string
	// Remote are the signalling gateway's addresses ("host:port", 2905
	// is M3UA's port); at least one.
	Remote []string
	// AS names the application server, for logs and metrics only (M3UA
	// identifies it by routing context).
	AS string
	// RoutingContexts are the routing contexts to activate (RFC 4666
	// §3.3.1); empty when the SG has a single AS for this ASP.
	RoutingContexts []uint32
	// ASPIdentifier, when not zero, is sent in ASP Up.
	ASPIdentifier uint32
	// TrafficMode is the mode asked for in ASP Active.
	TrafficMode TrafficMode
	// NetworkAppearance, when not zero, is sent in ASP Active and DATA.
	NetworkAppearance uint32
	// PointCode is our own point code and PeerPointCode the point code
	// the traffic comes from; see ASPData for why they matter.
	PointCode, PeerPointCode uint32
	// NetworkIndicator is the MTP3 network indicator (0 international,
	// 2 national).
	NetworkIndicator uint8
	// Heartbeat is the BEAT interval; 0 disables heartbeats.
	Heartbeat time.Duration
	// DialTimeout bounds association set-up and ASP Up / ASP Active.
	DialTimeout time.Duration
}

// DefaultASPConfig returns a loadshare ASP with 30 s heartbeats; Remote,
// PointCode and PeerPointCode must still be set.
func DefaultASPConfig() ASPConfig {
	return ASPConfig{TrafficMode: TrafficLoadshare, NetworkIndicator: 2, Heartbeat: 30 * time.Second, DialTimeout: 10 * time.Second}
}

// Validate reports the first field of c out of range.
func (c ASPConfig) Validate() error {
	if len(c.Remote) == 0 {
		return errors.New("m3ua: asp: no remote address")
	}
	for _, group := range [][]string{c.Local, c.Remote} {
		for _, a := range group {
			host, port, err := net.SplitHostPort(a)
			if err != nil {
				return fmt.Errorf("m3ua: asp: address %q: %w", a, err)
			}
			if host != "" && net.ParseIP(host) == nil {
				return fmt.Errorf("m3ua: asp: address %q: host must be an IP address", a)
			}
			if p, err := strconv.ParseUint(port, 10, 16); err != nil {
				return fmt.Errorf("m3ua: asp: address %q: port: %w", a, err)
			} else if p == 0 && contains(c.Remote, a) {
				return fmt.Errorf("m3ua: asp: remote address %q has port 0", a)
			}
		}
	}
	switch {
	case c.TrafficMode < TrafficOverride || c.TrafficMode > TrafficBroadcast:
		return fmt.Errorf("m3ua: asp: traffic mode %d: want 1 (override), 2 (loadshare) or 3 (broadcast)", c.TrafficMode)
	case c.PointCode == 0 || c.PointCode > 0xffffff:
		return fmt.Errorf("m3ua: asp: point code %d out of range [1, 2^24)", c.PointCode)
	case c.PeerPointCode == 0 || c.PeerPointCode > 0xffffff:
		return fmt.Errorf("m3ua: asp: peer point code %d out of range [1, 2^24)", c.PeerPointCode)
	case c.NetworkIndicator > 3:
		return fmt.Errorf("m3ua: asp: network indicator %d out of range [0, 3]", c.NetworkIndicator)
	case c.Heartbeat < 0:
		return fmt.Errorf("m3ua: asp: heartbeat %v must not be negative", c.Heartbeat)
	case c.DialTimeout <= 0:
		return fmt.Errorf("m3ua: asp: dial timeout %v must be positive", c.DialTimeout)
	case len(c.RoutingContexts) > 64:
		return fmt.Errorf("m3ua: asp: %d routing contexts, at most 64", len(c.RoutingContexts))
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ASPData is one MTP3 user message received in M3UA DATA.
//
// go-m3ua's client hands over only the user part of the Protocol Data
// parameter: the routing label the SG sent (OPC, DPC, SI, NI, MP, SLS) is
// not exposed. OPC and DPC are therefore the configured PeerPointCode
// and PointCode and SI is ISUP: right for an association that serves one
// point-code pair, as ASPs of a single switch do. Message re-encodes the
// payload as a complete M3UA DATA message (RFC 4666 §3.3.1) with that
// label, ready for Message.Decode and for the engine as an SCTP payload
// with PPID 3.
type ASPData struct {
	Time     time.Time // when it was read, from ASPConfig's clock
	OPC, DPC uint32
	SI       ServiceIndicator
	NI       uint8
	Payload  []byte // the MTP3 user part (an ISUP message)
	Message  []byte // a complete M3UA DATA message carrying Payload
}

// ASP is an M3UA ASP client. Create it with NewASP, then Run it.
type ASP struct {
	cfg ASPConfig
	now func() time.Time
}

// NewASP checks cfg. now is the clock stamping received data (the caller
// passes time.Now: only cmd reads the wall clock).
func NewASP(cfg ASPConfig, now func() time.Time) (*ASP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if now == nil {
		return nil, errors.New("m3ua: asp: no clock")
	}
	return &ASP{cfg: cfg, now: now}, nil
}

// Run checks that the host has SCTP, sets up the association, brings the
// ASP up and active and hands every DATA payload to fn until ctx is done
// (nil) or the association fails (an error). Where the kernel has no SCTP
// the error wraps ErrSCTPUnavailable and says how to get it.
func (a *ASP) Run(ctx context.Context, fn func(*ASPData)) error {
	if err := SCTPAvailable(); err != nil {
		return err
	}
	return a.run(ctx, fn)
}

// appendDATA encodes an M3UA DATA message carrying payload with the
// given routing label. Spec: RFC 4666 §3.3.1 (Protocol Data, tag 0x0210).
//
//	 0                   1                   2                   3
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    Version    |   Reserved    | Msg Class (1) |  Msg Type (1) |
//	|                        Message Length                         |
//	|     Tag 0x0006 (RC)           |            Length             |  (optional)
//	|     Tag 0x0210 (Prot. Data)   |            Length             |
//	|                 Originating Point Code                        |
//	|                 Destination Point Code                        |
//	|       SI      |       NI      |      MP       |      SLS      |
//	|                 User Protocol Data ... padding                |
func appendDATA(b []byte, rc []uint32, opc, dpc uint32, si ServiceIndicator, ni uint8, payload []byte) []byte {
	start := len(b)
	b = append(b, 1, 0, 1, 1, 0, 0, 0, 0)
	if len(rc) > 0 {
		b = appendU16(b, 0x0006)
		b = appendU16(b, uint16(4+4*len(rc)))
		for _, v := range rc {
			b = appendU32(b, v)
		}
	}
	b = appendU16(b, 0x0210)
	b = appendU16(b, uint16(4+12+len(payload)))
	b = appendU32(b, opc)
	b = appendU32(b, dpc)
	b = append(b, byte(si), ni, 0, 0)
	b = append(b, payload...)
	for (len(b)-start)%4 != 0 {
		b = append(b, 0)
	}
	n := uint32(len(b) - start)
	b[start+4], b[start+5], b[start+6], b[start+7] = byte(n>>24), byte(n>>16), byte(n>>8), byte(n)
	return b
}

func appendU16(b []byte, v uint16) []byte { return append(b, byte(v>>8), byte(v)) }
func appendU32(b []byte, v uint32) []byte {
	return append(b, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}
