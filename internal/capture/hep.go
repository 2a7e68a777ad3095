package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// HEPProto is the HEP "protocol type" chunk (0x000b): what the captured
// payload is. Spec: HEP3 Network Protocol Specification (sipcapture/hep),
// "Protocol Types".
type HEPProto uint8

// HEP protocol types callsight knows.
const (
	HEPSIP      HEPProto = 0x01 // SIP message, as sent on the wire
	HEPSDP      HEPProto = 0x03
	HEPRTP      HEPProto = 0x04 // raw RTP (some agents)
	HEPRTCPJSON HEPProto = 0x05 // RTCP report as JSON (heplify, captagent, FreeSWITCH)
	HEPM2UA     HEPProto = 0x08
	HEPM3UA     HEPProto = 0x09 // raw M3UA message (ISUP inside DATA)
	HEPM2PA     HEPProto = 0x0d
	HEPRTPFull  HEPProto = 0x22 // 34: raw RTP from RTP agents
	HEPRTCPXR   HEPProto = 0x23
	HEPDNS      HEPProto = 0x35
	HEPISUPJSON HEPProto = 0x36 // 54: ISUP decoded to JSON by captagent
	HEPLog      HEPProto = 0x64
)

// String returns a short lowercase name, or the number.
func (p HEPProto) String() string {
	switch p {
	case HEPSIP:
		return "sip"
	case HEPSDP:
		return "sdp"
	case HEPRTP:
		return "rtp"
	case HEPRTCPJSON:
		return "rtcp-json"
	case HEPM2UA:
		return "m2ua"
	case HEPM3UA:
		return "m3ua"
	case HEPM2PA:
		return "m2pa"
	case HEPRTPFull:
		return "rtp-full"
	case HEPRTCPXR:
		return "rtcp-xr"
	case HEPDNS:
		return "dns"
	case HEPISUPJSON:
		return "isup-json"
	case HEPLog:
		return "log"
	}
	return "hep-proto-" + strconv.Itoa(int(p))
}

// HEP generic chunk types (vendor 0). Spec: HEP3 Network Protocol
// Specification, "Chunk types".
const (
	hepChunkFamily    = 0x01 // uint8: 2 IPv4, 10 IPv6
	hepChunkProto     = 0x02 // uint8: IP protocol number
	hepChunkSrc4      = 0x03
	hepChunkDst4      = 0x04
	hepChunkSrc6      = 0x05
	hepChunkDst6      = 0x06
	hepChunkSrcPort   = 0x07
	hepChunkDstPort   = 0x08
	hepChunkTsec      = 0x09
	hepChunkTusec     = 0x0a
	hepChunkProtoType = 0x0b
	hepChunkAgentID   = 0x0c
	hepChunkAuthKey   = 0x0e
	hepChunkPayload   = 0x0f
	hepChunkZPayload  = 0x10 // compressed payload
	hepChunkCorrID    = 0x11
	hepChunkVLAN      = 0x12
	hepChunkNodeName  = 0x13
	hepHeaderLen      = 6
	hepChunkHeaderLen = 6
)

// HEPPacket is one decoded HEP v3 packet.
//
// Spec: HEP3 Network Protocol Specification (github.com/sipcapture/hep,
// "HEP3 (EEP3)"). A packet is a 6-byte header followed by chunks:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      "H"      |      "E"      |      "P"      |      "3"      |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   total length (header incl.) |  chunk vendor id (0 generic)  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|        chunk type id          | chunk length (header incl.)   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  chunk value ...              |  next chunk ...
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Decode aliases its input: AuthKey, CorrelationID, NodeName and Payload
// are valid until the buffer is reused.
//
// Decode also reads HEP v1 and v2 packets (the older fixed header), which
// carry SIP only: Proto is HEPSIP, AgentID is v2's 16-bit capture id, and
// Time is zero in v1 (it has none: the listener stamps the arrival time).
type HEPPacket struct {
	Version       uint8 // 1, 2 or 3
	Family        uint8 // 2 IPv4, 10 IPv6
	IPProto       uint8 // 17 UDP, 6 TCP, 132 SCTP
	Src, Dst      netip.AddrPort
	Time          time.Time // capture time the agent reported (seconds + µs), UTC
	Proto         HEPProto
	AgentID       uint32
	AuthKey       []byte
	CorrelationID []byte
	NodeName      []byte
	VLAN          uint16
	Payload       []byte
	// Compressed is true when the payload came in the compressed
	// payload chunk (0x10), which callsight does not inflate.
	Compressed bool
}

// Decode decodes one HEP packet from b, of any version: v3 when b starts
// with "HEP3", v1 or v2 when its first byte is 1 or 2 (see hepLegacyFixed
// for their layout). A v3 packet holds the length its header declares or
// more (the rest is ignored); a v1 or v2 packet has no length and is the
// whole of b. It resets every field of p. Vendor chunks and unknown
// generic chunks are skipped.
func (p *HEPPacket) Decode(b []byte) error {
	*p = HEPPacket{}
	if len(b) > 0 && (b[0] == 1 || b[0] == 2) {
		return p.decodeLegacy(b)
	}
	if len(b) < hepHeaderLen {
		return fmt.Errorf("capture: hep: %d bytes: %w", len(b), ErrTruncated)
	}
	if string(b[:4]) != "HEP3" {
		return fmt.Errorf("capture: hep: magic %x: %w", b[:4], ErrMalformed)
	}
	p.Version = 3
	n := int(binary.BigEndian.Uint16(b[4:6]))
	if n < hepHeaderLen {
		return fmt.Errorf("capture: hep: total length %d: %w", n, ErrMalformed)
	}
	if n > len(b) {
		return fmt.Errorf("capture: hep: total length %d, %d bytes: %w", n, len(b), ErrTruncated)
	}
	var tsec, tusec uint32
	var src, dst netip.Addr
	var sport, dport uint16
	var havePayload bool
	for c := b[hepHeaderLen:n]; len(c) > 0; {
		if len(c) < hepChunkHeaderLen {
			return fmt.Errorf("capture: hep: chunk header, %d bytes: %w", len(c), ErrTruncated)
		}
		vendor := binary.BigEndian.Uint16(c[0:2])
		typ := binary.BigEndian.Uint16(c[2:4])
		cl := int(binary.BigEndian.Uint16(c[4:6]))
		if cl < hepChunkHeaderLen {
			return fmt.Errorf("capture: hep: chunk %d length %d: %w", typ, cl, ErrMalformed)
		}
		if cl > len(c) {
			return fmt.Errorf("capture: hep: chunk %d length %d, %d bytes left: %w", typ, cl, len(c), ErrTruncated)
		}
		v := c[hepChunkHeaderLen:cl]
		c = c[cl:]
		if vendor != 0 {
			continue
		}
		var err error
		switch typ {
		case hepChunkFamily:
			p.Family, err = hepU8(typ, v)
		case hepChunkProto:
			p.IPProto, err = hepU8(typ, v)
		case hepChunkProtoType:
			var u uint8
			u, err = hepU8(typ, v)
			p.Proto = HEPProto(u)
		case hepChunkSrc4, hepChunkDst4:
			if len(v) != 4 {
				return fmt.Errorf("capture: hep: chunk %d: IPv4 address of %d bytes: %w", typ, len(v), ErrMalformed)
			}
			a := netip.AddrFrom4([4]byte(v))
			if typ == hepChunkSrc4 {
				src = a
			} else {
				dst = a
			}
		case hepChunkSrc6, hepChunkDst6:
			if len(v) != 16 {
				return fmt.Errorf("capture: hep: chunk %d: IPv6 address of %d bytes: %w", typ, len(v), ErrMalformed)
			}
			a := netip.AddrFrom16([16]byte(v))
			if typ == hepChunkSrc6 {
				src = a
			} else {
				dst = a
			}
		case hepChunkSrcPort:
			sport, err = hepU16(typ, v)
		case hepChunkDstPort:
			dport, err = hepU16(typ, v)
		case hepChunkVLAN:
			p.VLAN, err = hepU16(typ, v)
		case hepChunkTsec:
			tsec, err = hepU32(typ, v)
		case hepChunkTusec:
			tusec, err = hepU32(typ, v)
		case hepChunkAgentID:
			p.AgentID, err = hepU32(typ, v)
		case hepChunkAuthKey:
			p.AuthKey = v
		case hepChunkCorrID:
			p.CorrelationID = v
		case hepChunkNodeName:
			p.NodeName = v
		case hepChunkPayload:
			p.Payload, havePayload = v, true
		case hepChunkZPayload:
			p.Payload, havePayload, p.Compressed = v, true, true
		}
		if err != nil {
			return err
		}
	}
	if !havePayload {
		return fmt.Errorf("capture: hep: no payload chunk: %w", ErrMalformed)
	}
	p.Src = netip.AddrPortFrom(src, sport)
	p.Dst = netip.AddrPortFrom(dst, dport)
	p.Time = time.Unix(int64(tsec), int64(tusec)*1000).UTC()
	return nil
}

func hepU8(typ uint16, v []byte) (uint8, error) {
	if len(v) != 1 {
		return 0, fmt.Errorf("capture: hep: chunk %d: %d bytes, want 1: %w", typ, len(v), ErrMalformed)
	}
	return v[0], nil
}

func hepU16(typ uint16, v []byte) (uint16, error) {
	if len(v) != 2 {
		return 0, fmt.Errorf("capture: hep: chunk %d: %d bytes, want 2: %w", typ, len(v), ErrMalformed)
	}
	return binary.BigEndian.Uint16(v), nil
}

func hepU32(typ uint16, v []byte) (uint32, error) {
	if len(v) != 4 {
		return 0, fmt.Errorf("capture: hep: chunk %d: %d bytes, want 4: %w", typ, len(v), ErrMalformed)
	}
	return binary.BigEndian.Uint32(v), nil
}

// AppendHEP appends p encoded as a HEP v3 packet to b: the generic chunks
// for the fields that are set (addresses by their family), the payload
// last. It is the inverse of Decode, for tests and for forwarding. When
// p.Version is 1 or 2 it appends that version's fixed header and the
// payload instead (v2's time header padded to 12 bytes, as the C senders
// write it).
func AppendHEP(b []byte, p *HEPPacket) []byte {
	if p.Version == 1 || p.Version == 2 {
		return appendHEPLegacy(b, p)
	}
	start := len(b)
	b = append(b, 'H', 'E', 'P', '3', 0, 0)
	chunk := func(typ uint16, v []byte) {
		b = binary.BigEndian.AppendUint16(b, 0)
		b = binary.BigEndian.AppendUint16(b, typ)
		b = binary.BigEndian.AppendUint16(b, uint16(hepChunkHeaderLen+len(v)))
		b = append(b, v...)
	}
	var tmp [16]byte
	fam := p.Family
	if fam == 0 {
		fam = 2
		if p.Src.Addr().Is6() && !p.Src.Addr().Is4In6() {
			fam = 10
		}
	}
	chunk(hepChunkFamily, []byte{fam})
	chunk(hepChunkProto, []byte{p.IPProto})
	if fam == 10 {
		s, d := hepAs16(p.Src.Addr()), hepAs16(p.Dst.Addr())
		chunk(hepChunkSrc6, s[:])
		chunk(hepChunkDst6, d[:])
	} else {
		s, d := hepAs4(p.Src.Addr()), hepAs4(p.Dst.Addr())
		chunk(hepChunkSrc4, s[:])
		chunk(hepChunkDst4, d[:])
	}
	chunk(hepChunkSrcPort, binary.BigEndian.AppendUint16(tmp[:0], p.Src.Port()))
	chunk(hepChunkDstPort, binary.BigEndian.AppendUint16(tmp[:0], p.Dst.Port()))
	chunk(hepChunkTsec, binary.BigEndian.AppendUint32(tmp[:0], uint32(p.Time.Unix())))
	chunk(hepChunkTusec, binary.BigEndian.AppendUint32(tmp[:0], uint32(p.Time.Nanosecond()/1000)))
	chunk(hepChunkProtoType, []byte{uint8(p.Proto)})
	chunk(hepChunkAgentID, binary.BigEndian.AppendUint32(tmp[:0], p.AgentID))
	if p.AuthKey != nil {
		chunk(hepChunkAuthKey, p.AuthKey)
	}
	if p.CorrelationID != nil {
		chunk(hepChunkCorrID, p.CorrelationID)
	}
	if p.NodeName != nil {
		chunk(hepChunkNodeName, p.NodeName)
	}
	if p.Compressed {
		chunk(hepChunkZPayload, p.Payload)
	} else {
		chunk(hepChunkPayload, p.Payload)
	}
	binary.BigEndian.PutUint16(b[start+4:], uint16(len(b)-start))
	return b
}

// ToPayload fills pl from a decoded HEP packet when the packet carries
// something the engine reads, and reports whether it did:
//
//   - SIP (1): the message, on the transport the agent names (UDP when it
//     names none);
//   - raw RTP (4, 34): the datagram, as UDP, when it looks like RTP
//     version 2 (agents also send RTP statistics as JSON under 34);
//   - M3UA (9): the message, as SCTP with PPID 3, so the engine decodes
//     the ISUP inside DATA.
//
// Other types (RTCP and ISUP as JSON, logs, DNS, M2UA, compressed
// payloads) are not engine input: ISUP as JSON (0x36, captagent) carries
// the decoded fields but not the message bytes, so it cannot go through
// the ISUP decoder; the HEP listener hands them to HEPConfig.OnOther.
// pl.Frame is left to the caller; pl.Data aliases p.Payload.
func (p *HEPPacket) ToPayload(pl *Payload) bool {
	if p.Compressed {
		return false
	}
	*pl = Payload{Time: p.Time, Src: p.Src, Dst: p.Dst, Data: p.Payload}
	switch p.Proto {
	case HEPSIP:
		pl.Transport = UDP
		switch Transport(p.IPProto) {
		case TCP, SCTP:
			pl.Transport = Transport(p.IPProto)
		}
		return true
	case HEPRTP, HEPRTPFull:
		if len(p.Payload) < 12 || p.Payload[0]>>6 != 2 {
			return false
		}
		pl.Transport = UDP
		return true
	case HEPM3UA:
		pl.Transport = SCTP
		pl.PPID = 3
		return true
	}
	return false
}
