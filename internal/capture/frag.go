package capture

import (
	"errors"
	"time"
)

// maxDatagram is the largest reassembled IP payload: the 16-bit fragment
// offset (in 8-byte units) plus the largest fragment.
const maxDatagram = 65535

var (
	errFragTooLong = errors.New("reassembled datagram longer than 65535 bytes")
	errFragPastEnd = errors.New("fragment past the end of the datagram")
	errFragTwoEnds = errors.New("two last fragments with different ends")
)

// fragKey identifies a datagram under reassembly: RFC 791 §3.2 (source,
// destination, protocol, identification) for IPv4 and RFC 8200 §4.5
// (source, destination, identification) for IPv6.
type fragKey struct {
	src, dst [16]byte
	id       uint32
	proto    uint8
	v6       bool
}

// span is a half-open byte range [start, end) of a datagram received.
type span struct{ start, end int }

// fragEntry is one datagram under reassembly.
type fragEntry struct {
	key   fragKey
	first time.Time // capture time of the first fragment seen
	buf   []byte
	have  []span // sorted, disjoint, not adjacent
	total int    // datagram length once the last fragment is seen, else -1
	proto uint8  // upper-layer protocol (IPv6: next header of the offset-0 fragment)
}

// data returns the reassembled payload.
func (e *fragEntry) data() []byte { return e.buf[:e.total] }

// fragTable holds the datagrams under reassembly. It is bounded by
// MaxFragments entries and each entry expires FragmentTimeout after its
// first fragment, on capture time.
type fragTable struct {
	m       map[fragKey]*fragEntry
	free    []*fragEntry
	max     int
	timeout time.Duration
	evicted int // entries dropped for room since the last expire
}

func (t *fragTable) init(cfg Config) {
	t.m = make(map[fragKey]*fragEntry)
	t.max = cfg.MaxFragments
	t.timeout = cfg.FragmentTimeout
}

// add records one fragment of len(b) bytes at offset off; more is the MF
// flag. It returns the entry when the datagram is complete; the caller
// processes e.data() and then calls release. Overlapping bytes are
// overwritten by the later fragment; duplicates are harmless.
func (t *fragTable) add(key fragKey, now time.Time, off int, more bool, proto uint8, b []byte) (*fragEntry, error) {
	end := off + len(b)
	if end > maxDatagram {
		return nil, errFragTooLong
	}
	e := t.m[key]
	if e == nil {
		if len(t.m) >= t.max {
			t.evictOldest()
		}
		e = t.get()
		e.key = key
		e.first = now
		e.total = -1
		e.proto = proto
		t.m[key] = e
	}
	if off == 0 {
		e.proto = proto
	}
	if !more {
		if e.total >= 0 && e.total != end {
			return nil, errFragTwoEnds
		}
		e.total = end
	}
	if e.total >= 0 && end > e.total {
		return nil, errFragPastEnd
	}
	if end > len(e.buf) {
		if end > cap(e.buf) {
			nb := make([]byte, end, max(end, 2*cap(e.buf), 2048))
			copy(nb, e.buf)
			e.buf = nb
		} else {
			e.buf = e.buf[:end]
		}
	}
	copy(e.buf[off:], b)
	e.have = insertSpan(e.have, span{off, end})
	if e.total >= 0 && len(e.have) == 1 && e.have[0].start == 0 && e.have[0].end >= e.total {
		delete(t.m, key)
		return e, nil
	}
	return nil, nil
}

// insertSpan adds s to the sorted disjoint list, merging what it touches.
func insertSpan(have []span, s span) []span {
	if s.start == s.end {
		return have
	}
	i := 0
	for i < len(have) && have[i].end < s.start {
		i++
	}
	j := i
	for j < len(have) && have[j].start <= s.end {
		s.start = min(s.start, have[j].start)
		s.end = max(s.end, have[j].end)
		j++
	}
	if i == j {
		have = append(have, span{})
		copy(have[i+1:], have[i:])
		have[i] = s
		return have
	}
	have[i] = s
	return append(have[:i+1], have[j:]...)
}

func (t *fragTable) get() *fragEntry {
	if n := len(t.free); n > 0 {
		e := t.free[n-1]
		t.free = t.free[:n-1]
		return e
	}
	return &fragEntry{}
}

// release recycles an entry returned by add (its buffer is reused).
func (t *fragTable) release(e *fragEntry) {
	e.have = e.have[:0]
	e.buf = e.buf[:0]
	if len(t.free) < 64 {
		t.free = append(t.free, e)
	}
}

func (t *fragTable) evictOldest() {
	var old *fragEntry
	for _, e := range t.m {
		if old == nil || e.first.Before(old.first) {
			old = e
		}
	}
	if old != nil {
		delete(t.m, old.key)
		t.release(old)
		t.evicted++
	}
}

// expire drops the entries older than the timeout (all of them when all is
// set) and returns how many it dropped, with those evicted since the last
// call.
func (t *fragTable) expire(now time.Time, all bool) int {
	n := t.evicted
	t.evicted = 0
	for k, e := range t.m {
		if all || now.Sub(e.first) > t.timeout || now.Before(e.first.Add(-t.timeout)) {
			delete(t.m, k)
			t.release(e)
			n++
		}
	}
	return n
}
