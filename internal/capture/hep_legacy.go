package capture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"
)

// HEP v1 and v2 (HEP/EEP before HEP3): a fixed binary header, the
// addresses of the captured packet, in v2 its capture time and the capture
// node's id, then the captured SIP message as is. Kamailio siptrace
// (hep_version 1 or 2), OpenSIPS proto_hep (version=1/2), FreeSWITCH and
// old captagent send it.
//
// Spec: there is no written specification; the layout is the C structures
// hep_hdr, hep_iphdr/hep_ip6hdr and hep_timehdr shared by the senders and
// receivers (Kamailio modules/sipcapture hep.h and hep.c, OpenSIPS
// modules/proto_hep hep.c pack_hepv12/unpack_hepv12):
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  version 1/2  | header length |  address fam. |  IP protocol  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     source port (network)     |  destination port (network)   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     source address (4 bytes IPv4, 16 bytes IPv6) ...          |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     destination address (4 or 16 bytes) ...                   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     v2 only: seconds (sender's byte order, little-endian)     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     v2 only: microseconds (little-endian)                     |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	| v2: capture id (little-endian)|  v2: struct padding (0 or 2)  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     SIP message ...
//
// The header length counts the first 8 bytes and the two addresses: 16
// for IPv4, 40 for IPv6; the packet has no total length (over TCP the SIP
// message's Content-Length ends it). The time header is the C struct
// {uint32 sec; uint32 usec; uint16 captid} copied from memory: its fields
// are in the sender's byte order (Kamailio converts them to little-endian,
// the others run on little-endian hosts) and the compilers pad it to 12
// bytes, while a few senders pack it to 10 (resiprocate); the decoder
// takes 10 when a SIP start line begins there, 12 otherwise.
const (
	hepLegacyFixed = 8  // version, length, family, protocol, ports
	hepV2TimeLen   = 10 // seconds, microseconds, capture id
	hepV2TimePad   = 2  // C struct padding after the capture id
	hepSIPStartMax = 10 // "SUBSCRIBE ": the longest start of a start line hepSIPStart knows
)

// hepFamilyLen returns the address length of a v1/v2 address family and
// the family callsight reports (2 or 10), or 0 when the family is not one.
// AF_INET6 differs between systems: 10 on Linux, 24 on NetBSD and
// OpenBSD, 28 on FreeBSD, 30 on macOS.
func hepFamilyLen(f uint8) (n int, fam uint8) {
	switch f {
	case 2:
		return 4, 2
	case 10, 24, 28, 30:
		return 16, 10
	}
	return 0, 0
}

// hepLegacyHeader checks the fixed part of a v1/v2 packet in b and returns
// where the SIP message starts (time header and padding included for v2)
// and the address length. It needs len(b) >= hepLegacyFixed. complete says
// b is the whole packet (a datagram); otherwise more says b is too short to
// choose the v2 padding yet.
func hepLegacyHeader(b []byte, complete bool) (off, alen int, more bool, err error) {
	v, hl, f := b[0], int(b[1]), b[2]
	alen, _ = hepFamilyLen(f)
	if alen == 0 {
		return 0, 0, false, fmt.Errorf("capture: hep: v%d address family %d: %w", v, f, ErrMalformed)
	}
	if hl != hepLegacyFixed+2*alen {
		return 0, 0, false, fmt.Errorf("capture: hep: v%d header length %d, want %d for family %d: %w", v, hl, hepLegacyFixed+2*alen, f, ErrMalformed)
	}
	off = hl
	if v == 2 {
		off += hepV2TimeLen
		rest := b[min(off, len(b)):]
		switch {
		case hepSIPStart(rest):
		case len(rest) < hepSIPStartMax && !complete:
			return off, alen, true, nil
		default:
			off += hepV2TimePad
		}
	}
	return off, alen, false, nil
}

// decodeLegacy decodes a HEP v1 or v2 packet: the whole of b.
func (p *HEPPacket) decodeLegacy(b []byte) error {
	v := b[0]
	if len(b) < hepLegacyFixed {
		return fmt.Errorf("capture: hep: v%d, %d bytes: %w", v, len(b), ErrTruncated)
	}
	off, alen, _, err := hepLegacyHeader(b, true)
	if err != nil {
		return err
	}
	if len(b) < off {
		return fmt.Errorf("capture: hep: v%d header of %d bytes, %d bytes: %w", v, off, len(b), ErrTruncated)
	}
	if len(b) == off {
		return fmt.Errorf("capture: hep: v%d without a payload: %w", v, ErrMalformed)
	}
	p.Version = v
	_, p.Family = hepFamilyLen(b[2])
	p.IPProto = b[3]
	sport := binary.BigEndian.Uint16(b[4:6])
	dport := binary.BigEndian.Uint16(b[6:8])
	a := b[hepLegacyFixed:]
	var src, dst netip.Addr
	if alen == 4 {
		src, dst = netip.AddrFrom4([4]byte(a[0:4])), netip.AddrFrom4([4]byte(a[4:8]))
	} else {
		src, dst = netip.AddrFrom16([16]byte(a[0:16])), netip.AddrFrom16([16]byte(a[16:32]))
	}
	p.Src, p.Dst = netip.AddrPortFrom(src, sport), netip.AddrPortFrom(dst, dport)
	if v == 2 {
		t := b[hepLegacyFixed+2*alen:]
		sec := binary.LittleEndian.Uint32(t[0:4])
		usec := binary.LittleEndian.Uint32(t[4:8])
		if usec >= 1e6 {
			return fmt.Errorf("capture: hep: v2 microseconds %d: %w", usec, ErrMalformed)
		}
		p.Time = time.Unix(int64(sec), int64(usec)*1000).UTC()
		p.AgentID = uint32(binary.LittleEndian.Uint16(t[8:10]))
	}
	p.Proto = HEPSIP // v1 and v2 carry SIP only
	p.Payload = b[off:]
	return nil
}

// hepSIPStart reports whether b begins with a SIP start line: "SIP/2.0 "
// or a request method and a space.
func hepSIPStart(b []byte) bool {
	if bytes.HasPrefix(b, []byte("SIP/2.0 ")) {
		return true
	}
	i := 0
	for i < len(b) && i < hepSIPStartMax && b[i] >= 'A' && b[i] <= 'Z' {
		i++
	}
	if i == len(b) || b[i] != ' ' {
		return false
	}
	switch string(b[:i]) {
	case "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "REGISTER", "PRACK", "SUBSCRIBE",
		"NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE":
		return true
	}
	return false
}

// appendHEPLegacy appends p as a HEP v1 or v2 packet, the time header
// padded to 12 bytes as the C senders do.
func appendHEPLegacy(b []byte, p *HEPPacket) []byte {
	alen := 4
	fam := p.Family
	if fam == 0 {
		fam = 2
		if p.Src.Addr().Is6() && !p.Src.Addr().Is4In6() {
			fam = 10
		}
	}
	if fam != 2 {
		alen = 16
	}
	b = append(b, p.Version, byte(hepLegacyFixed+2*alen), fam, p.IPProto)
	b = binary.BigEndian.AppendUint16(b, p.Src.Port())
	b = binary.BigEndian.AppendUint16(b, p.Dst.Port())
	if alen == 4 {
		s, d := hepAs4(p.Src.Addr()), hepAs4(p.Dst.Addr())
		b = append(append(b, s[:]...), d[:]...)
	} else {
		s, d := hepAs16(p.Src.Addr()), hepAs16(p.Dst.Addr())
		b = append(append(b, s[:]...), d[:]...)
	}
	if p.Version == 2 {
		b = binary.LittleEndian.AppendUint32(b, uint32(p.Time.Unix()))
		b = binary.LittleEndian.AppendUint32(b, uint32(p.Time.Nanosecond()/1000))
		b = binary.LittleEndian.AppendUint16(b, uint16(p.AgentID))
		b = append(b, 0, 0)
	}
	return append(b, p.Payload...)
}

// hepLegacyFrameLen returns the length of the HEP v1/v2 packet at the
// start of a TCP stream's buffered bytes b: the header, and the SIP
// message up to the end of its body per Content-Length (0 when absent).
// need > 0 says b is too short to tell, and how many bytes to look again
// with at least.
func hepLegacyFrameLen(b []byte) (n, need int, err error) {
	if len(b) < hepLegacyFixed {
		return 0, hepLegacyFixed, nil
	}
	off, _, more, err := hepLegacyHeader(b, false)
	if err != nil {
		return 0, 0, err
	}
	if more || len(b) < off+1 {
		return 0, max(len(b)+1, off+1), nil
	}
	msg := b[off:]
	end := bytes.Index(msg, []byte("\r\n\r\n"))
	if end < 0 {
		return 0, len(b) + 1, nil
	}
	cl, err := sipContentLength(msg[:end+2])
	if err != nil {
		return 0, 0, err
	}
	return off + end + 4 + cl, 0, nil
}

// sipContentLength returns the value of the Content-Length (or compact
// "l") header among SIP header lines, each ending in CRLF; 0 when absent.
func sipContentLength(h []byte) (int, error) {
	for len(h) > 0 {
		i := bytes.Index(h, []byte("\r\n"))
		if i < 0 {
			break
		}
		line := h[:i]
		h = h[i+2:]
		name, val, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		if !bytes.EqualFold(name, []byte("Content-Length")) && !bytes.EqualFold(name, []byte("l")) {
			continue
		}
		val = bytes.TrimSpace(val)
		n := 0
		for _, c := range val {
			if c < '0' || c > '9' || n > 1<<20 {
				return 0, fmt.Errorf("capture: hep: Content-Length %q: %w", val, ErrMalformed)
			}
			n = n*10 + int(c-'0')
		}
		if len(val) == 0 {
			return 0, fmt.Errorf("capture: hep: empty Content-Length: %w", ErrMalformed)
		}
		return n, nil
	}
	return 0, nil
}

// hepAs4 returns a's IPv4 bytes, zeros when a is not an IPv4 address.
func hepAs4(a netip.Addr) [4]byte {
	if a = a.Unmap(); a.Is4() {
		return a.As4()
	}
	return [4]byte{}
}

// hepAs16 returns a's 16 bytes, zeros when a is not valid.
func hepAs16(a netip.Addr) [16]byte {
	if a.IsValid() {
		return a.As16()
	}
	return [16]byte{}
}
