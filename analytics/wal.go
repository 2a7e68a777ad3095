package analytics

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/callsight/callsight/outcome"
)

// The write-ahead log keeps every row a Writer accepted until it is
// inserted or spooled, so that kill -9 loses nothing: WriteCall appends
// the row to the log before it returns, by a copy into the segment mapped
// shared (or one write(2) where the file cannot be preallocated and
// mapped); either way the kernel keeps what was written when the process
// dies, and an fsync on a timer
// (Config.WALSync) bounds what a power loss can take. The log is a
// directory of segment files, "wal-<seq>.log", each at most walSegmentRows
// rows; a segment is deleted once it is full and every row in it has been
// inserted or spooled, or kept mapped as a spare (at most walSpares) and
// reused, renamed, for a later segment: a fresh segment's pages fault in
// one by one on their first write, which cost more than the copies
// themselves. Open replays the segments a killed process left,
// oldest first, before any new row: into the store, or into the spool
// when the store fails. A row replayed that had been inserted already is
// stored twice and counted once: the tables are ReplacingMergeTree, read
// with FINAL.
//
// A segment is an 8-byte header, then records:
//
//	 0               4               8
//	+---------------+---------------+------------------------------+
//	| length (LE32) | CRC-32C (LE32)| payload (length bytes)       |
//	+---------------+---------------+------------------------------+
//
// The payload is a kind byte ('c' a CallRow, 'e' an Event) and the row's
// fields in the RowBinary forms of rowbinary.go (strings as length and
// bytes, times as seconds and nanoseconds, enums as their names). Replay
// stops at the first record that is short or fails its CRC (a torn tail),
// or whose header is zero. In a mapped segment, 8 zero bytes are written
// after the record's end before the record itself, so a reused segment's
// old records past the last new one are never read: a process killed
// between the two leaves the zero header. (After a power loss, pages may
// reach the disk out of order; an old record read then is a row already
// inserted, stored twice and counted once.)

// walMagic starts every segment.
const walMagic = "cswal01\n"

// walSegmentRows is how many rows a segment holds before the next one is
// started.
const walSegmentRows = 1 << 15

// walSegmentBytes is the size a segment file is preallocated to and
// mapped at; a segment is also full when the next record does not fit.
const walSegmentBytes = 32 << 20

// walSpares is how many emptied segments stay mapped for reuse.
const walSpares = 8

// walMaxRecord bounds a record's length when reading: a longer one is
// corrupt.
const walMaxRecord = 64 << 20

var walCRC = crc32.MakeTable(crc32.Castagnoli)

// wal is the write-ahead log of one Writer.
type wal struct {
	dir     string
	segRows int
	sync    time.Duration
	noMap   bool // write every record with write(2) (tests)

	mu    sync.Mutex
	seq   uint64
	cur   *walSeg
	live  map[*walSeg]struct{}
	spare []*walSeg // emptied segments, mapped, renamed "spare-<n>.wal"
	nsp   int       // spares named so far
	err   error     // the last write error, reported once

	stop chan struct{}
	done chan struct{}
}

// walSeg is one segment file.
type walSeg struct {
	name            string
	f               *os.File
	m               []byte // the file mapped shared, or nil: written with write(2)
	written, acked  int
	bytes           int64
	high            int64 // bytes ever written, across reuses
	sealed, dirty   bool
	removed, closed bool
}

// walAck counts rows of one segment that are done with.
type walAck struct {
	seg *walSeg
	n   int
}

// addAck records one more row of seg in acks, coalescing runs.
func addAck(acks []walAck, seg *walSeg) []walAck {
	if seg == nil {
		return acks
	}
	if n := len(acks); n > 0 && acks[n-1].seg == seg {
		acks[n-1].n++
		return acks
	}
	return append(acks, walAck{seg, 1})
}

var walBufPool = sync.Pool{New: func() any { return new(rowBinary) }}

// walSegments lists the segment files in dir, oldest first.
func walSegments(dir string) ([]string, uint64, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, 0, nil
		}
		return nil, 0, err
	}
	var names []string
	var maxSeq uint64
	for _, e := range ents {
		var seq uint64
		if _, err := fmt.Sscanf(e.Name(), "wal-%020d.log", &seq); err != nil || e.IsDir() {
			continue
		}
		names = append(names, e.Name())
		maxSeq = max(maxSeq, seq)
	}
	sort.Strings(names)
	return names, maxSeq, nil
}

// openWAL starts a log in dir after the segments already there (which the
// caller replays and removes).
func openWAL(dir string, syncEvery time.Duration) (*wal, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("analytics: wal: %w", err)
	}
	_, seq, err := walSegments(dir)
	if err != nil {
		return nil, fmt.Errorf("analytics: wal: %w", err)
	}
	// Spares a killed process left hold only rows already done with.
	old, _ := filepath.Glob(filepath.Join(dir, "spare-*.wal"))
	for _, p := range old {
		os.Remove(p)
	}
	l := &wal{dir: dir, segRows: walSegmentRows, sync: syncEvery, seq: seq, live: map[*walSeg]struct{}{},
		stop: make(chan struct{}), done: make(chan struct{})}
	if syncEvery > 0 {
		go l.syncLoop()
	} else {
		close(l.done)
	}
	return l, nil
}

// appendCall logs r; the segment returned is acknowledged once r is
// inserted or spooled.
func (l *wal) appendCall(r *CallRow) (*walSeg, error) {
	e := walBufPool.Get().(*rowBinary)
	defer walBufPool.Put(e)
	e.b = append(e.b[:0], 0, 0, 0, 0, 0, 0, 0, 0, 'c')
	e.walCall(r)
	return l.append(e.b)
}

// appendEvent logs ev, like appendCall.
func (l *wal) appendEvent(ev *Event) (*walSeg, error) {
	e := walBufPool.Get().(*rowBinary)
	defer walBufPool.Put(e)
	e.b = append(e.b[:0], 0, 0, 0, 0, 0, 0, 0, 0, 'e')
	e.walEvent(ev)
	return l.append(e.b)
}

// append writes one record (rec has 8 bytes of room for its header) with
// one write(2).
func (l *wal) append(rec []byte) (*walSeg, error) {
	p := rec[8:]
	binary.LittleEndian.PutUint32(rec[0:], uint32(len(p)))
	binary.LittleEndian.PutUint32(rec[4:], crc32.Checksum(p, walCRC))
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.cur == nil || l.cur.written >= l.segRows {
		if err := l.rotate(len(rec)); err != nil {
			return nil, err
		}
	}
	if s := l.cur; s.m != nil && s.bytes+int64(len(rec))+8 > int64(len(s.m)) {
		if err := l.rotate(len(rec)); err != nil {
			return nil, err
		}
	}
	s := l.cur
	if s.m != nil {
		// A copy into a shared mapping is in the page cache, like a
		// write(2): a killed process loses none of it. The zero header
		// after it comes first: what a reused segment held there is
		// never read as a record.
		end := s.bytes + int64(len(rec))
		if end < s.high {
			clear(s.m[end : end+8])
		}
		copy(s.m[s.bytes:], rec)
		s.high = max(s.high, end)
	} else if _, err := s.f.Write(rec); err != nil {
		// A short write leaves a torn record that replay stops at: start a
		// new segment for the next row.
		s.sealed = true
		l.cur = nil
		l.maybeRemove(s)
		return nil, fmt.Errorf("analytics: wal: %w", err)
	}
	s.written++
	s.bytes += int64(len(rec))
	s.dirty = true
	if l.sync < 0 {
		if err := s.f.Sync(); err != nil {
			return s, fmt.Errorf("analytics: wal: %w", err)
		}
	}
	return s, nil
}

// rotate seals the current segment and starts the next, with room for a
// record of need bytes; l.mu is held. The segment is preallocated and
// mapped, so that appending is a copy; where the file system cannot
// preallocate or map it, records are written with write(2).
func (l *wal) rotate(need int) error {
	if old := l.cur; old != nil {
		old.sealed = true
		l.cur = nil
		l.maybeRemove(old)
	}
	l.seq++
	name := fmt.Sprintf("wal-%020d.log", l.seq)
	if n := len(l.spare); n > 0 && len(walMagic)+need+8 <= len(l.spare[n-1].m) {
		s := l.spare[n-1]
		l.spare = l.spare[:n-1]
		// Its header is the magic already; a zero header after it ends
		// the segment until the first record, before it is named one.
		clear(s.m[len(walMagic) : len(walMagic)+8])
		if err := os.Rename(filepath.Join(l.dir, s.name), filepath.Join(l.dir, name)); err == nil {
			s.name, s.bytes, s.written, s.acked = name, int64(len(walMagic)), 0, 0
			s.sealed, s.removed, s.dirty = false, false, true
			l.cur = s
			l.live[s] = struct{}{}
			return nil
		}
		l.discard(s)
	}
	f, err := os.OpenFile(filepath.Join(l.dir, name), os.O_CREATE|os.O_EXCL|os.O_RDWR|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("analytics: wal: %w", err)
	}
	if _, err := f.WriteString(walMagic); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("analytics: wal: %w", err)
	}
	s := &walSeg{name: name, f: f, bytes: int64(len(walMagic)), dirty: true}
	if !l.noMap {
		s.m = mapSegment(f, max(walSegmentBytes, len(walMagic)+need+8))
	}
	l.cur = s
	l.live[s] = struct{}{}
	return nil
}

// ack marks rows as inserted or spooled and deletes the segments that are
// done with.
func (l *wal) ack(acks []walAck) {
	if l == nil || len(acks) == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, a := range acks {
		a.seg.acked += a.n
		l.maybeRemove(a.seg)
	}
}

// maybeRemove deletes s when it is sealed and every row in it is acked;
// l.mu is held.
func (l *wal) maybeRemove(s *walSeg) {
	if !s.sealed || s.acked < s.written || s.removed {
		return
	}
	s.removed = true
	delete(l.live, s)
	if s.m != nil && !s.closed && len(l.spare) < walSpares && !l.stopping() {
		l.nsp++
		sp := fmt.Sprintf("spare-%d.wal", l.nsp)
		if os.Rename(filepath.Join(l.dir, s.name), filepath.Join(l.dir, sp)) == nil {
			s.name = sp
			l.spare = append(l.spare, s)
			return
		}
	}
	l.discard(s)
}

// discard unmaps, closes and deletes s; l.mu is held.
func (l *wal) discard(s *walSeg) {
	s.release()
	os.Remove(filepath.Join(l.dir, s.name))
}

// stopping says whether close has begun.
func (l *wal) stopping() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

// mapSegment preallocates f (after its header, already written) to size
// bytes and maps it shared; nil when either fails. Preallocating keeps a
// full disk from raising SIGBUS on a write into the mapping.
func mapSegment(f *os.File, size int) []byte {
	fd := int(f.Fd())
	if err := syscall.Fallocate(fd, 0, 0, int64(size)); err != nil {
		return nil
	}
	m, err := syscall.Mmap(fd, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		f.Truncate(int64(len(walMagic)))
		return nil
	}
	return m
}

// release unmaps and closes s's file; l.mu is held.
func (s *walSeg) release() {
	if s.closed {
		return
	}
	s.closed = true
	if s.m != nil {
		syscall.Munmap(s.m)
		s.m = nil
	}
	s.f.Close()
}

// syncLoop fsyncs the segments written since the last round, every
// l.sync.
func (l *wal) syncLoop() {
	defer close(l.done)
	t := time.NewTicker(l.sync)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			l.syncNow()
		}
	}
}

func (l *wal) syncNow() {
	var fs []*os.File
	l.mu.Lock()
	newSeg := false
	for s := range l.live {
		if s.dirty && !s.closed {
			fs = append(fs, s.f)
			s.dirty = false
			newSeg = newSeg || s.written <= 1
		}
	}
	l.mu.Unlock()
	// A segment closed meanwhile makes Sync fail with os.ErrClosed: its
	// rows are already durable elsewhere.
	for _, f := range fs {
		f.Sync()
	}
	if newSeg {
		syncDir(l.dir)
	}
}

// size is the log's bytes and segments now.
func (l *wal) size() (bytes, segments int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for s := range l.live {
		bytes += s.bytes
	}
	return bytes, int64(len(l.live))
}

// close stops the log. Segments whose rows are all acked are deleted; the
// others stay for the next Open to replay.
func (l *wal) close() {
	if l == nil {
		return
	}
	close(l.stop)
	<-l.done
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cur = nil
	for _, s := range l.spare {
		l.discard(s)
	}
	l.spare = nil
	for s := range l.live {
		s.sealed = true
		l.maybeRemove(s)
		if !s.removed && !s.closed {
			if l.sync != 0 {
				s.f.Sync()
			}
			s.release()
		}
	}
}

// readWAL decodes one segment file; bad counts records past a torn or
// corrupt point (at most 1: reading stops there).
func readWAL(path string) (cb []CallRow, eb []Event, bad int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var magic [len(walMagic)]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || string(magic[:]) != walMagic {
		// Empty or torn before its first record: nothing was acknowledged.
		if err == io.EOF {
			return nil, nil, 0, nil
		}
		return nil, nil, 1, nil
	}
	var hdr [8]byte
	var buf []byte
	for {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err != io.EOF {
				bad++
			}
			return cb, eb, bad, nil
		}
		n := binary.LittleEndian.Uint32(hdr[0:])
		if n == 0 && binary.LittleEndian.Uint32(hdr[4:]) == 0 {
			return cb, eb, bad, nil // the preallocated tail, never written
		}
		if n == 0 || n > walMaxRecord {
			return cb, eb, bad + 1, nil
		}
		if cap(buf) < int(n) {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		if _, err := io.ReadFull(r, buf); err != nil || crc32.Checksum(buf, walCRC) != binary.LittleEndian.Uint32(hdr[4:]) {
			return cb, eb, bad + 1, nil
		}
		d := rbReader{b: buf[1:]}
		switch buf[0] {
		case 'c':
			var c CallRow
			d.walCall(&c)
			if d.err != nil {
				return cb, eb, bad + 1, nil
			}
			cb = append(cb, c)
		case 'e':
			var ev Event
			d.walEvent(&ev)
			if d.err != nil {
				return cb, eb, bad + 1, nil
			}
			eb = append(eb, ev)
		default:
			return cb, eb, bad + 1, nil
		}
	}
}

// walTime appends t losslessly: seconds and nanoseconds.
func (e *rowBinary) walTime(t time.Time) {
	e.i64(t.Unix())
	e.u32(uint32(t.Nanosecond()))
}

func (e *rowBinary) walPTime(p *outcome.Time) {
	if p == nil {
		e.u8(1)
		return
	}
	e.u8(0)
	e.walTime(p.Time)
}

// walCall appends every field of r, legs included.
func (e *rowBinary) walCall(r *CallRow) {
	for _, s := range []*string{&r.CallID, &r.Tenant, &r.Campaign, &r.Calling, &r.Called} {
		e.str(*s)
	}
	e.walTime(r.StartTime.Time)
	e.walPTime(r.AlertTime)
	e.walPTime(r.AnswerTime)
	e.walPTime(r.EndTime)
	e.str(r.Outcome)
	e.pu8(r.Q850)
	e.pu16(r.SIPStatus)
	e.pi64(r.PDDMS)
	e.pi64(r.DurationMS)
	for _, s := range []*string{&r.ReleasedBy, &r.CauseName, &r.CauseClass, &r.CauseLocation, &r.CauseSource, &r.MappingProfile} {
		e.str(*s)
	}
	e.pu8(r.ISUPCause)
	e.pu8(r.SIPICause)
	e.pu8(r.ReasonCause)
	e.b = binary.AppendUvarint(e.b, uint64(len(r.CausesValue)))
	for _, v := range r.CausesValue {
		e.u16(v)
	}
	e.circuitAndMedia(r)
	e.b = binary.AppendUvarint(e.b, uint64(len(r.EvidenceAt)))
	for _, t := range r.EvidenceAt {
		e.walTime(t.Time)
	}
	e.strs(r.EvidenceSource)
	e.strs(r.EvidenceWhat)
	e.b = binary.AppendUvarint(e.b, uint64(len(r.Legs)))
	for i := range r.Legs {
		l := &r.Legs[i]
		e.u8(l.Leg)
		e.str(l.Kind)
		e.str(l.SIPCallID)
		e.u32(l.OPC)
		e.u32(l.DPC)
		e.u16(l.CIC)
		e.u8(l.NI)
		e.strs(l.MediaSide)
		e.strs(l.MediaAddr)
		e.strs(l.MediaType)
		e.strs(l.MediaCodec)
	}
}

// walEvent appends every field of ev.
func (e *rowBinary) walEvent(ev *Event) {
	e.str(ev.File)
	e.u64(ev.Frame)
	e.walTime(ev.TS.Time)
	e.str(ev.Proto)
	e.u16(ev.Code)
	e.str(ev.Type)
	e.u16(ev.CIC)
	e.u32(ev.OPC)
	e.u32(ev.DPC)
	e.u8(ev.Range)
	e.pu8(ev.Cause)
	e.str(ev.Method)
	e.u16(ev.Status)
	e.str(ev.CSeqMethod)
	e.str(ev.CallID)
	e.strs(ev.Reasons)
	e.u8(b2u(ev.Network))
	e.str(ev.Carrier)
}

// errWALRecord is a record that does not decode.
var errWALRecord = errors.New("analytics: wal: malformed record")

// rbReader decodes what rowBinary encodes; the first error sticks and
// every later read returns zero values.
type rbReader struct {
	b   []byte
	err error
}

func (d *rbReader) take(n int) []byte {
	if d.err != nil || n < 0 || n > len(d.b) {
		d.err = errWALRecord
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *rbReader) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = errWALRecord
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length; each element takes at least min bytes.
func (d *rbReader) count(min int) int {
	v := d.uvarint()
	if v > uint64(len(d.b)/min) {
		d.err = errWALRecord
		return 0
	}
	return int(v)
}

func (d *rbReader) str() string { return string(d.take(d.count(1))) }

func (d *rbReader) u8() uint8 {
	if p := d.take(1); p != nil {
		return p[0]
	}
	return 0
}

func (d *rbReader) u16() uint16 {
	if p := d.take(2); p != nil {
		return binary.LittleEndian.Uint16(p)
	}
	return 0
}

func (d *rbReader) u32() uint32 {
	if p := d.take(4); p != nil {
		return binary.LittleEndian.Uint32(p)
	}
	return 0
}

func (d *rbReader) u64() uint64 {
	if p := d.take(8); p != nil {
		return binary.LittleEndian.Uint64(p)
	}
	return 0
}

func (d *rbReader) f32() float32 { return math.Float32frombits(d.u32()) }

func (d *rbReader) time() time.Time {
	s := int64(d.u64())
	ns := d.u32()
	if ns >= 1e9 {
		d.err = errWALRecord
	}
	return time.Unix(s, int64(ns)).UTC()
}

// null reads a Nullable's flag: true when a value follows.
func (d *rbReader) null() bool {
	switch d.u8() {
	case 0:
		return d.err == nil
	case 1:
		return false
	}
	d.err = errWALRecord
	return false
}

func dptr[T any](d *rbReader, get func(*rbReader) T) *T {
	if !d.null() {
		return nil
	}
	v := get(d)
	return &v
}

func (d *rbReader) ptime() *outcome.Time {
	if !d.null() {
		return nil
	}
	return &outcome.Time{Time: d.time()}
}

func (d *rbReader) strs() []string {
	n := d.count(1)
	if n == 0 {
		return nil
	}
	v := make([]string, n)
	for i := range v {
		v[i] = d.str()
	}
	return v
}

func (d *rbReader) walCall(r *CallRow) {
	for _, s := range []*string{&r.CallID, &r.Tenant, &r.Campaign, &r.Calling, &r.Called} {
		*s = d.str()
	}
	r.StartTime = outcome.Time{Time: d.time()}
	r.AlertTime = d.ptime()
	r.AnswerTime = d.ptime()
	r.EndTime = d.ptime()
	r.Outcome = d.str()
	r.Q850 = dptr(d, (*rbReader).u8)
	r.SIPStatus = dptr(d, (*rbReader).u16)
	r.PDDMS = dptr(d, func(d *rbReader) int64 { return int64(d.u64()) })
	r.DurationMS = dptr(d, func(d *rbReader) int64 { return int64(d.u64()) })
	for _, s := range []*string{&r.ReleasedBy, &r.CauseName, &r.CauseClass, &r.CauseLocation, &r.CauseSource, &r.MappingProfile} {
		*s = d.str()
	}
	r.ISUPCause = dptr(d, (*rbReader).u8)
	r.SIPICause = dptr(d, (*rbReader).u8)
	r.ReasonCause = dptr(d, (*rbReader).u8)
	if n := d.count(2); n > 0 {
		r.CausesValue = make([]uint16, n)
		for i := range r.CausesValue {
			r.CausesValue[i] = d.u16()
		}
	}
	r.CausesSource = d.strs()
	r.LegKinds = d.strs()
	r.OPC = d.u32()
	r.DPC = d.u32()
	r.CIC = d.u16()
	r.NI = d.u8()
	r.Trunk = d.str()
	r.Codec = d.str()
	r.MediaPackets = dptr(d, (*rbReader).u32)
	r.MediaLossPct = dptr(d, (*rbReader).f32)
	r.MediaJitterMS = dptr(d, (*rbReader).f32)
	r.AMDClass = d.str()
	r.AMDConfidence = dptr(d, (*rbReader).f32)
	r.BeepEndMS = dptr(d, func(d *rbReader) int64 { return int64(d.u64()) })
	r.DecidedMS = dptr(d, func(d *rbReader) int64 { return int64(d.u64()) })
	if n := d.count(12); n > 0 {
		r.EvidenceAt = make([]outcome.Time, n)
		for i := range r.EvidenceAt {
			r.EvidenceAt[i] = outcome.Time{Time: d.time()}
		}
	}
	r.EvidenceSource = d.strs()
	r.EvidenceWhat = d.strs()
	if n := d.count(18); n > 0 {
		r.Legs = make([]LegRow, n)
		for i := range r.Legs {
			l := &r.Legs[i]
			l.Leg = d.u8()
			l.Kind = d.str()
			l.SIPCallID = d.str()
			l.OPC = d.u32()
			l.DPC = d.u32()
			l.CIC = d.u16()
			l.NI = d.u8()
			l.MediaSide = d.strs()
			l.MediaAddr = d.strs()
			l.MediaType = d.strs()
			l.MediaCodec = d.strs()
		}
	}
	if len(d.b) != 0 {
		d.err = errWALRecord
	}
}

func (d *rbReader) walEvent(ev *Event) {
	ev.File = d.str()
	ev.Frame = d.u64()
	ev.TS = outcome.Time{Time: d.time()}
	ev.Proto = d.str()
	ev.Code = d.u16()
	ev.Type = d.str()
	ev.CIC = d.u16()
	ev.OPC = d.u32()
	ev.DPC = d.u32()
	ev.Range = d.u8()
	ev.Cause = dptr(d, (*rbReader).u8)
	ev.Method = d.str()
	ev.Status = d.u16()
	ev.CSeqMethod = d.str()
	ev.CallID = d.str()
	ev.Reasons = d.strs()
	switch d.u8() {
	case 0:
	case 1:
		ev.Network = true
	default:
		d.err = errWALRecord
	}
	ev.Carrier = d.str()
	if len(d.b) != 0 {
		d.err = errWALRecord
	}
}

// walDirOf is where a Writer with this spool keeps its log.
func walDirOf(spoolDir string) string {
	return filepath.Join(strings.TrimRight(spoolDir, "/"), "wal")
}
