// Package gtp decodes GTP control-plane messages, GTPv1-C (3GPP TS 29.060)
// and GTPv2-C (3GPP TS 29.274), one UDP payload at a time, into a reused
// Message: the identifiers a call correlator needs to follow a mobile
// session (IMSI, MSISDN, APN, TEIDs, bearer) and the outcome (cause).
//
// Information elements are split and read with github.com/wmnsk/go-gtp
// (gtpv1/ie and gtpv2/ie, and the GTPv2 header parser), after this package
// has checked the header lengths: go-gtp silently accepts a message shorter
// than its length field and cannot skip a GTPv1 TV element it does not know.
// TBCD digits (IMSI, MSISDN, MEI) are decoded here: go-gtp drops the last
// digit of every IMSI, whatever its length.
package gtp

import (
	"encoding/binary"
	"errors"
	"fmt"

	v1ie "github.com/wmnsk/go-gtp/gtpv1/ie"
	v2ie "github.com/wmnsk/go-gtp/gtpv2/ie"
	v2msg "github.com/wmnsk/go-gtp/gtpv2/message"
)

// Sentinel errors returned (wrapped) by Decode. Check them with errors.Is.
var (
	// ErrTruncated reports input shorter than the lengths it declares.
	ErrTruncated = errors.New("gtp: truncated")
	// ErrMalformed reports lengths or fields that contradict each other.
	ErrMalformed = errors.New("gtp: malformed")
	// ErrNotGTPC reports a valid-looking GTP header that is not GTP-C v1 or
	// v2: GTPv0, GTP' (charging, protocol type 0) or GTP-U (G-PDU, End
	// Marker, Error Indication).
	ErrNotGTPC = errors.New("gtp: not GTP-C")
)

// Op is the session operation a message performs, the same for both
// versions, so that a correlator can follow a session without knowing them.
type Op uint8

// Operations. Create is GTPv1 Create PDP Context or GTPv2 Create Session,
// Modify is Update PDP Context or Modify Bearer, Delete is Delete PDP
// Context or Delete Session.
const (
	OpNone Op = iota // any other message
	OpCreateRequest
	OpCreateResponse
	OpModifyRequest
	OpModifyResponse
	OpDeleteRequest
	OpDeleteResponse
	OpEchoRequest
	OpEchoResponse
)

var opNames = [...]string{"None", "CreateRequest", "CreateResponse", "ModifyRequest", "ModifyResponse",
	"DeleteRequest", "DeleteResponse", "EchoRequest", "EchoResponse"}

// String returns the name of the operation, such as "CreateRequest".
func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Message is one decoded GTP-C message. Decode fills it; the strings are
// copies, the slices reuse their own capacity, so a Message stays valid
// after its input is reused, until it is decoded into again.
type Message struct {
	Version uint8  // 1 or 2
	Type    uint8  // message type of that version
	Op      Op     // what the message does to a session
	Length  uint16 // header length field
	TEID    uint32 // header TEID: the receiver's control TEID (0 for an initial request)
	HasTEID bool   // always true for v1; the T flag for v2
	Seq     uint32 // sequence number (16 bits in v1, 24 in v2)

	IMSI   string // digits
	MSISDN string // digits, without the v1 extension/nature/plan octet
	APN    string // dotted labels, such as "internet"
	MEI    string // IMEI or IMEISV digits

	Cause    uint8 // top-level cause value
	HasCause bool
	// Accepted reports an acceptance cause: 128 to 191 in v1 (TS 29.060
	// §7.7.1, 128 "Request accepted"), 16 to 63 in v2 (TS 29.274 §8.4, 16
	// "Request accepted").
	Accepted bool

	// ControlTEID is the TEID the sender wants its peer to use to reach it:
	// the v1 TEID Control Plane IE or the v2 Sender F-TEID for Control
	// Plane (F-TEID instance 0; in a Create Session Response without it,
	// the PGW S5/S8 control F-TEID, instance 1). Delete messages carry no
	// IMSI; their header TEID equals the ControlTEID an earlier Create
	// announced.
	ControlTEID    uint32
	HasControlTEID bool
	// ControlInterface is the interface type of that v2 F-TEID (TS 29.274
	// §8.22, Table 8.22-1: 6 S5/S8 SGW GTP-C, 7 S5/S8 PGW GTP-C, 10 S11 MME
	// GTP-C, 11 S11/S4 SGW GTP-C ...).
	ControlInterface uint8

	// EBI is the v2 EPS Bearer ID (top level, else of the first Bearer
	// Context) or the v1 NSAPI.
	EBI    uint8
	HasEBI bool

	// Unknown lists, in order, the types of top-level information elements
	// this package does not interpret. They are skipped, not an error.
	Unknown []uint8

	// Piggybacked is the second message of a GTPv2 message with the P flag
	// set (TS 29.274 §5.5.1), such as a Create Session Response riding on a
	// Create Bearer Request; nil otherwise.
	Piggybacked *Message

	spare *Message // reused for Piggybacked
	v2    v2ie.IE  // scratch for go-gtp's IE parser
	v1    v1ie.IE
}

// Name returns the 3GPP name of the message type, such as
// "CreateSessionRequest", or "Unknown".
func (m *Message) Name() string { return TypeName(m.Version, m.Type) }

func (m *Message) reset() {
	*m = Message{Unknown: m.Unknown[:0], spare: m.spare}
}

// Decode decodes b, one UDP payload (port 2123) or one GTP-C message read
// from TCP, into m, resetting every field. GTPv1-C or GTPv2-C is chosen by
// the version bits; any other GTP returns an error wrapping ErrNotGTPC.
// Bytes after the message are ignored unless the GTPv2 P flag announces a
// piggybacked message. Errors wrap ErrTruncated, ErrMalformed or ErrNotGTPC;
// fields decoded before an error are kept.
func (m *Message) Decode(b []byte) error {
	m.reset()
	return m.decode(b, true)
}

func (m *Message) decode(b []byte, top bool) error {
	if len(b) < 1 {
		return fmt.Errorf("gtp: empty message: %w", ErrTruncated)
	}
	switch v := b[0] >> 5; v {
	case 1:
		if b[0]&0x10 == 0 {
			return fmt.Errorf("gtp: version 1 with protocol type 0 (GTP'): %w", ErrNotGTPC)
		}
		return m.decodeV1(b)
	case 2:
		return m.decodeV2(b, top)
	default:
		return fmt.Errorf("gtp: version %d: %w", v, ErrNotGTPC)
	}
}

// decodeV1 decodes a GTPv1-C message. Spec: 3GPP TS 29.060 §6.
//
//	   Bits  8  7  6  5  4  3  2  1
//	1       Version | PT | * | E | S | PN
//	2       Message Type
//	3-4     Length (octets after the first 8)
//	5-8     Tunnel Endpoint Identifier
//	9-10    Sequence Number        \
//	11      N-PDU Number            } when E, S or PN is set
//	12      Next Extension Header  /
//	...     extension headers, then information elements
//
// Information elements are TV (type < 128, fixed length by type) or TLV
// (type >= 128, 16-bit length), TS 29.060 §7.7.
func (m *Message) decodeV1(b []byte) error {
	if len(b) < 8 {
		return fmt.Errorf("gtp: v1 header needs 8 bytes, have %d: %w", len(b), ErrTruncated)
	}
	m.Version, m.Type = 1, b[1]
	m.Length = binary.BigEndian.Uint16(b[2:])
	m.TEID, m.HasTEID = binary.BigEndian.Uint32(b[4:]), true
	switch m.Type {
	case 26, 254, 255: // Error Indication, End Marker, G-PDU: user plane
		return fmt.Errorf("gtp: v1 message type %d is GTP-U: %w", m.Type, ErrNotGTPC)
	}
	m.Op = v1Ops[m.Type]
	end := 8 + int(m.Length)
	if end > len(b) {
		return fmt.Errorf("gtp: v1 length %d exceeds the %d bytes after the header: %w", m.Length, len(b)-8, ErrTruncated)
	}
	b = b[:end]
	off := 8
	if b[0]&0x07 != 0 {
		if len(b) < 12 {
			return fmt.Errorf("gtp: v1 length %d leaves no room for the sequence number: %w", m.Length, ErrMalformed)
		}
		if b[0]&0x02 != 0 {
			m.Seq = uint32(binary.BigEndian.Uint16(b[8:]))
		}
		next := b[11]
		off = 12
		if b[0]&0x04 == 0 {
			next = 0
		}
		// Extension headers, TS 29.060 §6.1: length in 4-octet units, the
		// last octet names the next header.
		for next != 0 {
			if off >= len(b) {
				return fmt.Errorf("gtp: v1 extension header at offset %d: %w", off, ErrMalformed)
			}
			n := int(b[off]) * 4
			if n == 0 || off+n > len(b) {
				return fmt.Errorf("gtp: v1 extension header at offset %d has length %d: %w", off, n, ErrMalformed)
			}
			next = b[off+n-1]
			off += n
		}
	}
	return m.v1IEs(b[off:], off)
}

var v1Ops = map[uint8]Op{
	1: OpEchoRequest, 2: OpEchoResponse,
	16: OpCreateRequest, 17: OpCreateResponse,
	18: OpModifyRequest, 19: OpModifyResponse,
	20: OpDeleteRequest, 21: OpDeleteResponse,
}

// GTPv1 information element types, TS 29.060 §7.7.
const (
	v1Cause       = 1
	v1IMSI        = 2
	v1TEIDControl = 17
	v1NSAPI       = 20
	v1APN         = 131
	v1MSISDN      = 134
	v1IMEISV      = 154
)

// v1IEs walks GTPv1 information elements with go-gtp's IE parser, which
// knows the fixed length of every defined TV type. An undefined TV type has
// no length to skip, so the walk stops there with ErrMalformed.
func (m *Message) v1IEs(p []byte, off int) error {
	ie := &m.v1
	for len(p) > 0 {
		t := p[0]
		if t < 128 && !v1KnownTV(t) {
			m.Unknown = append(m.Unknown, t)
			return fmt.Errorf("gtp: v1 TV element of undefined type %d at offset %d: %w", t, off, ErrMalformed)
		}
		*ie = v1ie.IE{}
		if err := ie.UnmarshalBinary(p); err != nil {
			return fmt.Errorf("gtp: v1 element %d at offset %d: %v: %w", t, off, err, ErrMalformed)
		}
		n := ie.MarshalLen()
		if n > len(p) || n < 1 {
			return fmt.Errorf("gtp: v1 element %d at offset %d overruns the message: %w", t, off, ErrMalformed)
		}
		switch t {
		case v1Cause:
			if c, err := ie.Cause(); err == nil {
				m.Cause, m.HasCause, m.Accepted = c, true, c >= 128 && c <= 191
			}
		case v1IMSI:
			m.IMSI = tbcd(ie.Payload)
		case v1TEIDControl:
			if v, err := ie.TEID(); err == nil {
				m.ControlTEID, m.HasControlTEID = v, true
			}
		case v1NSAPI:
			if len(ie.Payload) == 1 {
				m.EBI, m.HasEBI = ie.Payload[0]&0x0f, true
			}
		case v1APN:
			if s, err := ie.AccessPointName(); err == nil {
				m.APN = s
			}
		case v1MSISDN:
			// TS 29.060 §7.7.33 → TS 29.002 AddressString: the first octet
			// holds extension, nature of address and numbering plan.
			if len(ie.Payload) > 1 {
				m.MSISDN = tbcd(ie.Payload[1:])
			}
		case v1IMEISV:
			m.MEI = tbcd(ie.Payload)
		default:
			m.Unknown = append(m.Unknown, t)
		}
		off += n
		p = p[n:]
	}
	return nil
}

// v1KnownTV reports the TV types whose length go-gtp knows (TS 29.060 §7.7).
func v1KnownTV(t uint8) bool {
	switch {
	case t >= 1 && t <= 5, t == 8, t == 9, t >= 11 && t <= 29, t == 127:
		return true
	}
	return false
}

// decodeV2 decodes a GTPv2-C message. Spec: 3GPP TS 29.274 §5.1.
//
//	   Bits  8  7  6  5  4  3  2  1
//	1       Version  | P | T | MP | Spare
//	2       Message Type
//	3-4     Message Length (octets after the first 4)
//	5-8     TEID                   (when T = 1)
//	m-(m+2) Sequence Number
//	m+3     Spare (or Message Priority)
//	...     information elements: Type(1) Length(2) Spare|Instance(1) Value
//
// With P = 1 another message follows this one (§5.5.1).
func (m *Message) decodeV2(b []byte, top bool) error {
	if len(b) < 4 {
		return fmt.Errorf("gtp: v2 header needs 4 bytes, have %d: %w", len(b), ErrTruncated)
	}
	m.Version, m.Type = 2, b[1]
	m.Length = binary.BigEndian.Uint16(b[2:])
	if m.Type == 240 || m.Type == 241 { // GTP' Data Record Transfer
		return fmt.Errorf("gtp: v2 message type %d is GTP' charging: %w", m.Type, ErrNotGTPC)
	}
	m.Op = v2Ops[m.Type]
	end := 4 + int(m.Length)
	if end > len(b) {
		return fmt.Errorf("gtp: v2 length %d exceeds the %d bytes after the first 4: %w", m.Length, len(b)-4, ErrTruncated)
	}
	hlen := 8
	if b[0]&0x08 != 0 {
		hlen = 12
	}
	if end < hlen {
		return fmt.Errorf("gtp: v2 length %d shorter than the %d-byte header: %w", m.Length, hlen, ErrMalformed)
	}
	var h v2msg.Header
	if err := h.UnmarshalBinary(b[:end]); err != nil {
		return fmt.Errorf("gtp: v2 header: %v: %w", err, ErrMalformed)
	}
	m.HasTEID = h.HasTEID()
	if m.HasTEID {
		m.TEID = h.TEID
	}
	m.Seq = h.SequenceNumber
	if err := m.v2IEs(b[hlen:end], hlen); err != nil {
		return err
	}
	if h.IsPiggybacking() && top {
		if m.spare == nil {
			m.spare = new(Message)
		}
		p := m.spare
		p.reset()
		m.Piggybacked = p
		if err := p.decode(b[end:], false); err != nil {
			return fmt.Errorf("gtp: piggybacked message: %w", err)
		}
	}
	return nil
}

var v2Ops = map[uint8]Op{
	1: OpEchoRequest, 2: OpEchoResponse,
	32: OpCreateRequest, 33: OpCreateResponse,
	34: OpModifyRequest, 35: OpModifyResponse,
	36: OpDeleteRequest, 37: OpDeleteResponse,
}

// v2IEs walks the top-level GTPv2 information elements (TS 29.274 §8.2)
// with go-gtp's IE parser and accessors.
func (m *Message) v2IEs(p []byte, off int) error {
	ie := &m.v2
	for len(p) > 0 {
		if len(p) < 4 {
			return fmt.Errorf("gtp: v2 element header at offset %d needs 4 bytes, have %d: %w", off, len(p), ErrMalformed)
		}
		t := p[0]
		n := 4 + int(binary.BigEndian.Uint16(p[1:]))
		if n > len(p) {
			return fmt.Errorf("gtp: v2 element %d at offset %d has length %d, message has %d left: %w", t, off, n-4, len(p)-4, ErrMalformed)
		}
		inst := p[3] & 0x0f
		*ie = v2ie.IE{}
		// A grouped element whose children do not parse is still skipped by
		// its own length; only the values inside it are lost.
		err := ie.UnmarshalBinary(p[:n])
		switch {
		case err != nil && t != v2ie.BearerContext:
			m.Unknown = append(m.Unknown, t)
		case t == v2ie.IMSI:
			m.IMSI = tbcd(ie.Payload)
		case t == v2ie.MSISDN:
			m.MSISDN = tbcd(ie.Payload)
		case t == v2ie.MobileEquipmentIdentity:
			m.MEI = tbcd(ie.Payload)
		case t == v2ie.AccessPointName:
			if s, err := ie.AccessPointName(); err == nil {
				m.APN = s
			}
		case t == v2ie.Cause:
			if c, err := ie.Cause(); err == nil && !m.HasCause {
				m.Cause, m.HasCause, m.Accepted = c, true, c >= 16 && c <= 63
			}
		case t == v2ie.FullyQualifiedTEID:
			// Instance 0 wins over the instance 1 fallback of §7.2.2.
			if inst == 0 || (inst == 1 && m.Type == 33 && !m.HasControlTEID) {
				if v, err := ie.TEID(); err == nil {
					m.ControlTEID, m.HasControlTEID = v, true
					m.ControlInterface, _ = ie.InterfaceType()
				}
			}
		case t == v2ie.EPSBearerID:
			if v, err := ie.EPSBearerID(); err == nil && !m.HasEBI {
				m.EBI, m.HasEBI = v&0x0f, true
			}
		case t == v2ie.BearerContext:
			if err == nil && !m.HasEBI {
				for _, c := range ie.ChildIEs {
					if c.Type == v2ie.EPSBearerID && len(c.Payload) > 0 {
						m.EBI, m.HasEBI = c.Payload[0]&0x0f, true
						break
					}
				}
			}
		default:
			m.Unknown = append(m.Unknown, t)
		}
		off += n
		p = p[n:]
	}
	return nil
}

// tbcd decodes telephony binary-coded decimal (TS 29.002 §17.7.8, TBCD-
// STRING): two digits per octet, low nibble first, ending at the first
// 0xF filler. Nibbles 0xA to 0xE are written as '*', '#', 'a', 'b', 'c'.
func tbcd(b []byte) string {
	const digits = "0123456789*#abc"
	var buf [32]byte
	out := buf[:0]
	for _, o := range b {
		for _, d := range [2]byte{o & 0x0f, o >> 4} {
			if d == 0x0f {
				return string(out)
			}
			out = append(out, digits[d])
		}
	}
	return string(out)
}
