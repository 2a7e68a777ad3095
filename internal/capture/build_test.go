package capture

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"time"
)

// Helpers that build synthetic frames and capture files for the tests.
// Checksums are left zero: the reader does not verify them.

var (
	a4 = netip.MustParseAddr("10.0.0.1")
	b4 = netip.MustParseAddr("10.0.0.2")
	a6 = netip.MustParseAddr("2001:db8::1")
	b6 = netip.MustParseAddr("2001:db8::2")
)

var t0 = time.Date(2024, 5, 1, 12, 0, 0, 123456789, time.UTC)

func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// ipv4Frag builds an IPv4 header (no options) in front of payload, with
// the fragment offset in bytes.
func ipv4Frag(src, dst netip.Addr, proto uint8, id uint16, more bool, off int, payload []byte) []byte {
	h := make([]byte, 20)
	h[0] = 0x45
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(payload)))
	binary.BigEndian.PutUint16(h[4:], id)
	ff := uint16(off / 8)
	if more {
		ff |= 0x2000
	}
	binary.BigEndian.PutUint16(h[6:], ff)
	h[8] = 64
	h[9] = proto
	s, d := src.As4(), dst.As4()
	copy(h[12:], s[:])
	copy(h[16:], d[:])
	return append(h, payload...)
}

func ipv4(src, dst netip.Addr, proto uint8, payload []byte) []byte {
	return ipv4Frag(src, dst, proto, 1, false, 0, payload)
}

// ipv6 builds an IPv6 header; payload starts with the header named next.
func ipv6(src, dst netip.Addr, next uint8, payload []byte) []byte {
	h := make([]byte, 40)
	h[0] = 0x60
	binary.BigEndian.PutUint16(h[4:], uint16(len(payload)))
	h[6] = next
	h[7] = 64
	s, d := src.As16(), dst.As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, payload...)
}

// ipv6FragHdr is an IPv6 fragment header followed by a fragment.
func ipv6FragHdr(next uint8, id uint32, more bool, off int, frag []byte) []byte {
	fo := uint16(off)
	if more {
		fo |= 1
	}
	return cat([]byte{next, 0}, be16(fo), be32(id), frag)
}

func udp(sp, dp uint16, payload []byte) []byte {
	return cat(be16(sp), be16(dp), be16(uint16(8+len(payload))), be16(0), payload)
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
)

func tcp(sp, dp uint16, seq uint32, flags uint8, payload []byte) []byte {
	return cat(be16(sp), be16(dp), be32(seq), be32(0), []byte{5 << 4, flags}, be16(65535), be16(0), be16(0), payload)
}

func sctp(sp, dp uint16, chunks ...[]byte) []byte {
	return cat(be16(sp), be16(dp), be32(0x01020304), be32(0), cat(chunks...))
}

// chunk builds an SCTP chunk with its padding.
func chunk(typ, flags uint8, value []byte) []byte {
	c := cat([]byte{typ, flags}, be16(uint16(4+len(value))), value)
	for len(c)%4 != 0 {
		c = append(c, 0)
	}
	return c
}

func dataChunk(flags uint8, tsn uint32, stream, ssn uint16, ppid uint32, data string) []byte {
	return chunk(0, flags, cat(be32(tsn), be16(stream), be16(ssn), be32(ppid), []byte(data)))
}

func idataChunk(flags uint8, tsn uint32, stream uint16, mid, ppidOrFSN uint32, data string) []byte {
	return chunk(64, flags, cat(be32(tsn), be16(stream), be16(0), be32(mid), be32(ppidOrFSN), []byte(data)))
}

func initChunk(typ uint8, initTSN uint32) []byte {
	return chunk(typ, 0, cat(be32(0xabcdef01), be32(65536), be16(10), be16(10), be32(initTSN)))
}

// gtpu builds a GTPv1-U header with the given flags (E, S, PN bits) and
// raw optional part (4 bytes + extension headers) in front of inner.
func gtpu(typ uint8, teid uint32, flags uint8, opt []byte, inner []byte) []byte {
	return cat([]byte{0x30 | flags, typ}, be16(uint16(len(opt)+len(inner))), be32(teid), opt, inner)
}

func ether(et uint16, payload []byte, tags ...uint16) []byte {
	h := cat([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11})
	for i := 0; i+1 < len(tags); i += 2 {
		h = cat(h, be16(tags[i]), be16(tags[i+1]))
	}
	return cat(h, be16(et), payload)
}

func sll(et uint16, payload []byte) []byte {
	return cat(be16(0), be16(1), be16(6), []byte{0, 1, 2, 3, 4, 5, 0, 0}, be16(et), payload)
}

func sll2(et uint16, payload []byte) []byte {
	return cat(be16(et), be16(0), be32(2), be16(1), []byte{0, 6}, []byte{0, 1, 2, 3, 4, 5, 0, 0}, payload)
}

func null(family uint32, bigEndian bool, payload []byte) []byte {
	if bigEndian {
		return cat(be32(family), payload)
	}
	return cat(binary.LittleEndian.AppendUint32(nil, family), payload)
}

func pppoe(proto uint16, payload []byte) []byte {
	return cat([]byte{0x11, 0}, be16(0x1234), be16(uint16(2+len(payload))), be16(proto), payload)
}

// pcapFile builds a pcap file. nano selects the ns magic, bigEndian the
// byte order; each frame is stamped t0 + i ms.
func pcapFile(linkType uint32, nano, bigEndian bool, frames ...[]byte) []byte {
	var o binary.AppendByteOrder = binary.LittleEndian
	if bigEndian {
		o = binary.BigEndian
	}
	magic := uint32(0xa1b2c3d4)
	if nano {
		magic = 0xa1b23c4d
	}
	var b []byte
	b = o.AppendUint32(b, magic)
	b = o.AppendUint16(b, 2)
	b = o.AppendUint16(b, 4)
	b = o.AppendUint32(b, 0)
	b = o.AppendUint32(b, 0)
	b = o.AppendUint32(b, 65535)
	b = o.AppendUint32(b, linkType)
	for i, f := range frames {
		ts := t0.Add(time.Duration(i) * time.Millisecond)
		b = o.AppendUint32(b, uint32(ts.Unix()))
		if nano {
			b = o.AppendUint32(b, uint32(ts.Nanosecond()))
		} else {
			b = o.AppendUint32(b, uint32(ts.Nanosecond()/1000))
		}
		b = o.AppendUint32(b, uint32(len(f)))
		b = o.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// pcapAt builds a little-endian ns pcap with explicit timestamps.
func pcapAt(linkType uint32, times []time.Time, frames ...[]byte) []byte {
	b := pcapFile(linkType, true, false)
	o := binary.LittleEndian
	for i, f := range frames {
		b = o.AppendUint32(b, uint32(times[i].Unix()))
		b = o.AppendUint32(b, uint32(times[i].Nanosecond()))
		b = o.AppendUint32(b, uint32(len(f)))
		b = o.AppendUint32(b, uint32(len(f)))
		b = append(b, f...)
	}
	return b
}

// ngBlock builds a little-endian pcapng block.
func ngBlock(typ uint32, body []byte) []byte {
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	o := binary.LittleEndian
	n := uint32(12 + len(body))
	b := o.AppendUint32(nil, typ)
	b = o.AppendUint32(b, n)
	b = append(b, body...)
	return o.AppendUint32(b, n)
}

func ngSHB() []byte {
	o := binary.LittleEndian
	b := o.AppendUint32(nil, 0x1a2b3c4d)
	b = o.AppendUint16(b, 1)
	b = o.AppendUint16(b, 0)
	b = o.AppendUint64(b, ^uint64(0))
	return ngBlock(0x0a0d0d0a, b)
}

// ngIDB declares an interface; tsresol 9 gives ns timestamps.
func ngIDB(linkType uint16, nanos bool) []byte {
	o := binary.LittleEndian
	b := o.AppendUint16(nil, linkType)
	b = o.AppendUint16(b, 0)
	b = o.AppendUint32(b, 0)
	if nanos {
		b = o.AppendUint16(b, 9) // if_tsresol
		b = o.AppendUint16(b, 1)
		b = append(b, 9, 0, 0, 0)
		b = o.AppendUint32(b, 0) // opt_endofopt
	}
	return ngBlock(1, b)
}

func ngEPB(iface uint32, ts uint64, data []byte) []byte {
	o := binary.LittleEndian
	b := o.AppendUint32(nil, iface)
	b = o.AppendUint32(b, uint32(ts>>32))
	b = o.AppendUint32(b, uint32(ts))
	b = o.AppendUint32(b, uint32(len(data)))
	b = o.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	return ngBlock(6, b)
}

func ngSPB(data []byte) []byte {
	return ngBlock(3, cat(binary.LittleEndian.AppendUint32(nil, uint32(len(data))), data))
}
