// Package m3ua decodes MTP3 User Adaptation Layer messages (RFC 4666), one
// SCTP user message (payload protocol identifier 3) at a time, into a reused
// Message that aliases its input.
//
// The hot path, DATA messages carrying ISUP or SCCP, is decoded by a TLV walk
// in this package: github.com/wmnsk/go-m3ua allocates a header, a slice of
// parameters and one value per parameter for every message, and rejects a
// DATA message holding a parameter tag it does not know. Every other class
// (MGMT, SSNM, ASPSM, ASPTM, RKM), which is rare, is decoded with go-m3ua's
// parameter parser and accessors. Either way the M3UA message length is
// checked first and go-m3ua is handed exactly one message, because its parser
// ignores that length.
//
// Messages in the pre-RFC format of draft-ietf-sigtran-m3ua-06 (Protocol
// Data 1 and 2 parameters carrying the MTP3 SIO and routing label) are
// recognised and decoded with Draft set; see Message.Decode.
package m3ua

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/wmnsk/go-m3ua/messages/params"
)

// Sentinel errors returned (wrapped) by Decode. Check them with errors.Is.
var (
	// ErrTruncated reports input shorter than the lengths it declares.
	ErrTruncated = errors.New("m3ua: truncated")
	// ErrMalformed reports lengths or fields that contradict each other or
	// the specification.
	ErrMalformed = errors.New("m3ua: malformed")
	// ErrVersion reports a common header version other than 1 (release 1.0).
	ErrVersion = errors.New("m3ua: unsupported version")
)

// ServiceIndicator is the MTP3 service indicator: which MTP user a DATA
// message carries. Spec: ITU-T Q.704 §14.2.1 (RFC 4666 §3.3.1 copies the
// field unchanged).
type ServiceIndicator uint8

// Service indicator values, ITU-T Q.704 §14.2.1. They are defined here, not
// taken from go-m3ua, whose constants above ISUP are off by one or more.
const (
	SISNM   ServiceIndicator = 0  // signalling network management messages
	SISNT   ServiceIndicator = 1  // signalling network testing and maintenance
	SISNTS  ServiceIndicator = 2  // signalling network testing and maintenance special
	SISCCP  ServiceIndicator = 3  // SCCP
	SITUP   ServiceIndicator = 4  // telephone user part
	SIISUP  ServiceIndicator = 5  // ISDN user part
	SIDUPC  ServiceIndicator = 6  // data user part, call and circuit related
	SIDUPF  ServiceIndicator = 7  // data user part, facility registration and cancellation
	SIMTPT  ServiceIndicator = 8  // MTP testing user part
	SIBISUP ServiceIndicator = 9  // broadband ISUP
	SISISUP ServiceIndicator = 10 // satellite ISUP
	SIAAL2  ServiceIndicator = 12 // AAL type 2 signalling (Q.2630)
	SIBICC  ServiceIndicator = 13 // bearer independent call control
	SIGCP   ServiceIndicator = 14 // gateway control protocol (H.248)
)

var siNames = [16]string{
	SISNM: "SNM", SISNT: "SNT", SISNTS: "SNTS", SISCCP: "SCCP", SITUP: "TUP",
	SIISUP: "ISUP", SIDUPC: "DUP-C", SIDUPF: "DUP-F", SIMTPT: "MTP-TEST",
	SIBISUP: "B-ISUP", SISISUP: "S-ISUP", 11: "SPARE-11", SIAAL2: "AAL2",
	SIBICC: "BICC", SIGCP: "GCP", 15: "SPARE-15",
}

// String returns the short name of the service indicator, such as "ISUP".
func (s ServiceIndicator) String() string {
	if int(s) < len(siNames) {
		return siNames[s]
	}
	return fmt.Sprintf("SI(%d)", uint8(s))
}

// Class is the M3UA message class. Spec: RFC 4666 §3.1.2.
type Class uint8

// Message classes, RFC 4666 §3.1.2.
const (
	ClassMGMT     Class = 0 // management
	ClassTransfer Class = 1 // transfer (DATA)
	ClassSSNM     Class = 2 // SS7 signalling network management
	ClassASPSM    Class = 3 // ASP state maintenance
	ClassASPTM    Class = 4 // ASP traffic maintenance
	ClassRKM      Class = 9 // routing key management
)

// String returns the class acronym, such as "SSNM".
func (c Class) String() string {
	switch c {
	case ClassMGMT:
		return "MGMT"
	case ClassTransfer:
		return "TRANSFER"
	case ClassSSNM:
		return "SSNM"
	case ClassASPSM:
		return "ASPSM"
	case ClassASPTM:
		return "ASPTM"
	case ClassRKM:
		return "RKM"
	}
	return fmt.Sprintf("CLASS(%d)", uint8(c))
}

// Type is the M3UA message type, meaningful within its Class.
// Spec: RFC 4666 §3.1.3.
type Type uint8

// TypeData is the only Transfer message type: Payload Data (DATA).
const TypeData Type = 1

var typeNames = map[uint16]string{
	uint16(ClassMGMT)<<8 | 0:     "ERR",
	uint16(ClassMGMT)<<8 | 1:     "NTFY",
	uint16(ClassTransfer)<<8 | 1: "DATA",
	uint16(ClassSSNM)<<8 | 1:     "DUNA",
	uint16(ClassSSNM)<<8 | 2:     "DAVA",
	uint16(ClassSSNM)<<8 | 3:     "DAUD",
	uint16(ClassSSNM)<<8 | 4:     "SCON",
	uint16(ClassSSNM)<<8 | 5:     "DUPU",
	uint16(ClassSSNM)<<8 | 6:     "DRST",
	uint16(ClassASPSM)<<8 | 1:    "ASPUP",
	uint16(ClassASPSM)<<8 | 2:    "ASPDN",
	uint16(ClassASPSM)<<8 | 3:    "BEAT",
	uint16(ClassASPSM)<<8 | 4:    "ASPUP_ACK",
	uint16(ClassASPSM)<<8 | 5:    "ASPDN_ACK",
	uint16(ClassASPSM)<<8 | 6:    "BEAT_ACK",
	uint16(ClassASPTM)<<8 | 1:    "ASPAC",
	uint16(ClassASPTM)<<8 | 2:    "ASPIA",
	uint16(ClassASPTM)<<8 | 3:    "ASPAC_ACK",
	uint16(ClassASPTM)<<8 | 4:    "ASPIA_ACK",
	uint16(ClassRKM)<<8 | 1:      "REG_REQ",
	uint16(ClassRKM)<<8 | 2:      "REG_RSP",
	uint16(ClassRKM)<<8 | 3:      "DEREG_REQ",
	uint16(ClassRKM)<<8 | 4:      "DEREG_RSP",
}

// Name returns the RFC 4666 acronym of a message class and type, such as
// "DATA", "ASPUP_ACK" or "DUNA", or "UNKNOWN" for a pair the RFC does not
// define. It does not allocate.
func Name(class Class, typ Type) string {
	if n, ok := typeNames[uint16(class)<<8|uint16(typ)]; ok {
		return n
	}
	return "UNKNOWN"
}

// Parameter tags of DATA, RFC 4666 §3.2 (common) and §3.3 (M3UA specific),
// and the draft-ietf-sigtran-m3ua-06 tags RFC 4666 reserves. Other messages
// use go-m3ua's params constants.
const (
	tagDraftNetworkAppearance = 0x0001 // draft 6 Network Appearance
	tagDraftProtocolData1     = 0x0002 // draft 6 Protocol Data 1: SIO, routing label, user data
	tagDraftProtocolData2     = 0x0003 // draft 6 Protocol Data 2: LI octet then as Protocol Data 1
	tagRoutingContext         = 0x0006
	tagCorrelationID          = 0x0013
	tagNetworkAppearance      = 0x0200
	tagProtocolData           = 0x0210
)

// Message is one decoded M3UA message. Decode fills it; the slices alias the
// decoded input (Payload, Trailing, InfoString) or reuse their own capacity
// (Unknown, AffectedPointCodes), so a Message is valid until its input is
// modified or it is decoded into again.
type Message struct {
	Version uint8  // common header version, 1 (release 1.0)
	Class   Class  // message class
	Type    Type   // message type within the class
	Length  uint32 // message length from the common header, header included

	// Draft reports the pre-RFC format of draft-ietf-sigtran-m3ua-06: the
	// DATA message carried the MTP3 message (SIO, ITU routing label, user
	// part) in a Protocol Data 1 or 2 parameter instead of RFC 4666's
	// Protocol Data parameter.
	Draft bool
	// Data reports a DATA message with Protocol Data: OPC through SLS and
	// Payload are set.
	Data bool

	OPC, DPC uint32           // originating and destination point codes
	SI       ServiceIndicator // MTP3 service indicator
	NI       uint8            // network indicator (0 international ... 3 national spare)
	MP       uint8            // message priority (0 when not used)
	SLS      uint8            // signalling link selection

	RoutingContext       uint32 // the first Routing Context value
	HasRoutingContext    bool
	NetworkAppearance    uint32
	HasNetworkAppearance bool
	CorrelationID        uint32
	HasCorrelationID     bool

	// AffectedPointCodes lists the Affected Point Code values of an SSNM
	// message (DUNA, DAVA, DAUD, SCON, DUPU, DRST): mask in the top octet,
	// point code in the low 24 bits.
	AffectedPointCodes []uint32
	ErrorCode          uint32 // ERR Error Code, RFC 4666 §3.8.1
	HasErrorCode       bool
	StatusType         uint16 // NTFY Status Type, RFC 4666 §3.8.2
	StatusInfo         uint16 // NTFY Status Information
	HasStatus          bool
	InfoString         []byte // INFO String parameter, when present

	// Payload is the MTP3 user part: for ISUP it starts at the CIC, for SCCP
	// at the message type. It aliases the input.
	Payload []byte
	// Unknown lists, in order, the tags of parameters this package does not
	// interpret. They are skipped, not an error.
	Unknown []uint16
	// Trailing holds any bytes of the input after the message (after Length
	// octets). RFC 4666 puts one M3UA message in one SCTP user message, so a
	// non-empty Trailing is either garbage or a second message the caller may
	// decode in turn. It aliases the input.
	Trailing []byte
}

// Name returns the RFC 4666 acronym of the message, such as "DATA".
func (m *Message) Name() string { return Name(m.Class, m.Type) }

func (m *Message) reset() {
	unknown, apc := m.Unknown[:0], m.AffectedPointCodes[:0]
	*m = Message{Unknown: unknown, AffectedPointCodes: apc}
}

// Decode decodes the first M3UA message of b, one SCTP user message with
// payload protocol identifier 3, into m, resetting every field and reusing
// slice capacity. The result aliases b.
//
// The common header, RFC 4666 §3.1:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|    Version    |   Reserved    | Message Class | Message Type  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                        Message Length                         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           Tag                 |      Parameter Length         |  ...
//
// followed by parameters, each padded to 4 octets (RFC 4666 §3.2). Bytes
// after Message Length octets are left in m.Trailing. An unknown parameter
// tag is recorded in m.Unknown, never an error. Errors wrap ErrTruncated,
// ErrMalformed or ErrVersion; the header fields are set whenever the first
// 8 octets were read.
func (m *Message) Decode(b []byte) error {
	m.reset()
	if len(b) < 8 {
		return fmt.Errorf("m3ua: common header needs 8 bytes, have %d: %w", len(b), ErrTruncated)
	}
	m.Version, m.Class, m.Type = b[0], Class(b[2]), Type(b[3])
	m.Length = binary.BigEndian.Uint32(b[4:8])
	if m.Version != 1 {
		return fmt.Errorf("m3ua: version %d: %w", m.Version, ErrVersion)
	}
	if m.Length < 8 {
		return fmt.Errorf("m3ua: message length %d below the header size: %w", m.Length, ErrMalformed)
	}
	if uint64(m.Length) > uint64(len(b)) {
		return fmt.Errorf("m3ua: message length %d exceeds the %d bytes given: %w", m.Length, len(b), ErrTruncated)
	}
	msg := b[:m.Length]
	m.Trailing = b[m.Length:]
	if len(m.Trailing) == 0 {
		m.Trailing = nil
	}
	if m.Class == ClassTransfer && m.Type == TypeData {
		return m.decodeData(msg[8:])
	}
	return m.decodeOther(msg)
}

// nextParam splits the parameter at the start of p (RFC 4666 §3.2):
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|          Parameter Tag        |       Parameter Length        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	\                       Parameter Value (padded to 4)           \
//
// Parameter Length counts the 4 header octets but not the padding; the last
// parameter's padding may be missing.
func nextParam(p []byte, off int) (tag uint16, val, rest []byte, err error) {
	if len(p) < 4 {
		return 0, nil, nil, fmt.Errorf("m3ua: parameter header at offset %d needs 4 bytes, have %d: %w", off, len(p), ErrMalformed)
	}
	tag = binary.BigEndian.Uint16(p)
	n := int(binary.BigEndian.Uint16(p[2:]))
	if n < 4 {
		return 0, nil, nil, fmt.Errorf("m3ua: parameter 0x%04x at offset %d has length %d: %w", tag, off, n, ErrMalformed)
	}
	if n > len(p) {
		return 0, nil, nil, fmt.Errorf("m3ua: parameter 0x%04x at offset %d has length %d, message has %d left: %w", tag, off, n, len(p), ErrMalformed)
	}
	padded := (n + 3) &^ 3
	if padded > len(p) {
		padded = len(p)
	}
	return tag, p[4:n], p[padded:], nil
}

// decodeData walks the parameters of a DATA message. Spec: RFC 4666 §3.3.1.
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        Tag = 0x0210           |             Length            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Originating Point Code                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                     Destination Point Code                    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|       SI      |       NI      |      MP       |      SLS      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	\                     User Protocol Data                        \
//
// Network Appearance (0x0200), Routing Context (0x0006) and Correlation ID
// (0x0013) are optional. Draft 6 DATA (tags 0x0001, 0x0002, 0x0003, which
// RFC 4666 reserves) is decoded by decodeDraftProtocolData.
func (m *Message) decodeData(p []byte) error {
	off := 8
	for len(p) > 0 {
		tag, val, rest, err := nextParam(p, off)
		if err != nil {
			return err
		}
		switch tag {
		case tagProtocolData:
			if len(val) < 12 {
				return fmt.Errorf("m3ua: protocol data of %d bytes, need 12: %w", len(val), ErrMalformed)
			}
			m.OPC = binary.BigEndian.Uint32(val)
			m.DPC = binary.BigEndian.Uint32(val[4:])
			m.SI = ServiceIndicator(val[8])
			m.NI, m.MP, m.SLS = val[9], val[10], val[11]
			m.Payload = val[12:]
			m.Data = true
		case tagDraftProtocolData1, tagDraftProtocolData2:
			if err := m.decodeDraftProtocolData(tag, val); err != nil {
				return err
			}
		case tagRoutingContext:
			if len(val) >= 4 && !m.HasRoutingContext {
				m.RoutingContext, m.HasRoutingContext = binary.BigEndian.Uint32(val), true
			}
		case tagNetworkAppearance, tagDraftNetworkAppearance:
			if len(val) >= 4 {
				m.NetworkAppearance, m.HasNetworkAppearance = binary.BigEndian.Uint32(val), true
			}
		case tagCorrelationID:
			if len(val) >= 4 {
				m.CorrelationID, m.HasCorrelationID = binary.BigEndian.Uint32(val), true
			}
		default:
			m.Unknown = append(m.Unknown, tag)
		}
		off += len(p) - len(rest)
		p = rest
	}
	if !m.Data {
		return fmt.Errorf("m3ua: DATA message without protocol data: %w", ErrMalformed)
	}
	return nil
}

// decodeDraftProtocolData decodes the Protocol Data 1 and 2 parameters of
// draft-ietf-sigtran-m3ua-06 §3.3.1: the MTP3 message as on the link, that is
// the service information octet, the routing label and the user part
// (Protocol Data 2 puts a one-octet MTP2 length indicator first). The routing
// label is read in the ITU-T Q.704 §2.2 format, 32 bits little-endian:
//
//	SIO: NI(2) spare(2) SI(4)
//	label: SLS(4) | OPC(14) | DPC(14)   (most to least significant bit)
//
// The 24-bit ANSI label is not supported: such networks would need the
// variant to be configured.
func (m *Message) decodeDraftProtocolData(tag uint16, val []byte) error {
	if tag == tagDraftProtocolData2 {
		if len(val) < 1 {
			return fmt.Errorf("m3ua: draft 6 protocol data 2 without its length indicator: %w", ErrMalformed)
		}
		val = val[1:]
	}
	if len(val) < 5 {
		return fmt.Errorf("m3ua: draft 6 protocol data of %d bytes, need 5 (SIO and routing label): %w", len(val), ErrMalformed)
	}
	sio := val[0]
	label := binary.LittleEndian.Uint32(val[1:])
	m.SI = ServiceIndicator(sio & 0x0f)
	m.NI = sio >> 6
	m.MP = (sio >> 4) & 0x03
	m.DPC = label & 0x3fff
	m.OPC = (label >> 14) & 0x3fff
	m.SLS = uint8(label >> 28)
	m.Payload = val[5:]
	m.Data, m.Draft = true, true
	return nil
}

// decodeOther decodes a message of any class but Transfer with go-m3ua's
// parameter parser, handed exactly this one message. The parameters are
// those of RFC 4666 §3.4 to §3.8; the class and type tell the caller what
// happened, the parameters interpreted here add the routing context, the
// affected point codes of SSNM, the error code of ERR and the status of NTFY.
func (m *Message) decodeOther(msg []byte) error {
	body := msg[8:]
	if len(body) == 0 {
		return nil
	}
	// Validate with our own walk first: go-m3ua's walker cannot tell where a
	// bad parameter is, and treats a dangling fragment as the end.
	for p, off := body, 8; len(p) > 0; {
		_, _, rest, err := nextParam(p, off)
		if err != nil {
			return err
		}
		off += len(p) - len(rest)
		p = rest
	}
	prs, err := params.ParseMultiParams(body)
	if err != nil {
		return fmt.Errorf("m3ua: %s parameters: %v: %w", m.Name(), err, ErrMalformed)
	}
	for _, pr := range prs {
		switch pr.Tag {
		case params.RoutingContext:
			if len(pr.Data) >= 4 && !m.HasRoutingContext {
				m.RoutingContext, m.HasRoutingContext = binary.BigEndian.Uint32(pr.Data), true
			}
		case params.NetworkAppearance:
			if len(pr.Data) == 4 {
				m.NetworkAppearance, m.HasNetworkAppearance = pr.NetworkAppearance(), true
			}
		case params.CorrelationID:
			if len(pr.Data) == 4 {
				m.CorrelationID, m.HasCorrelationID = pr.CorrelationID(), true
			}
		case params.AffectedPointCode:
			m.AffectedPointCodes = append(m.AffectedPointCodes, pr.AffectedPointCodes()...)
		case params.ErrorCode:
			if len(pr.Data) == 4 {
				m.ErrorCode, m.HasErrorCode = pr.ErrorCode(), true
			}
		case params.Status:
			if len(pr.Data) == 4 {
				m.StatusType, m.StatusInfo, m.HasStatus = pr.StatusType(), pr.StatusInfo(), true
			}
		case params.InfoString:
			m.InfoString = pr.Data
		default:
			m.Unknown = append(m.Unknown, pr.Tag)
		}
	}
	return nil
}
