package gen

import (
	"encoding/binary"
	"io"
	"time"
)

// Link-layer header types. Spec: https://www.tcpdump.org/linktypes.html.
const (
	linkNull     = 0   // BSD loopback, 4-byte address family in host byte order
	linkEthernet = 1   // IEEE 802.3
	linkRaw      = 101 // raw IPv4/IPv6
	linkSLL      = 113 // Linux cooked capture v1
	linkSLL2     = 276 // Linux cooked capture v2
)

// capFormat selects the container of a capture file.
type capFormat int

const (
	fmtPcapMicro capFormat = iota // classic pcap, magic a1b2c3d4
	fmtPcapNano                   // classic pcap, magic a1b23c4d
	fmtPcapNG                     // pcapng, one section, one IDB per link
)

// link describes one capture interface: its link type and, for Ethernet,
// the VLAN tags pushed in front of the IP packet.
type link struct {
	typ  uint16
	vlan []uint16 // 802.1Q tags, outermost first
	qinq bool     // outermost tag uses TPID 0x88a8 (802.1ad)
	name string
}

// capWriter writes records of one capture file in order.
type capWriter struct {
	w     io.Writer
	f     capFormat
	links []link
	err   error
	buf   []byte
	n     int // records written
}

const snapLen = 262144

func newCapWriter(w io.Writer, f capFormat, links []link) *capWriter {
	c := &capWriter{w: w, f: f, links: links}
	b := c.buf[:0]
	switch f {
	case fmtPcapMicro, fmtPcapNano:
		magic := uint32(0xa1b2c3d4)
		if f == fmtPcapNano {
			magic = 0xa1b23c4d
		}
		b = binary.LittleEndian.AppendUint32(b, magic)
		b = binary.LittleEndian.AppendUint16(b, 2)
		b = binary.LittleEndian.AppendUint16(b, 4)
		b = binary.LittleEndian.AppendUint32(b, 0) // thiszone
		b = binary.LittleEndian.AppendUint32(b, 0) // sigfigs
		b = binary.LittleEndian.AppendUint32(b, snapLen)
		b = binary.LittleEndian.AppendUint32(b, uint32(links[0].typ))
	case fmtPcapNG:
		// Section Header Block (pcapng §4.1), 28 bytes, no options.
		b = binary.LittleEndian.AppendUint32(b, 0x0A0D0D0A)
		b = binary.LittleEndian.AppendUint32(b, 28)
		b = binary.LittleEndian.AppendUint32(b, 0x1A2B3C4D)
		b = binary.LittleEndian.AppendUint16(b, 1)
		b = binary.LittleEndian.AppendUint16(b, 0)
		b = binary.LittleEndian.AppendUint64(b, 0xFFFFFFFFFFFFFFFF)
		b = binary.LittleEndian.AppendUint32(b, 28)
		for _, l := range links {
			// Interface Description Block (§4.2) with if_name and end of options.
			name := []byte(l.name)
			optLen := 4 + pad4(len(name)) + 4
			blen := 20 + optLen
			b = binary.LittleEndian.AppendUint32(b, 1)
			b = binary.LittleEndian.AppendUint32(b, uint32(blen))
			b = binary.LittleEndian.AppendUint16(b, l.typ)
			b = binary.LittleEndian.AppendUint16(b, 0)
			b = binary.LittleEndian.AppendUint32(b, snapLen)
			b = binary.LittleEndian.AppendUint16(b, 2) // if_name
			b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
			b = append(b, name...)
			b = append(b, make([]byte, pad4(len(name))-len(name))...)
			b = append(b, 0, 0, 0, 0) // opt_endofopt
			b = binary.LittleEndian.AppendUint32(b, uint32(blen))
		}
	}
	c.buf = b
	_, c.err = w.Write(b)
	return c
}

func pad4(n int) int { return (n + 3) &^ 3 }

// write appends one record; iface selects the pcapng interface.
func (c *capWriter) write(ts time.Time, iface int, data []byte) {
	if c.err != nil {
		return
	}
	b := c.buf[:0]
	ns := ts.UnixNano()
	switch c.f {
	case fmtPcapMicro, fmtPcapNano:
		b = binary.LittleEndian.AppendUint32(b, uint32(ns/1e9))
		frac := ns % 1e9
		if c.f == fmtPcapMicro {
			frac /= 1000
		}
		b = binary.LittleEndian.AppendUint32(b, uint32(frac))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		b = append(b, data...)
	case fmtPcapNG:
		// Enhanced Packet Block (§4.3), timestamps in microseconds (default if_tsresol).
		us := uint64(ns / 1000)
		blen := 32 + pad4(len(data))
		b = binary.LittleEndian.AppendUint32(b, 6)
		b = binary.LittleEndian.AppendUint32(b, uint32(blen))
		b = binary.LittleEndian.AppendUint32(b, uint32(iface))
		b = binary.LittleEndian.AppendUint32(b, uint32(us>>32))
		b = binary.LittleEndian.AppendUint32(b, uint32(us))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
		b = append(b, data...)
		b = append(b, make([]byte, pad4(len(data))-len(data))...)
		b = binary.LittleEndian.AppendUint32(b, uint32(blen))
	}
	c.buf = b
	c.n++
	_, c.err = c.w.Write(b)
}

// resolution is the timestamp granularity of the format.
func (f capFormat) resolution() time.Duration {
	if f == fmtPcapNano {
		return time.Nanosecond
	}
	return time.Microsecond
}

// frame wraps an IP packet in the link-layer header of l.
func (l link) frame(dst []byte, ip []byte, srcMAC, dstMAC [6]byte, outgoing bool) []byte {
	v6 := len(ip) > 0 && ip[0]>>4 == 6
	etype := uint16(0x0800)
	if v6 {
		etype = 0x86dd
	}
	b := dst[:0]
	switch l.typ {
	case linkEthernet:
		b = append(b, dstMAC[:]...)
		b = append(b, srcMAC[:]...)
		for i, v := range l.vlan {
			tpid := uint16(0x8100)
			if i == 0 && l.qinq {
				tpid = 0x88a8
			}
			b = binary.BigEndian.AppendUint16(b, tpid)
			b = binary.BigEndian.AppendUint16(b, v&0x0fff)
		}
		b = binary.BigEndian.AppendUint16(b, etype)
	case linkSLL:
		pt := uint16(0) // PACKET_HOST
		if outgoing {
			pt = 4 // PACKET_OUTGOING
		}
		b = binary.BigEndian.AppendUint16(b, pt)
		b = binary.BigEndian.AppendUint16(b, 1) // ARPHRD_ETHER
		b = binary.BigEndian.AppendUint16(b, 6)
		b = append(b, srcMAC[:]...)
		b = append(b, 0, 0)
		b = binary.BigEndian.AppendUint16(b, etype)
	case linkSLL2:
		b = binary.BigEndian.AppendUint16(b, etype)
		b = append(b, 0, 0)
		b = binary.BigEndian.AppendUint32(b, 2) // interface index
		b = binary.BigEndian.AppendUint16(b, 1) // ARPHRD_ETHER
		if outgoing {
			b = append(b, 4)
		} else {
			b = append(b, 0)
		}
		b = append(b, 6)
		b = append(b, srcMAC[:]...)
		b = append(b, 0, 0)
	case linkNull:
		af := uint32(2)
		if v6 {
			af = 24
		}
		b = binary.LittleEndian.AppendUint32(b, af)
	case linkRaw:
	}
	return append(b, ip...)
}
