package capture

import (
	"encoding/binary"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// Link types beyond those gopacket names. Spec: tcpdump.org linktypes.
const (
	linkTypeNull    = 0   // BSD loopback, host-byte-order family
	linkTypeRawDLT1 = 12  // DLT_RAW on most BSDs
	linkTypeRawDLT2 = 14  // DLT_RAW on OpenBSD
	linkTypeLoop    = 108 // OpenBSD loopback, network-byte-order family
	linkTypeSLL2    = 276
)

// EtherTypes handled by the link decoders.
const (
	etherIPv4         = 0x0800
	etherIPv6         = 0x86dd
	etherVLAN         = 0x8100 // IEEE 802.1Q C-tag
	etherQinQ         = 0x88a8 // IEEE 802.1ad S-tag
	etherQinQOld      = 0x9100 // pre-standard QinQ
	etherPPPoESession = 0x8864
	maxVLANTags       = 8
)

// link decodes the link-layer header of one frame and passes the network
// packet on.
func (r *Reader) link(lt layers.LinkType, data []byte) {
	df := gopacket.NilDecodeFeedback
	switch lt {
	case layers.LinkTypeEthernet:
		if err := r.eth.DecodeFromBytes(data, df); err != nil {
			r.fail("ethernet", ErrTruncated, "%d bytes", len(data))
			return
		}
		r.ether(uint16(r.eth.EthernetType), r.eth.Payload)
	case layers.LinkTypeLinuxSLL:
		// Linux cooked v1: 16 bytes, protocol at 14. The address length is
		// not checked: the address field is a fixed 8 bytes and some
		// writers fill the length with garbage, which Wireshark ignores.
		if len(data) < 16 {
			r.fail("sll", ErrTruncated, "%d bytes", len(data))
			return
		}
		r.ether(binary.BigEndian.Uint16(data[14:16]), data[16:])
	case linkTypeSLL2:
		// Linux cooked v2: 20 bytes, protocol at 0.
		if len(data) < 20 {
			r.fail("sll2", ErrTruncated, "%d bytes", len(data))
			return
		}
		r.ether(binary.BigEndian.Uint16(data[0:2]), data[20:])
	case layers.LinkTypeRaw, linkTypeRawDLT1, linkTypeRawDLT2, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		r.rawIP(data)
	case linkTypeNull, linkTypeLoop:
		r.null(data)
	default:
		r.fail("link", ErrUnsupported, "link type %d", uint16(lt))
	}
}

// null decodes the BSD loopback header: a 4-byte address family in the
// byte order of the capturing host (LINKTYPE_NULL) or network order
// (LINKTYPE_LOOP). AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD,
// OpenBSD), 28 (FreeBSD) or 30 (Darwin).
func (r *Reader) null(data []byte) {
	if err := r.loop.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
		if len(data) < 4 {
			r.fail("null", ErrTruncated, "%d bytes", len(data))
		} else {
			r.fail("null", ErrMalformed, "address family %x", data[:4])
		}
		return
	}
	switch r.loop.Family {
	case 2:
		r.ipv4(r.loop.Payload)
	case 24, 28, 30:
		r.ipv6(r.loop.Payload)
	default:
		r.stats.NonIP++
	}
}

// rawIP decodes a packet that starts with the IP header; the version
// nibble says which.
func (r *Reader) rawIP(data []byte) {
	if len(data) == 0 {
		r.fail("ip", ErrTruncated, "empty packet")
		return
	}
	switch data[0] >> 4 {
	case 4:
		r.ipv4(data)
	case 6:
		r.ipv6(data)
	default:
		r.fail("ip", ErrMalformed, "version %d", data[0]>>4)
	}
}

// ether dispatches on an EtherType, through any number of 802.1Q / 802.1ad
// tags (up to maxVLANTags) and PPPoE sessions.
//
// PPPoE session header, RFC 2516 §4, followed by the PPP protocol field:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  VER  | TYPE  |      CODE     |          SESSION_ID           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|            LENGTH             |     PPP protocol (0x0021 IPv4, 0x0057 IPv6)
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
func (r *Reader) ether(et uint16, data []byte) {
	for tags := 0; ; tags++ {
		switch et {
		case etherIPv4:
			r.ipv4(data)
			return
		case etherIPv6:
			r.ipv6(data)
			return
		case etherVLAN, etherQinQ, etherQinQOld:
			if tags == maxVLANTags {
				r.fail("vlan", ErrMalformed, "more than %d tags", maxVLANTags)
				return
			}
			if err := r.dot1q.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
				r.fail("vlan", ErrTruncated, "%d bytes", len(data))
				return
			}
			et, data = uint16(r.dot1q.Type), r.dot1q.Payload
		case etherPPPoESession:
			if len(data) < 8 {
				r.fail("pppoe", ErrTruncated, "%d bytes", len(data))
				return
			}
			if data[0] != 0x11 || data[1] != 0 {
				r.fail("pppoe", ErrMalformed, "version/type %#x code %#x", data[0], data[1])
				return
			}
			n := int(binary.BigEndian.Uint16(data[4:6]))
			if n < 2 || n > len(data)-6 {
				r.fail("pppoe", ErrTruncated, "length %d, %d bytes", n, len(data)-6)
				return
			}
			proto := binary.BigEndian.Uint16(data[6:8])
			data = data[8 : 6+n]
			switch proto {
			case 0x0021:
				r.ipv4(data)
			case 0x0057:
				r.ipv6(data)
			default:
				r.stats.NonIP++
			}
			return
		default:
			r.stats.NonIP++
			return
		}
	}
}

// ipv4 decodes an IPv4 header (RFC 791 §3.1) and passes the payload to the
// transport layer, through reassembly for fragments.
func (r *Reader) ipv4(data []byte) {
	if len(data) < 20 {
		r.fail("ipv4", ErrTruncated, "%d bytes", len(data))
		return
	}
	if data[0]>>4 != 4 {
		r.fail("ipv4", ErrMalformed, "version %d", data[0]>>4)
		return
	}
	ip := &r.ip4
	if err := ip.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
		r.fail("ipv4", ErrMalformed, "%v", err)
		return
	}
	if int(ip.Length) > len(data) {
		r.fail("ipv4", ErrTruncated, "total length %d, %d bytes captured", ip.Length, len(data))
		return
	}
	src := netip.AddrFrom4([4]byte(ip.SrcIP))
	dst := netip.AddrFrom4([4]byte(ip.DstIP))
	proto := uint8(ip.Protocol)
	payload := ip.Payload
	if ip.Flags&layers.IPv4MoreFragments != 0 || ip.FragOffset != 0 {
		r.stats.Fragments++
		key := fragKey{proto: proto, id: uint32(ip.Id)}
		key.src = src.As16()
		key.dst = dst.As16()
		e, err := r.frags.add(key, r.now, int(ip.FragOffset)*8, ip.Flags&layers.IPv4MoreFragments != 0, proto, payload)
		if err != nil {
			r.fail("ipv4", ErrMalformed, "fragment: %v", err)
			return
		}
		if e == nil {
			return
		}
		r.stats.Reassembled++
		r.transport(e.proto, src, dst, e.data())
		r.frags.release(e)
		return
	}
	r.transport(proto, src, dst, payload)
}

// IPv6 extension headers walked by ipv6. Spec: RFC 8200 §4.
const (
	ipv6HopByHop    = 0
	ipv6Routing     = 43
	ipv6Fragment    = 44
	ipv6AH          = 51
	ipv6NoNext      = 59
	ipv6DestOptions = 60
	ipv6Mobility    = 135
	maxIPv6ExtHdrs  = 16
)

// ipv6 decodes an IPv6 header (RFC 8200 §3), walks the extension headers
// and passes the upper-layer payload on, through reassembly for fragments.
//
// Fragment header, RFC 8200 §4.5:
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|  Next Header  |   Reserved    |      Fragment Offset    |Res|M|
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                         Identification                        |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
func (r *Reader) ipv6(data []byte) {
	if len(data) < 40 {
		r.fail("ipv6", ErrTruncated, "%d bytes", len(data))
		return
	}
	if data[0]>>4 != 6 {
		r.fail("ipv6", ErrMalformed, "version %d", data[0]>>4)
		return
	}
	ip := &r.ip6
	if err := ip.DecodeFromBytes(data, gopacket.NilDecodeFeedback); err != nil {
		r.fail("ipv6", ErrMalformed, "%v", err)
		return
	}
	if ip.Length != 0 && int(ip.Length) > len(data)-40 {
		r.fail("ipv6", ErrTruncated, "payload length %d, %d bytes captured", ip.Length, len(data)-40)
		return
	}
	src := netip.AddrFrom16([16]byte(ip.SrcIP))
	dst := netip.AddrFrom16([16]byte(ip.DstIP))
	next := uint8(ip.NextHeader)
	if ip.HopByHop != nil {
		next = uint8(ip.HopByHop.NextHeader)
	}
	r.ipv6Payload(src, dst, next, ip.Payload, false)
}

// ipv6Payload walks extension headers from next and passes the upper-layer
// payload on. reassembled is true for the fragmentable part of a
// reassembled datagram, where a second fragment header is malformed.
func (r *Reader) ipv6Payload(src, dst netip.Addr, next uint8, b []byte, reassembled bool) {
	for i := 0; i < maxIPv6ExtHdrs; i++ {
		switch next {
		case ipv6HopByHop, ipv6Routing, ipv6DestOptions, ipv6Mobility:
			if len(b) < 8 {
				r.fail("ipv6", ErrTruncated, "extension header %d: %d bytes", next, len(b))
				return
			}
			n := (int(b[1]) + 1) * 8
			if n > len(b) {
				r.fail("ipv6", ErrTruncated, "extension header %d: length %d, %d bytes", next, n, len(b))
				return
			}
			next, b = b[0], b[n:]
		case ipv6AH:
			if len(b) < 8 {
				r.fail("ipv6", ErrTruncated, "authentication header: %d bytes", len(b))
				return
			}
			n := (int(b[1]) + 2) * 4
			if n > len(b) {
				r.fail("ipv6", ErrTruncated, "authentication header: length %d, %d bytes", n, len(b))
				return
			}
			next, b = b[0], b[n:]
		case ipv6NoNext:
			r.stats.OtherIP++
			return
		case ipv6Fragment:
			if reassembled {
				r.fail("ipv6", ErrMalformed, "fragment header inside a reassembled datagram")
				return
			}
			if len(b) < 8 {
				r.fail("ipv6", ErrTruncated, "fragment header: %d bytes", len(b))
				return
			}
			r.stats.Fragments++
			fo := binary.BigEndian.Uint16(b[2:4])
			key := fragKey{v6: true, id: binary.BigEndian.Uint32(b[4:8])}
			key.src = src.As16()
			key.dst = dst.As16()
			e, err := r.frags.add(key, r.now, int(fo&^7), fo&1 != 0, b[0], b[8:])
			if err != nil {
				r.fail("ipv6", ErrMalformed, "fragment: %v", err)
				return
			}
			if e == nil {
				return
			}
			r.stats.Reassembled++
			r.ipv6Payload(src, dst, e.proto, e.data(), true)
			r.frags.release(e)
			return
		default:
			r.transport(next, src, dst, b)
			return
		}
	}
	r.fail("ipv6", ErrMalformed, "more than %d extension headers", maxIPv6ExtHdrs)
}

// transport dispatches on the IP protocol number.
func (r *Reader) transport(proto uint8, src, dst netip.Addr, b []byte) {
	switch proto {
	case 17:
		r.udpPacket(src, dst, b)
	case 6:
		r.tcpPacket(src, dst, b)
	case 132:
		r.sctpPacket(src, dst, b)
	default:
		r.stats.OtherIP++
	}
}

// udpPacket decodes a UDP header (RFC 768) and delivers the datagram, or
// decapsulates GTP-U.
func (r *Reader) udpPacket(src, dst netip.Addr, b []byte) {
	if len(b) < 8 {
		r.fail("udp", ErrTruncated, "%d bytes", len(b))
		return
	}
	u := &r.udp
	if err := u.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		r.fail("udp", ErrMalformed, "%v", err)
		return
	}
	if int(u.Length) > len(b) {
		r.fail("udp", ErrTruncated, "length %d, %d bytes captured", u.Length, len(b))
		return
	}
	sp, dp := uint16(u.SrcPort), uint16(u.DstPort)
	payload := u.Payload
	if !r.inGTPU && (dp == r.cfg.GTPUPort || sp == r.cfg.GTPUPort) && r.gtpu(payload) {
		return
	}
	r.stats.UDPDatagrams++
	r.deliver(UDP, netip.AddrPortFrom(src, sp), netip.AddrPortFrom(dst, dp), 0, 0, payload)
}

// tcpPacket decodes a TCP header (RFC 9293 §3.1) and feeds the segment to
// its stream.
func (r *Reader) tcpPacket(src, dst netip.Addr, b []byte) {
	if len(b) < 20 {
		r.fail("tcp", ErrTruncated, "%d bytes", len(b))
		return
	}
	t := &r.tcp
	if err := t.DecodeFromBytes(b, gopacket.NilDecodeFeedback); err != nil {
		r.fail("tcp", ErrMalformed, "%v", err)
		return
	}
	r.stats.TCPSegments++
	r.tcps.segment(r, netip.AddrPortFrom(src, uint16(t.SrcPort)), netip.AddrPortFrom(dst, uint16(t.DstPort)),
		t.Seq, t.SYN, t.FIN, t.RST, t.Payload)
}

// gtpu decapsulates a GTP-U packet and reports whether it was one; a UDP
// datagram on the GTP-U port that is not GTPv1 with PT=1 is left to be
// delivered as plain UDP.
//
// GTPv1-U header, 3GPP TS 29.281 §5.1:
//
//	  7   6   5   4   3   2   1   0
//	+---+---+---+---+---+---+---+---+
//	|version| PT| * | E | S |PN |      octet 1
//	+---+---+---+---+---+---+---+---+
//	|         Message Type          |  2 (255 = G-PDU)
//	+-------------------------------+
//	|    Length (after octet 8)     |  3-4
//	+-------------------------------+
//	|  Tunnel Endpoint Identifier   |  5-8
//	+-------------------------------+
//	| Sequence Number (if E|S|PN)   |  9-10
//	| N-PDU Number    (if E|S|PN)   |  11
//	| Next Ext Header (if E|S|PN)   |  12
//	+-------------------------------+
//
// Each extension header (§5.2) is a length in 4-octet units, content, and
// the type of the next one in its last octet; 0 ends the chain.
func (r *Reader) gtpu(b []byte) bool {
	if len(b) < 8 || b[0]>>5 != 1 || b[0]&0x10 == 0 {
		return false
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n > len(b)-8 {
		r.fail("gtpu", ErrTruncated, "length %d, %d bytes", n, len(b)-8)
		return true
	}
	typ := b[1]
	teid := binary.BigEndian.Uint32(b[4:8])
	msg := b[8 : 8+n]
	if b[0]&0x07 != 0 {
		if len(msg) < 4 {
			r.fail("gtpu", ErrTruncated, "optional fields: %d bytes", len(msg))
			return true
		}
		next := msg[3]
		msg = msg[4:]
		if b[0]&0x04 == 0 {
			next = 0 // E clear: the next-extension octet is not meaningful
		}
		for next != 0 {
			if len(msg) < 1 {
				r.fail("gtpu", ErrTruncated, "extension header %#x", next)
				return true
			}
			l := int(msg[0]) * 4
			if l == 0 {
				r.fail("gtpu", ErrMalformed, "extension header %#x of length 0", next)
				return true
			}
			if l > len(msg) {
				r.fail("gtpu", ErrTruncated, "extension header %#x: length %d, %d bytes", next, l, len(msg))
				return true
			}
			next = msg[l-1]
			msg = msg[l:]
		}
	}
	if typ != 255 {
		r.stats.GTPUOther++
		return true
	}
	r.stats.GTPU++
	if len(msg) == 0 {
		r.fail("gtpu", ErrTruncated, "empty G-PDU")
		return true
	}
	r.inGTPU, r.teid = true, teid
	switch msg[0] >> 4 {
	case 4:
		r.ipv4(msg)
	case 6:
		r.ipv6(msg)
	default:
		r.fail("gtpu", ErrMalformed, "G-PDU carries IP version %d", msg[0]>>4)
	}
	r.inGTPU, r.teid = false, 0
	return true
}
