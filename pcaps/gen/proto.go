package gen

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// ISUP message type codes. Spec: ITU-T Q.763 §1.3, Table 4.
const (
	isupIAM  = 0x01
	isupACM  = 0x06
	isupCON  = 0x07
	isupANM  = 0x09
	isupREL  = 0x0C
	isupSUS  = 0x0D
	isupRES  = 0x0E
	isupRLC  = 0x10
	isupBLO  = 0x13
	isupUBL  = 0x14
	isupBLA  = 0x15
	isupUBA  = 0x16
	isupGRS  = 0x17
	isupCGB  = 0x18
	isupCGBA = 0x1A
	isupGRA  = 0x29
	isupCPG  = 0x2C
	isupUCIC = 0x2E
)

// ISUP parameter codes. Spec: ITU-T Q.763 §1.5, Table 5.
const (
	parCalledNumber   = 0x04
	parCallingNumber  = 0x0A
	parCause          = 0x12
	parRedirInfo      = 0x13
	parOptBackward    = 0x29
	parCallDiversion  = 0x36
	parRedirectingNum = 0x0B
	parOrigCalledNum  = 0x28
)

type isupParam struct {
	code byte
	val  []byte
}

// isupBody encodes an ISUP message from the message type code on (no CIC):
// the form carried in an application/isup MIME body (RFC 3204 §4).
//
//	+----------------------------+
//	| message type code          |
//	| mandatory fixed part       |
//	| pointers to mandatory var. |
//	| pointer to optional part   |  (only if opt != nil or hasOpt)
//	| mandatory variable params  |  length + value
//	| optional params ... 0x00   |  code + length + value, end of optional
//	+----------------------------+
//
// Spec: ITU-T Q.763 §1.4 (Figure 3), Q.763 §1.7.
func isupBody(typ byte, fixed []byte, vars [][]byte, hasOpt bool, opt []isupParam) []byte {
	b := []byte{typ}
	b = append(b, fixed...)
	nptr := len(vars)
	if hasOpt {
		nptr++
	}
	ptrAt := len(b)
	b = append(b, make([]byte, nptr)...)
	for i, v := range vars {
		b[ptrAt+i] = byte(len(b) - (ptrAt + i))
		b = append(b, byte(len(v)))
		b = append(b, v...)
	}
	if hasOpt {
		p := ptrAt + len(vars)
		if len(opt) > 0 {
			b[p] = byte(len(b) - p)
			for _, o := range opt {
				b = append(b, o.code, byte(len(o.val)))
				b = append(b, o.val...)
			}
			b = append(b, 0)
		}
	}
	return b
}

// withCIC prefixes an ISUP body with its circuit identification code (Q.763 §1.2, 12 bits LE).
func withCIC(cic uint16, body []byte) []byte {
	return append([]byte{byte(cic), byte(cic>>8) & 0x0f}, body...)
}

// bcd packs digits two per octet, first digit in the low nibble (Q.763 §3.9 and §3.10).
func bcd(digits string) []byte {
	var b []byte
	for i := 0; i < len(digits); i += 2 {
		lo := hexNibble(digits[i])
		hi := byte(0)
		if i+1 < len(digits) {
			hi = hexNibble(digits[i+1])
		}
		b = append(b, lo|hi<<4)
	}
	return b
}

func hexNibble(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c == 'F' || c == 'f':
		return 0x0f
	case c == '*':
		return 0x0b
	case c == '#':
		return 0x0c
	}
	return 0
}

// Nature of address indicators (Q.763 §3.9).
const (
	naiSubscriber    = 1
	naiNational      = 3
	naiInternational = 4
)

// calledNumber encodes the Called party number (Q.763 §3.9); st appends the
// ST end-of-pulsing digit (hex F).
func calledNumber(digits string, nai byte, st bool) []byte {
	if st {
		digits += "F"
	}
	oe := byte(0)
	if len(digits)%2 == 1 {
		oe = 0x80
	}
	b := []byte{oe | nai, 0x10} // INN=0 (routing to internal network number allowed), NPI=1 E.164
	return append(b, bcd(digits)...)
}

// callingNumber encodes the Calling party number (Q.763 §3.10): NI complete,
// NPI E.164, presentation allowed, network provided.
func callingNumber(digits string, nai byte) []byte {
	oe := byte(0)
	if len(digits)%2 == 1 {
		oe = 0x80
	}
	b := []byte{oe | nai, 0x13}
	return append(b, bcd(digits)...)
}

// causeInd encodes Cause indicators (Q.763 §3.12, Q.850 §2.2): ITU-T coding,
// location loc, optional diagnostic bytes.
func causeInd(loc, cause byte, diag []byte) []byte {
	b := []byte{0x80 | loc&0x0f, 0x80 | cause&0x7f}
	return append(b, diag...)
}

// Cause locations (Q.850 §2.2.3).
const (
	locUser          = 0
	locPrivLocal     = 1
	locPubLocal      = 2
	locTransit       = 3
	locPubRemote     = 4
	locBeyondInterwk = 10
)

// redirInfo encodes Redirection information (Q.763 §3.45): redirecting
// indicator 3 (call diverted), original redirection reason unknown,
// redirection counter 1 and redirecting reason. Reason 6 (0110) is "mobile
// subscriber not reachable" (Q.763 §3.45 f), also in Call diversion
// information, §3.6).
func redirInfo(reason byte) []byte {
	return []byte{0x03, reason<<4 | 0x01}
}

// IAMParams are the fields of one encoded IAM.
type iamParams struct {
	calling, called string
	nai             byte
	st              bool
	noCalling       bool
	redirReason     byte // 0: no redirection information
	unknownOpt      bool
}

// iam encodes an IAM (Q.763 Table 32).
func iam(p iamParams) []byte {
	fixed := []byte{
		0x00,       // nature of connection: no satellite, no continuity check
		0x60, 0x01, // forward call: ISUP all the way, not required; originating access ISDN
		0x0A, // calling party's category: ordinary subscriber
		0x00, // transmission medium requirement: speech
	}
	var opt []isupParam
	if !p.noCalling {
		opt = append(opt, isupParam{parCallingNumber, callingNumber(p.calling, p.nai)})
	}
	if p.redirReason != 0 {
		opt = append(opt, isupParam{parRedirInfo, redirInfo(p.redirReason)})
	}
	if p.unknownOpt {
		opt = append(opt, isupParam{0xF5, []byte{0xde, 0xad, 0x01}})
	}
	return isupBody(isupIAM, fixed, [][]byte{calledNumber(p.called, p.nai, p.st)}, true, opt)
}

// Backward call indicators octet 1 (Q.763 §3.5): charge, called party's status, ordinary subscriber.
const (
	bciNoIndication   = 0x12
	bciSubscriberFree = 0x16
)

// acm encodes an ACM (Q.763 Table 21).
func acm(status byte, inband bool, redirReason byte) []byte {
	var opt []isupParam
	if inband {
		opt = append(opt, isupParam{parOptBackward, []byte{0x01}})
	}
	if redirReason != 0 {
		opt = append(opt, isupParam{parRedirInfo, redirInfo(redirReason)})
	}
	return isupBody(isupACM, []byte{status, 0x14}, nil, true, opt)
}

// Event indicators (Q.763 §3.21).
const (
	evAlerting = 0x01
	evProgress = 0x02
	evInband   = 0x03
)

// cpg encodes a CPG (Q.763 Table 30).
func cpg(event byte, redirReason byte) []byte {
	var opt []isupParam
	if redirReason != 0 {
		opt = append(opt, isupParam{parRedirInfo, redirInfo(redirReason)})
		opt = append(opt, isupParam{parCallDiversion, []byte{redirReason<<3 | 0x01}})
	}
	return isupBody(isupCPG, []byte{event}, nil, true, opt)
}

func anm() []byte { return isupBody(isupANM, nil, nil, true, nil) }
func con() []byte { return isupBody(isupCON, []byte{bciNoIndication, 0x14}, nil, true, nil) }
func rlc() []byte { return isupBody(isupRLC, nil, nil, true, nil) }
func sus(res bool) []byte {
	return isupBody(map[bool]byte{false: isupSUS, true: isupRES}[res], []byte{0x00}, nil, true, nil)
}
func simple(t byte) []byte { return []byte{t} } // BLO, BLA, UBL, UBA, UCIC: message type only (Q.763 Table 39)

// rel encodes a REL (Q.763 Table 26).
func rel(loc, cause byte, diag []byte) []byte {
	return isupBody(isupREL, nil, [][]byte{causeInd(loc, cause, diag)}, true, nil)
}

// rangeStatus encodes Range and status (Q.763 §3.43): rng is the range
// (number of circuits - 1); withStatus adds the status bits (all set).
func rangeStatus(rng byte, withStatus bool) []byte {
	b := []byte{rng}
	if withStatus {
		n := int(rng) + 1
		st := make([]byte, (n+7)/8)
		for i := 0; i < n; i++ {
			st[i/8] |= 1 << (i % 8)
		}
		b = append(b, st...)
	}
	return b
}

func grs(rng byte) []byte {
	return isupBody(isupGRS, nil, [][]byte{rangeStatus(rng, false)}, false, nil)
}
func gra(rng byte) []byte {
	return isupBody(isupGRA, nil, [][]byte{rangeStatus(rng, true)}, false, nil)
}

// cgb encodes CGB or CGBA (Q.763 Table 33): supervision type maintenance.
func cgb(typ, rng byte) []byte {
	return isupBody(typ, []byte{0x00}, [][]byte{rangeStatus(rng, true)}, false, nil)
}

// M3UA (RFC 4666 §3.1.1): version 1, reserved, class, type, length.
func m3uaMsg(class, typ byte, params ...[]byte) []byte {
	b := []byte{1, 0, class, typ, 0, 0, 0, 0}
	for _, p := range params {
		b = append(b, p...)
	}
	binary.BigEndian.PutUint32(b[4:], uint32(len(b)))
	return b
}

// m3uaParam encodes one TLV (RFC 4666 §3.2); the length excludes padding.
func m3uaParam(tag uint16, val []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, tag)
	b = binary.BigEndian.AppendUint16(b, uint16(4+len(val)))
	b = append(b, val...)
	return append(b, make([]byte, pad4(len(b))-len(b))...)
}

// m3uaData encodes a Payload Data message (RFC 4666 §3.3.1) carrying an
// ISUP message (SI=5). rc < 0 omits the Routing Context.
func m3uaData(opc, dpc uint32, ni, sls byte, rc int64, unknownTag bool, isupMsg []byte) []byte {
	var ps [][]byte
	if rc >= 0 {
		ps = append(ps, m3uaParam(0x0006, binary.BigEndian.AppendUint32(nil, uint32(rc))))
	}
	if unknownTag {
		ps = append(ps, m3uaParam(0x7F01, []byte{0xca, 0xfe, 0x00, 0x01, 0x02}))
	}
	pd := binary.BigEndian.AppendUint32(nil, opc)
	pd = binary.BigEndian.AppendUint32(pd, dpc)
	pd = append(pd, 5, ni, 0, sls)
	pd = append(pd, isupMsg...)
	ps = append(ps, m3uaParam(0x0210, pd))
	return m3uaMsg(1, 1, ps...)
}

// M3UA management messages (RFC 4666 §3.5, §3.7).
func m3uaASPUP() []byte    { return m3uaMsg(3, 1) }
func m3uaASPUPAck() []byte { return m3uaMsg(3, 4) }
func m3uaBEAT(seq uint32) []byte {
	return m3uaMsg(3, 3, m3uaParam(0x0009, binary.BigEndian.AppendUint32(nil, seq)))
}
func m3uaBEATAck(seq uint32) []byte {
	return m3uaMsg(3, 6, m3uaParam(0x0009, binary.BigEndian.AppendUint32(nil, seq)))
}
func m3uaASPAC(rc uint32) []byte {
	return m3uaMsg(4, 1, m3uaParam(0x000B, []byte{0, 0, 0, 2}), m3uaParam(0x0006, binary.BigEndian.AppendUint32(nil, rc)))
}
func m3uaASPACAck(rc uint32) []byte {
	return m3uaMsg(4, 3, m3uaParam(0x000B, []byte{0, 0, 0, 2}), m3uaParam(0x0006, binary.BigEndian.AppendUint32(nil, rc)))
}

// tbcd packs digits for GTP (3GPP TS 29.274 §8.3, TS 29.060 §7.7.2), filler F.
func tbcd(d string) []byte {
	b := bcd(d)
	if len(d)%2 == 1 {
		b[len(b)-1] |= 0xf0
	}
	return b
}

// gtpv2IE encodes a GTPv2 IE (TS 29.274 §8.2.1).
func gtpv2IE(typ byte, inst byte, val []byte) []byte {
	b := []byte{typ, 0, 0, inst & 0x0f}
	binary.BigEndian.PutUint16(b[1:], uint16(len(val)))
	return append(b, val...)
}

// gtpv2 encodes a GTPv2-C message with TEID (TS 29.274 §5.1).
func gtpv2(typ byte, teid uint32, seq uint32, ies ...[]byte) []byte {
	b := []byte{0x48, typ, 0, 0}
	b = binary.BigEndian.AppendUint32(b, teid)
	b = append(b, byte(seq>>16), byte(seq>>8), byte(seq), 0)
	for _, ie := range ies {
		b = append(b, ie...)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-4))
	return b
}

// fteid encodes an F-TEID IE value (TS 29.274 §8.22) with an IPv4 address.
func fteid(ifType byte, teid uint32, ip [4]byte) []byte {
	b := []byte{0x80 | ifType&0x3f}
	b = binary.BigEndian.AppendUint32(b, teid)
	return append(b, ip[:]...)
}

// apnValue encodes an APN as DNS labels (TS 23.003 §9.1).
func apnValue(apn string) []byte {
	var b []byte
	for _, l := range strings.Split(apn, ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return b
}

// gtpv1 encodes a GTPv1-C message with sequence number (TS 29.060 §6).
func gtpv1(typ byte, teid uint32, seq uint16, ies ...[]byte) []byte {
	b := []byte{0x32, typ, 0, 0}
	b = binary.BigEndian.AppendUint32(b, teid)
	b = binary.BigEndian.AppendUint16(b, seq)
	b = append(b, 0, 0)
	for _, ie := range ies {
		b = append(b, ie...)
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)-8))
	return b
}

// gtpv1TLV encodes a TLV IE (TS 29.060 §7.7, types >= 128).
func gtpv1TLV(typ byte, val []byte) []byte {
	b := []byte{typ, 0, 0}
	binary.BigEndian.PutUint16(b[1:], uint16(len(val)))
	return append(b, val...)
}

// gtpu encodes a G-PDU (TS 29.281 §5.1).
func gtpu(teid uint32, inner []byte) []byte {
	b := []byte{0x30, 0xff, 0, 0}
	binary.BigEndian.PutUint16(b[2:], uint16(len(inner)))
	b = binary.BigEndian.AppendUint32(b, teid)
	return append(b, inner...)
}

// sipMsg assembles a SIP message (RFC 3261 §7): start line, headers in
// order, Content-Length (unless clen >= 0 overrides it), body. lf selects
// bare LF line endings.
func sipMsg(start string, hdrs []string, body []byte, lf bool, clen int, compact bool) []byte {
	eol := "\r\n"
	if lf {
		eol = "\n"
	}
	var sb strings.Builder
	sb.WriteString(start)
	sb.WriteString(eol)
	for _, h := range hdrs {
		sb.WriteString(h)
		sb.WriteString(eol)
	}
	if clen < 0 {
		clen = len(body)
	}
	if compact {
		fmt.Fprintf(&sb, "l: %d%s", clen, eol)
	} else {
		fmt.Fprintf(&sb, "Content-Length: %d%s", clen, eol)
	}
	sb.WriteString(eol)
	return append([]byte(sb.String()), body...)
}

// rtpPacket encodes an RTP packet (RFC 3550 §5.1).
func rtpPacket(pt byte, seq uint16, ts, ssrc uint32, marker bool, payload []byte) []byte {
	b := []byte{0x80, pt, 0, 0}
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	b = binary.BigEndian.AppendUint32(b, ts)
	b = binary.BigEndian.AppendUint32(b, ssrc)
	return append(b, payload...)
}
