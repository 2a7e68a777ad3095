package capture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// SCTP chunk types handled here. Spec: RFC 9260 §3.2, RFC 8260 §2.1.
const (
	sctpData             = 0
	sctpInit             = 1
	sctpInitAck          = 2
	sctpAbort            = 6
	sctpShutdownComplete = 14
	sctpIData            = 64
)

// DATA chunk flags, RFC 9260 §3.3.1.
const (
	sctpFlagE = 0x01 // ending fragment
	sctpFlagB = 0x02 // beginning fragment
	sctpFlagU = 0x04 // unordered
)

// sctpPacket is one decoded SCTP packet. decode resets every field and
// reuses the Chunks capacity; the byte slices alias the decoded input and
// are valid until it is reused.
type sctpPacket struct {
	SrcPort, DstPort uint16
	VTag             uint32
	Chunks           []sctpChunk
}

// sctpChunk is one chunk of a packet. Value is the chunk value without the
// 4-byte chunk header and without padding. The DATA / I-DATA fields are set
// for types 0 and 64, InitTSN for INIT and INIT ACK.
type sctpChunk struct {
	Type, Flags uint8
	Value       []byte
	TSN         uint32
	Stream      uint16
	SSN         uint16 // DATA stream sequence number
	MID         uint32 // I-DATA message identifier
	FSN         uint32 // I-DATA fragment sequence number (0 on the B fragment)
	PPID        uint32
	Data        []byte
	InitTSN     uint32
}

// decode decodes an SCTP packet: the common header and every chunk.
// Checksums are not verified (captures often hold offloaded checksums).
// On a bad chunk it returns an error wrapping ErrTruncated or ErrMalformed
// and keeps the chunks before it.
//
// Common header, RFC 9260 §3.1, then chunks (§3.2), each padded to 4 bytes:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|     Source Port Number        |     Destination Port Number   |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                      Verification Tag                         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           Checksum                            |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|   Chunk Type  | Chunk  Flags  |        Chunk Length           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	\                          Chunk Value                          \
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// DATA chunk value (§3.3.1), flags U B E:
//
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                              TSN                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|      Stream Identifier S      |   Stream Sequence Number n    |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                  Payload Protocol Identifier                  |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	\                 User Data (seq n of Stream S)                 \
//
// I-DATA chunk value (RFC 8260 §2.1): TSN, Stream Identifier, Reserved,
// Message Identifier, then PPID on the B fragment or the Fragment Sequence
// Number on the others, then User Data.
func (p *sctpPacket) decode(b []byte) error {
	p.SrcPort, p.DstPort, p.VTag = 0, 0, 0
	p.Chunks = p.Chunks[:0]
	if len(b) < 12 {
		return fmt.Errorf("common header: %d bytes: %w", len(b), ErrTruncated)
	}
	p.SrcPort = binary.BigEndian.Uint16(b[0:2])
	p.DstPort = binary.BigEndian.Uint16(b[2:4])
	p.VTag = binary.BigEndian.Uint32(b[4:8])
	off := 12
	for off < len(b) {
		rest := b[off:]
		if len(rest) < 4 {
			return fmt.Errorf("chunk %d header: %d bytes: %w", len(p.Chunks), len(rest), ErrTruncated)
		}
		n := int(binary.BigEndian.Uint16(rest[2:4]))
		if n < 4 {
			return fmt.Errorf("chunk %d (type %d): length %d: %w", len(p.Chunks), rest[0], n, ErrMalformed)
		}
		if n > len(rest) {
			return fmt.Errorf("chunk %d (type %d): length %d, %d bytes: %w", len(p.Chunks), rest[0], n, len(rest), ErrTruncated)
		}
		c := sctpChunk{Type: rest[0], Flags: rest[1], Value: rest[4:n]}
		v := c.Value
		switch c.Type {
		case sctpData:
			if len(v) < 13 {
				return fmt.Errorf("chunk %d: DATA length %d: %w", len(p.Chunks), n, ErrMalformed)
			}
			c.TSN = binary.BigEndian.Uint32(v[0:4])
			c.Stream = binary.BigEndian.Uint16(v[4:6])
			c.SSN = binary.BigEndian.Uint16(v[6:8])
			c.PPID = binary.BigEndian.Uint32(v[8:12])
			c.Data = v[12:]
		case sctpIData:
			if len(v) < 17 {
				return fmt.Errorf("chunk %d: I-DATA length %d: %w", len(p.Chunks), n, ErrMalformed)
			}
			c.TSN = binary.BigEndian.Uint32(v[0:4])
			c.Stream = binary.BigEndian.Uint16(v[4:6])
			c.MID = binary.BigEndian.Uint32(v[8:12])
			if c.Flags&sctpFlagB != 0 {
				c.PPID = binary.BigEndian.Uint32(v[12:16])
			} else {
				c.FSN = binary.BigEndian.Uint32(v[12:16])
			}
			c.Data = v[16:]
		case sctpInit, sctpInitAck:
			if len(v) < 16 {
				return fmt.Errorf("chunk %d: INIT length %d: %w", len(p.Chunks), n, ErrMalformed)
			}
			c.InitTSN = binary.BigEndian.Uint32(v[12:16])
		}
		p.Chunks = append(p.Chunks, c)
		off += (n + 3) &^ 3 // the padding of the last chunk may be missing
	}
	return nil
}

// sctpPacket processes one SCTP packet: every chunk is counted by type,
// DATA and I-DATA user messages are reassembled and delivered.
func (r *Reader) sctpPacket(src, dst netip.Addr, b []byte) {
	err := r.sp.decode(b)
	r.stats.SCTPPackets++
	key := flowKey{netip.AddrPortFrom(src, r.sp.SrcPort), netip.AddrPortFrom(dst, r.sp.DstPort)}
	for i := range r.sp.Chunks {
		c := &r.sp.Chunks[i]
		r.stats.SCTPChunks[c.Type]++
		switch c.Type {
		case sctpData, sctpIData:
			r.sctp.data(r, key, c)
		case sctpInit, sctpInitAck:
			r.sctp.restart(r, key, c.InitTSN)
		case sctpAbort, sctpShutdownComplete:
			r.sctp.remove(r, key)
			r.sctp.remove(r, flowKey{key.dst, key.src})
		}
	}
	if err != nil {
		r.failErr("sctp", err)
	}
}

// sctpFrag is a fragment of a user message waiting for the others.
type sctpFrag struct {
	tsn    uint32
	ord    uint32 // order within the message: TSN for DATA, FSN for I-DATA
	mid    uint32
	ppid   uint32
	stream uint16
	flags  uint8
	idata  bool
	data   []byte // owned copy
}

// sctpDir is one direction of an association (addresses, ports): the
// cumulative TSN received, the TSNs seen above it, and pending fragments.
type sctpDir struct {
	key       flowKey
	last      time.Time
	started   bool
	cum       uint32   // every TSN up to cum was seen (serial arithmetic)
	seen      []uint32 // TSNs above cum seen, bounded by maxSCTPSeen
	frags     []sctpFrag
	fragBytes int
	gtpu      bool
	teid      uint32
}

const (
	maxSCTPSeen = 256     // TSNs tracked above the cumulative TSN
	sctpRestart = 1 << 24 // a TSN this far from cum means a new association
)

// fresh reports whether tsn was not seen before, and records it.
func (d *sctpDir) fresh(tsn uint32) bool {
	if !d.started {
		d.started, d.cum = true, tsn-1
	}
	diff := int32(tsn - d.cum)
	if diff <= -sctpRestart || diff >= sctpRestart {
		d.cum, d.seen = tsn, d.seen[:0]
		return true
	}
	if diff <= 0 || slices.Contains(d.seen, tsn) {
		return false
	}
	d.seen = append(d.seen, tsn)
	if len(d.seen) > maxSCTPSeen {
		// Give up on the lowest gap: the capture lost those TSNs.
		low := d.seen[0]
		for _, s := range d.seen {
			if int32(s-low) < 0 {
				low = s
			}
		}
		d.cum = low - 1
	}
	for {
		i := slices.Index(d.seen, d.cum+1)
		if i < 0 {
			break
		}
		d.seen[i] = d.seen[len(d.seen)-1]
		d.seen = d.seen[:len(d.seen)-1]
		d.cum++
	}
	return true
}

// sctpTable tracks association directions, bounded by MaxSCTPAssociations.
type sctpTable struct {
	m   map[flowKey]*sctpDir
	cfg Config
	buf []byte // reassembled message, reused
	idx []int
}

func (t *sctpTable) init(cfg Config) {
	t.m = make(map[flowKey]*sctpDir)
	t.cfg = cfg
}

func (t *sctpTable) dir(r *Reader, key flowKey) *sctpDir {
	d := t.m[key]
	if d == nil {
		if len(t.m) >= t.cfg.MaxSCTPAssociations {
			var old *sctpDir
			for _, o := range t.m {
				if old == nil || o.last.Before(old.last) {
					old = o
				}
			}
			t.remove(r, old.key)
		}
		d = &sctpDir{key: key}
		t.m[key] = d
	}
	d.last = r.now
	return d
}

// restart starts a direction afresh at an INIT or INIT ACK's initial TSN.
func (t *sctpTable) restart(r *Reader, key flowKey, initTSN uint32) {
	d := t.dir(r, key)
	t.dropFrags(r, d)
	d.started, d.cum, d.seen = true, initTSN-1, d.seen[:0]
}

func (t *sctpTable) remove(r *Reader, key flowKey) {
	if d := t.m[key]; d != nil {
		t.dropFrags(r, d)
		delete(t.m, key)
	}
}

// dropFrags abandons the pending fragments of d, counting each message.
func (t *sctpTable) dropFrags(r *Reader, d *sctpDir) {
	for _, f := range d.frags {
		if f.flags&sctpFlagB != 0 {
			r.stats.SCTPMessagesDropped++
		}
	}
	d.frags, d.fragBytes = nil, 0
}

// data handles one DATA or I-DATA chunk.
func (t *sctpTable) data(r *Reader, key flowKey, c *sctpChunk) {
	d := t.dir(r, key)
	d.gtpu, d.teid = r.inGTPU, r.teid
	if !d.fresh(c.TSN) {
		r.stats.SCTPDataDropped++
		return
	}
	if c.Flags&(sctpFlagB|sctpFlagE) == sctpFlagB|sctpFlagE {
		r.stats.SCTPMessages++
		r.deliver(SCTP, key.src, key.dst, c.PPID, c.Stream, c.Data)
		return
	}
	if d.fragBytes+len(c.Data) > t.cfg.MaxSCTPMessage {
		t.dropFrags(r, d)
		if len(c.Data) > t.cfg.MaxSCTPMessage {
			return
		}
	}
	f := sctpFrag{tsn: c.TSN, ord: c.TSN, mid: c.MID, ppid: c.PPID, stream: c.Stream, flags: c.Flags,
		idata: c.Type == sctpIData, data: append([]byte(nil), c.Data...)}
	if f.idata {
		f.ord = c.FSN
		if c.Flags&sctpFlagB != 0 {
			f.ord = 0
		}
	}
	d.frags = append(d.frags, f)
	d.fragBytes += len(f.data)
	t.assemble(r, d, &f)
}

// assemble delivers the message f belongs to when all its fragments are
// there: from a B fragment, consecutive TSNs (DATA, RFC 9260 §6.9) or
// consecutive FSNs of the same message identifier (I-DATA, RFC 8260 §2.1)
// up to an E fragment, on the same stream.
func (t *sctpTable) assemble(r *Reader, d *sctpDir, f *sctpFrag) {
	same := func(g *sctpFrag) bool {
		return g.stream == f.stream && g.idata == f.idata && g.flags&sctpFlagU == f.flags&sctpFlagU &&
			(!f.idata || g.mid == f.mid)
	}
	begin := -1
	for i := range d.frags {
		if g := &d.frags[i]; g.flags&sctpFlagB != 0 && same(g) {
			begin = i
			if f.idata || int32(f.ord-g.ord) >= 0 && int32(f.ord-g.ord) < 1<<20 {
				break
			}
		}
	}
	if begin < 0 {
		return
	}
	t.idx = append(t.idx[:0], begin)
	ord := d.frags[begin].ord
	for d.frags[t.idx[len(t.idx)-1]].flags&sctpFlagE == 0 {
		ord++
		next := -1
		for i := range d.frags {
			if g := &d.frags[i]; g.ord == ord && same(g) && g.flags&sctpFlagB == 0 {
				next = i
				break
			}
		}
		if next < 0 {
			return
		}
		t.idx = append(t.idx, next)
	}
	t.buf = t.buf[:0]
	for _, i := range t.idx {
		t.buf = append(t.buf, d.frags[i].data...)
	}
	first := d.frags[begin]
	slices.Sort(t.idx)
	for k := len(t.idx) - 1; k >= 0; k-- {
		d.fragBytes -= len(d.frags[t.idx[k]].data)
		d.frags = slices.Delete(d.frags, t.idx[k], t.idx[k]+1)
	}
	r.stats.SCTPMessages++
	gtpu, teid := r.inGTPU, r.teid
	r.inGTPU, r.teid = d.gtpu, d.teid
	r.deliver(SCTP, d.key.src, d.key.dst, first.ppid, first.stream, t.buf)
	r.inGTPU, r.teid = gtpu, teid
	if cap(t.buf) > 4*t.cfg.MaxSCTPMessage {
		t.buf = nil
	}
}

// expire drops idle directions (all of them when all is set), counting
// their pending messages as dropped.
func (t *sctpTable) expire(r *Reader, all bool) {
	for k, d := range t.m {
		if all || r.now.Sub(d.last) > t.cfg.SCTPIdleTimeout || r.now.Before(d.last.Add(-t.cfg.SCTPIdleTimeout)) {
			t.dropFrags(r, d)
			delete(t.m, k)
		}
	}
}
