package capture

import (
	"cmp"
	"net/netip"
	"slices"
	"time"
)

// flowKey is one direction of a transport flow.
type flowKey struct{ src, dst netip.AddrPort }

// tcpSeg is an out-of-order segment waiting for the bytes before it.
type tcpSeg struct {
	seq  uint32
	data []byte // owned copy
}

// tcpStream is one direction of a TCP connection: the next sequence number
// expected and the out-of-order segments buffered above it.
type tcpStream struct {
	key      flowKey
	id       uint64 // creation order, for a deterministic sweep
	next     uint32
	ooo      []tcpSeg // sorted by sequence number relative to next
	oooBytes int
	gapSince time.Time // capture time the oldest unresolved gap was seen
	last     time.Time
	fin      bool
	gtpu     bool
	teid     uint32
}

// tcpTable tracks TCP stream directions, bounded by MaxTCPFlows.
type tcpTable struct {
	m       map[flowKey]*tcpStream
	ids     uint64
	cfg     Config
	scratch []*tcpStream
}

func (t *tcpTable) init(cfg Config) {
	t.m = make(map[flowKey]*tcpStream)
	t.cfg = cfg
}

// segment feeds one TCP segment (RFC 9293 §3.4 sequence numbers) to its
// stream direction and delivers whatever becomes in order. The first
// segment seen starts the stream (SYN: its sequence number + 1), so a
// capture may begin mid-stream. Bytes before the next expected one are
// retransmissions and trimmed; bytes after it are buffered.
func (t *tcpTable) segment(r *Reader, src, dst netip.AddrPort, seq uint32, syn, fin, rst bool, data []byte) {
	key := flowKey{src, dst}
	s := t.m[key]
	if s == nil {
		if rst || (fin && len(data) == 0) {
			return
		}
		if len(t.m) >= t.cfg.MaxTCPFlows {
			t.evictOldest(r)
		}
		t.ids++
		s = &tcpStream{key: key, id: t.ids, next: seq}
		if syn {
			s.next = seq + 1
		}
		t.m[key] = s
	} else if syn && s.next != seq+1 && len(s.ooo) == 0 {
		s.next = seq + 1 // a new connection on the same ports
	}
	s.last = r.now
	s.gtpu, s.teid = r.inGTPU, r.teid
	if syn {
		seq++
	}
	if len(data) > 0 {
		t.accept(r, s, seq, data)
	}
	if len(s.ooo) > 0 && r.now.Sub(s.gapSince) > t.cfg.TCPGapTimeout {
		t.skipGap(r, s)
	}
	switch {
	case rst:
		t.drop(r, s)
	case fin:
		// Kept (for TCPGapTimeout) so that retransmissions after the FIN
		// are trimmed rather than starting a new stream.
		s.fin = true
	}
}

// accept handles the bytes of one segment.
func (t *tcpTable) accept(r *Reader, s *tcpStream, seq uint32, data []byte) {
	d := int32(seq - s.next)
	if d < 0 {
		trim := -int(d)
		if trim >= len(data) {
			r.stats.TCPRetransmits += uint64(len(data))
			return
		}
		r.stats.TCPRetransmits += uint64(trim)
		data = data[trim:]
		d = 0
	}
	if d == 0 {
		t.deliver(r, s, data)
		t.drain(r, s)
		return
	}
	// Out of order: buffer a copy, skipping the gap when it would not fit.
	if s.oooBytes+len(data) > t.cfg.MaxTCPBuffer {
		t.skipGap(r, s)
		if d = int32(seq - s.next); d <= 0 {
			t.accept(r, s, seq, data)
			return
		}
		if len(data) > t.cfg.MaxTCPBuffer {
			r.stats.TCPGapBytes += uint64(d)
			s.next = seq
			t.deliver(r, s, data)
			return
		}
	}
	if len(s.ooo) == 0 {
		s.gapSince = r.now
	}
	i, _ := slices.BinarySearchFunc(s.ooo, d, func(g tcpSeg, d int32) int {
		return int(int32(g.seq-s.next)) - int(d)
	})
	s.ooo = slices.Insert(s.ooo, i, tcpSeg{seq: seq, data: append([]byte(nil), data...)})
	s.oooBytes += len(data)
}

// drain delivers the buffered segments that have become in order.
func (t *tcpTable) drain(r *Reader, s *tcpStream) {
	progressed := false
	for len(s.ooo) > 0 {
		g := s.ooo[0]
		d := int32(g.seq - s.next)
		if d > 0 {
			break
		}
		s.ooo = s.ooo[1:]
		s.oooBytes -= len(g.data)
		progressed = true
		trim := -int(d)
		if trim >= len(g.data) {
			r.stats.TCPRetransmits += uint64(len(g.data))
			continue
		}
		r.stats.TCPRetransmits += uint64(trim)
		t.deliver(r, s, g.data[trim:])
	}
	if len(s.ooo) == 0 {
		s.ooo = nil
	} else if progressed {
		s.gapSince = r.now
	}
}

// skipGap gives up on the missing bytes before the first buffered segment.
func (t *tcpTable) skipGap(r *Reader, s *tcpStream) {
	if len(s.ooo) == 0 {
		return
	}
	if d := int32(s.ooo[0].seq - s.next); d > 0 {
		r.stats.TCPGapBytes += uint64(d)
		s.next = s.ooo[0].seq
	}
	t.drain(r, s)
}

func (t *tcpTable) deliver(r *Reader, s *tcpStream, data []byte) {
	s.next += uint32(len(data))
	r.stats.TCPChunks++
	gtpu, teid := r.inGTPU, r.teid
	r.inGTPU, r.teid = s.gtpu, s.teid
	r.deliver(TCP, s.key.src, s.key.dst, 0, 0, data)
	r.inGTPU, r.teid = gtpu, teid
}

// drop forgets a stream, counting its buffered bytes as lost.
func (t *tcpTable) drop(r *Reader, s *tcpStream) {
	for _, g := range s.ooo {
		r.stats.TCPGapBytes += uint64(len(g.data))
	}
	delete(t.m, s.key)
}

func (t *tcpTable) evictOldest(r *Reader) {
	var old *tcpStream
	for _, s := range t.m {
		if old == nil || s.last.Before(old.last) || (s.last.Equal(old.last) && s.id < old.id) {
			old = s
		}
	}
	if old != nil {
		r.stats.TCPFlowsEvicted++
		t.flushStream(r, old)
		delete(t.m, old.key)
	}
}

// flushStream delivers every buffered byte, skipping the gaps.
func (t *tcpTable) flushStream(r *Reader, s *tcpStream) {
	for len(s.ooo) > 0 {
		t.skipGap(r, s)
	}
}

// expire skips timed-out gaps and drops idle streams (everything when all
// is set), in creation order so that replays are deterministic.
func (t *tcpTable) expire(r *Reader, all bool) {
	t.scratch = t.scratch[:0]
	for _, s := range t.m {
		if all || len(s.ooo) > 0 && r.now.Sub(s.gapSince) > t.cfg.TCPGapTimeout || t.idle(r.now, s) {
			t.scratch = append(t.scratch, s)
		}
	}
	slices.SortFunc(t.scratch, func(a, b *tcpStream) int { return cmp.Compare(a.id, b.id) })
	for _, s := range t.scratch {
		t.flushStream(r, s)
		if all || t.idle(r.now, s) {
			delete(t.m, s.key)
		}
	}
	clear(t.scratch)
}

// idle reports whether s has not been seen for TCPIdleTimeout, or for
// TCPGapTimeout after its FIN (or the clock jumped back that far).
func (t *tcpTable) idle(now time.Time, s *tcpStream) bool {
	d := t.cfg.TCPIdleTimeout
	if s.fin {
		d = t.cfg.TCPGapTimeout
	}
	return now.Sub(s.last) > d || now.Before(s.last.Add(-d))
}
