package gen

import (
	"container/heap"
	"encoding/binary"
	"hash/crc32"
	"math/rand"
	"net/netip"
	"time"
)

// event is one scheduled action; events run in timestamp order, ties in
// scheduling order, so stateful encoders (IP ID, TCP sequence, SCTP TSN)
// see packets in the order they appear in the capture.
type event struct {
	ts  time.Time
	seq uint64
	fn  func(ts time.Time)
}

type evHeap []event

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(i, j int) bool {
	if !h[i].ts.Equal(h[j].ts) {
		return h[i].ts.Before(h[j].ts)
	}
	return h[i].seq < h[j].seq
}
func (h evHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *evHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *evHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = event{}
	*h = old[:len(old)-1]
	return e
}

// netw is the simulated network of one capture file: a scheduler, the
// capture writer and the per-packet encoder state.
type netw struct {
	h     evHeap
	seq   uint64
	w     *capWriter
	rnd   *rand.Rand
	res   time.Duration
	ipid  uint16
	frag  uint32
	mtu   int
	count int
	stop  time.Time // events after stop are dropped (capture ends)
	fbuf  []byte
	logOn bool
	notes []note
}

// note records one application message as sent, for the tshark cross-check.
type note struct {
	kind string // "sip", "m3ua", "gtpv1", "gtpv2"; "retrans-" prefix for retransmissions
	b    []byte
}

// note schedules a record of an application message at ts (only when logging).
func (n *netw) note(ts time.Time, kind string, b []byte) {
	if n.logOn {
		n.at(ts, func(time.Time) { n.notes = append(n.notes, note{kind, b}) })
	}
}

// noteNow records an application message now (inside an event).
func (n *netw) noteNow(kind string, b []byte) {
	if n.logOn {
		n.notes = append(n.notes, note{kind, b})
	}
}

func newNetw(w *capWriter, seed int64, res time.Duration) *netw {
	return &netw{w: w, rnd: rand.New(rand.NewSource(seed)), res: res, ipid: 0x1234, mtu: 1500}
}

// q truncates ts to the capture resolution.
func (n *netw) q(ts time.Time) time.Time { return ts.Truncate(n.res) }

// at schedules fn at ts (truncated to the capture resolution).
func (n *netw) at(ts time.Time, fn func(ts time.Time)) {
	n.seq++
	heap.Push(&n.h, event{ts: n.q(ts), seq: n.seq, fn: fn})
}

// run executes every scheduled event in order.
func (n *netw) run() error {
	for n.h.Len() > 0 {
		e := heap.Pop(&n.h).(event)
		if !n.stop.IsZero() && e.ts.After(n.stop) {
			continue
		}
		e.fn(e.ts)
		if n.w.err != nil {
			return n.w.err
		}
	}
	return n.w.err
}

func macOf(a netip.Addr) [6]byte {
	b := a.As16()
	return [6]byte{0x02, 0x42, b[12], b[13], b[14], b[15]}
}

// emitIP writes an IP packet on interface iface, fragmenting it to the MTU.
func (n *netw) emitIP(ts time.Time, iface int, src, dst netip.Addr, proto byte, l4 []byte) {
	var pkts [][]byte
	if src.Is4() {
		pkts = ipv4Packets(src, dst, proto, l4, n.ipid, n.mtu)
		n.ipid++
	} else {
		n.frag++
		pkts = ipv6Packets(src, dst, proto, l4, n.frag, n.mtu)
	}
	l := n.w.links[iface]
	for _, p := range pkts {
		out := src.As16()[15]%2 == 1
		n.fbuf = l.frame(n.fbuf, p, macOf(src), macOf(dst), out)
		n.w.write(ts, iface, n.fbuf)
		n.count++
	}
}

func csumAdd(sum uint32, b []byte) uint32 {
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	return sum
}

func csumFold(sum uint32) uint16 {
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// l4Checksum is the UDP/TCP checksum with the IPv4 or IPv6 pseudo-header
// (RFC 768, RFC 9293 §3.1, RFC 8200 §8.1).
func l4Checksum(src, dst netip.Addr, proto byte, seg []byte) uint16 {
	var sum uint32
	if src.Is4() {
		s, d := src.As4(), dst.As4()
		sum = csumAdd(sum, s[:])
		sum = csumAdd(sum, d[:])
		sum += uint32(proto) + uint32(len(seg))
	} else {
		s, d := src.As16(), dst.As16()
		sum = csumAdd(sum, s[:])
		sum = csumAdd(sum, d[:])
		sum += uint32(len(seg)>>16) + uint32(len(seg)&0xffff) + uint32(proto)
	}
	sum = csumAdd(sum, seg)
	c := csumFold(sum)
	if c == 0 && proto == 17 {
		c = 0xffff
	}
	return c
}

// ipv4Packets builds an IPv4 packet (RFC 791), fragmented when larger than mtu.
func ipv4Packets(src, dst netip.Addr, proto byte, payload []byte, id uint16, mtu int) [][]byte {
	maxData := (mtu - 20) &^ 7
	var out [][]byte
	for off := 0; ; {
		end := len(payload)
		more := false
		if end-off > maxData {
			end = off + maxData
			more = true
		}
		h := make([]byte, 20, 20+end-off)
		h[0] = 0x45
		binary.BigEndian.PutUint16(h[2:], uint16(20+end-off))
		binary.BigEndian.PutUint16(h[4:], id)
		ff := uint16(off / 8)
		if more {
			ff |= 0x2000
		}
		if !more && off == 0 {
			ff = 0x4000 // DF on unfragmented packets
		}
		binary.BigEndian.PutUint16(h[6:], ff)
		h[8] = 64
		h[9] = proto
		s, d := src.As4(), dst.As4()
		copy(h[12:], s[:])
		copy(h[16:], d[:])
		binary.BigEndian.PutUint16(h[10:], csumFold(csumAdd(0, h)))
		out = append(out, append(h, payload[off:end]...))
		if !more {
			return out
		}
		off = end
	}
}

// ipv6Packets builds an IPv6 packet (RFC 8200), with Fragment headers
// (§4.5) when larger than mtu.
func ipv6Packets(src, dst netip.Addr, proto byte, payload []byte, id uint32, mtu int) [][]byte {
	hdr := func(next byte, plen int) []byte {
		h := make([]byte, 40, 40+plen)
		h[0] = 0x60
		binary.BigEndian.PutUint16(h[4:], uint16(plen))
		h[6] = next
		h[7] = 64
		s, d := src.As16(), dst.As16()
		copy(h[8:], s[:])
		copy(h[24:], d[:])
		return h
	}
	if 40+len(payload) <= mtu {
		return [][]byte{append(hdr(proto, len(payload)), payload...)}
	}
	maxData := (mtu - 48) &^ 7
	var out [][]byte
	for off := 0; off < len(payload); off += maxData {
		end := min(off+maxData, len(payload))
		more := end < len(payload)
		h := hdr(44, 8+end-off)
		fo := uint16(off/8) << 3
		if more {
			fo |= 1
		}
		h = append(h, proto, 0, byte(fo>>8), byte(fo))
		h = binary.BigEndian.AppendUint32(h, id)
		out = append(out, append(h, payload[off:end]...))
	}
	return out
}

// udpSeg builds a UDP datagram with its checksum.
func udpSeg(src, dst netip.AddrPort, payload []byte) []byte {
	b := make([]byte, 8, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], src.Port())
	binary.BigEndian.PutUint16(b[2:], dst.Port())
	binary.BigEndian.PutUint16(b[4:], uint16(8+len(payload)))
	b = append(b, payload...)
	binary.BigEndian.PutUint16(b[6:], l4Checksum(src.Addr(), dst.Addr(), 17, b))
	return b
}

// udp writes a UDP datagram now (inside an event).
func (n *netw) udp(ts time.Time, iface int, src, dst netip.AddrPort, payload []byte) {
	n.emitIP(ts, iface, src.Addr(), dst.Addr(), 17, udpSeg(src, dst, payload))
}

// sendUDP schedules a UDP datagram.
func (n *netw) sendUDP(ts time.Time, iface int, src, dst netip.AddrPort, payload []byte) {
	n.at(ts, func(ts time.Time) { n.udp(ts, iface, src, dst, payload) })
}

// tcpConn is one TCP connection (RFC 9293) between a and b.
type tcpConn struct {
	n          *netw
	iface      int
	a, b       netip.AddrPort
	seqA, seqB uint32
	last       []byte // last segment sent, for a retransmission
	lastA      bool
}

const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpPSH = 0x08
	tcpACK = 0x10
)

func (c *tcpConn) seg(ts time.Time, fromA bool, flags byte, data []byte) {
	src, dst := c.a, c.b
	seq, ack := c.seqA, c.seqB
	if !fromA {
		src, dst, seq, ack = c.b, c.a, c.seqB, c.seqA
	}
	h := make([]byte, 20, 20+len(data))
	binary.BigEndian.PutUint16(h[0:], src.Port())
	binary.BigEndian.PutUint16(h[2:], dst.Port())
	binary.BigEndian.PutUint32(h[4:], seq)
	if flags&tcpACK != 0 {
		binary.BigEndian.PutUint32(h[8:], ack)
	}
	h[12] = 5 << 4
	h[13] = flags
	binary.BigEndian.PutUint16(h[14:], 64240)
	h = append(h, data...)
	binary.BigEndian.PutUint16(h[16:], l4Checksum(src.Addr(), dst.Addr(), 6, h))
	c.n.emitIP(ts, c.iface, src.Addr(), dst.Addr(), 6, h)
	adv := uint32(len(data))
	if flags&(tcpSYN|tcpFIN) != 0 {
		adv++
	}
	if fromA {
		c.seqA += adv
	} else {
		c.seqB += adv
	}
}

// open schedules the three-way handshake at ts.
func (c *tcpConn) open(ts time.Time) {
	c.n.at(ts, func(ts time.Time) {
		c.seg(ts, true, tcpSYN, nil)
		c.seg(ts.Add(400*time.Microsecond), false, tcpSYN|tcpACK, nil)
		c.seg(ts.Add(600*time.Microsecond), true, tcpACK, nil)
	})
}

// send schedules one data segment.
func (c *tcpConn) send(ts time.Time, fromA bool, data []byte) {
	c.n.at(ts, func(ts time.Time) {
		seq := c.seqA
		if !fromA {
			seq = c.seqB
		}
		c.seg(ts, fromA, tcpPSH|tcpACK, data)
		c.last, c.lastA = data, fromA
		_ = seq
	})
}

// retransmit schedules a copy of the last data segment (same sequence number).
func (c *tcpConn) retransmit(ts time.Time) {
	c.n.at(ts, func(ts time.Time) {
		if c.last == nil {
			return
		}
		if c.lastA {
			c.seqA -= uint32(len(c.last))
		} else {
			c.seqB -= uint32(len(c.last))
		}
		c.seg(ts, c.lastA, tcpPSH|tcpACK, c.last)
	})
}

// ack schedules a bare ACK.
func (c *tcpConn) ack(ts time.Time, fromA bool) {
	c.n.at(ts, func(ts time.Time) { c.seg(ts, fromA, tcpACK, nil) })
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sctpAssoc is one SCTP association (RFC 9260) between a and b.
type sctpAssoc struct {
	n          *netw
	iface      int
	a, b       netip.AddrPort
	tagA, tagB uint32 // initiate tags chosen by A and B
	tsnA, tsnB uint32 // next TSN to send
	ssnA, ssnB uint16
	ackA, ackB uint32 // highest TSN received by A / B
	lastChunkA []byte // last DATA chunk from A, for retransmission
	lastChunkB []byte
	unackedA   int
	unackedB   int
	autoSACK   bool
}

func newSCTP(n *netw, iface int, a, b netip.AddrPort) *sctpAssoc {
	s := &sctpAssoc{n: n, iface: iface, a: a, b: b, autoSACK: true}
	s.tagA = n.rnd.Uint32() | 1
	s.tagB = n.rnd.Uint32() | 1
	s.tsnA = n.rnd.Uint32() >> 4
	s.tsnB = n.rnd.Uint32() >> 4
	s.ackA, s.ackB = s.tsnB-1, s.tsnA-1
	return s
}

func chunk(typ, flags byte, val []byte) []byte {
	b := []byte{typ, flags, 0, 0}
	binary.BigEndian.PutUint16(b[2:], uint16(4+len(val)))
	b = append(b, val...)
	return append(b, make([]byte, pad4(len(b))-len(b))...)
}

// packet writes one SCTP packet (common header §3.1, CRC32c Appendix A).
func (s *sctpAssoc) packet(ts time.Time, fromA bool, vtag uint32, chunks ...[]byte) {
	src, dst := s.a, s.b
	if !fromA {
		src, dst = s.b, s.a
	}
	b := make([]byte, 12)
	binary.BigEndian.PutUint16(b[0:], src.Port())
	binary.BigEndian.PutUint16(b[2:], dst.Port())
	binary.BigEndian.PutUint32(b[4:], vtag)
	for _, c := range chunks {
		b = append(b, c...)
	}
	binary.LittleEndian.PutUint32(b[8:], crc32.Checksum(b, castagnoli))
	s.n.emitIP(ts, s.iface, src.Addr(), dst.Addr(), 132, b)
}

func (s *sctpAssoc) vtag(fromA bool) uint32 {
	if fromA {
		return s.tagB
	}
	return s.tagA
}

// handshake schedules INIT, INIT ACK, COOKIE ECHO, COOKIE ACK (§5.1).
func (s *sctpAssoc) handshake(ts time.Time) {
	s.n.at(ts, func(ts time.Time) {
		initv := func(tag, tsn uint32) []byte {
			v := binary.BigEndian.AppendUint32(nil, tag)
			v = binary.BigEndian.AppendUint32(v, 65536) // a_rwnd
			v = binary.BigEndian.AppendUint16(v, 16)    // outbound streams
			v = binary.BigEndian.AppendUint16(v, 16)    // inbound streams
			return binary.BigEndian.AppendUint32(v, tsn)
		}
		s.packet(ts, true, 0, chunk(1, 0, initv(s.tagA, s.tsnA)))
		cookie := make([]byte, 32)
		for i := range cookie {
			cookie[i] = byte(s.n.rnd.Intn(256))
		}
		ia := initv(s.tagB, s.tsnB)
		ia = append(ia, 0, 7, 0, byte(4+len(cookie))) // State Cookie parameter
		ia = append(ia, cookie...)
		s.packet(ts.Add(300*time.Microsecond), false, s.tagA, chunk(2, 0, ia))
		s.packet(ts.Add(600*time.Microsecond), true, s.tagB, chunk(10, 0, cookie))
		s.packet(ts.Add(900*time.Microsecond), false, s.tagA, chunk(11, 0, nil))
	})
}

// dataChunk builds a DATA chunk (§3.3.1) and advances the sender's TSN.
func (s *sctpAssoc) dataChunk(fromA bool, flags byte, ssn uint16, stream uint16, payload []byte) []byte {
	tsn := &s.tsnA
	if !fromA {
		tsn = &s.tsnB
	}
	v := binary.BigEndian.AppendUint32(nil, *tsn)
	v = binary.BigEndian.AppendUint16(v, stream)
	v = binary.BigEndian.AppendUint16(v, ssn)
	v = binary.BigEndian.AppendUint32(v, 3) // PPID 3 = M3UA
	v = append(v, payload...)
	*tsn++
	if fromA {
		s.ackB = *tsn - 1
		s.unackedB++
	} else {
		s.ackA = *tsn - 1
		s.unackedA++
	}
	c := chunk(0, flags, v)
	if fromA {
		s.lastChunkA = c
	} else {
		s.lastChunkB = c
	}
	return c
}

func (s *sctpAssoc) nextSSN(fromA bool) uint16 {
	if fromA {
		s.ssnA++
		return s.ssnA - 1
	}
	s.ssnB++
	return s.ssnB - 1
}

// sendNow writes user messages bundled in one packet, stream 1 (M3UA
// management uses stream 0, passed as stream).
func (s *sctpAssoc) sendNow(ts time.Time, fromA bool, stream uint16, msgs ...[]byte) {
	var cs [][]byte
	for _, m := range msgs {
		cs = append(cs, s.dataChunk(fromA, 0x03, s.nextSSN(fromA), stream, m))
		s.n.noteNow("m3ua", m)
	}
	s.packet(ts, fromA, s.vtag(fromA), cs...)
	if s.autoSACK {
		s.sackNow(ts.Add(200*time.Microsecond+time.Duration(s.n.rnd.Intn(300))*time.Microsecond), !fromA)
	}
}

// send schedules user messages bundled in one packet.
func (s *sctpAssoc) send(ts time.Time, fromA bool, msgs ...[]byte) {
	s.n.at(ts, func(ts time.Time) { s.sendNow(ts, fromA, 1, msgs...) })
}

// sendMgmt schedules one M3UA management message on stream 0.
func (s *sctpAssoc) sendMgmt(ts time.Time, fromA bool, msg []byte) {
	s.n.at(ts, func(ts time.Time) { s.sendNow(ts, fromA, 0, msg) })
}

// sendFragmented schedules a user message split over parts DATA chunks
// (B/E flags, one SSN); with across, each fragment gets its own packet.
func (s *sctpAssoc) sendFragmented(ts time.Time, fromA bool, msg []byte, parts int, across bool) {
	s.n.at(ts, func(ts time.Time) {
		ssn := s.nextSSN(fromA)
		s.n.noteNow("m3ua", msg)
		size := (len(msg) + parts - 1) / parts
		var cs [][]byte
		for i := 0; i < parts; i++ {
			lo, hi := i*size, min((i+1)*size, len(msg))
			var fl byte
			if i == 0 {
				fl |= 0x02
			}
			if i == parts-1 {
				fl |= 0x01
			}
			c := s.dataChunk(fromA, fl, ssn, 1, msg[lo:hi])
			if across {
				s.packet(ts.Add(time.Duration(i)*150*time.Microsecond), fromA, s.vtag(fromA), c)
			} else {
				cs = append(cs, c)
			}
		}
		if !across {
			s.packet(ts, fromA, s.vtag(fromA), cs...)
		}
		s.sackNow(ts.Add(time.Millisecond), !fromA)
	})
}

// retransmit schedules the last DATA chunk sent by fromA again, same TSN.
func (s *sctpAssoc) retransmit(ts time.Time, fromA bool) {
	s.n.at(ts, func(ts time.Time) {
		c := s.lastChunkA
		if !fromA {
			c = s.lastChunkB
		}
		if c != nil {
			s.packet(ts, fromA, s.vtag(fromA), c)
			s.n.noteNow("retrans-m3ua", c[16:])
		}
	})
}

// sackNow writes a SACK (§3.3.4) from the given side.
func (s *sctpAssoc) sackNow(ts time.Time, fromA bool) {
	cum := s.ackA
	if !fromA {
		cum = s.ackB
	}
	v := binary.BigEndian.AppendUint32(nil, cum)
	v = binary.BigEndian.AppendUint32(v, 65536)
	v = append(v, 0, 0, 0, 0)
	s.packet(ts, fromA, s.vtag(fromA), chunk(3, 0, v))
}
