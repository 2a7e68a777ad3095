package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Reader reads one capture file and hands its application payloads to a
// callback. Not safe for concurrent use.
type Reader struct {
	name   string
	cfg    Config
	closer io.Closer // the file Open opened, closed when Run returns

	pcap     *pcapgo.Reader
	ng       *pcapgo.NgReader
	src      *countingReader // below the buffer, for truncation detection
	buf      *bufio.Reader
	consumed int64 // pcap bytes accounted for by records read so far
	done     bool

	frame int64
	now   time.Time
	stats Stats

	fn    func(*Payload)
	onErr func(*DecodeError)

	// Preallocated decoding layers (gopacket DecodingLayer contract:
	// each decode overwrites the value and aliases the packet bytes).
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	loop  layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	udp   layers.UDP
	tcp   layers.TCP

	// tunnel context of the packet being decoded
	inGTPU bool
	teid   uint32

	frags fragTable
	tcps  tcpTable
	sctp  sctpTable
	sp    sctpPacket

	pl Payload

	lastSweep time.Time
}

// pcap and pcapng magic numbers, as the first four bytes of the file.
var (
	magicPcapUsLE = []byte{0xd4, 0xc3, 0xb2, 0xa1}
	magicPcapUsBE = []byte{0xa1, 0xb2, 0xc3, 0xd4}
	magicPcapNsLE = []byte{0x4d, 0x3c, 0xb2, 0xa1}
	magicPcapNsBE = []byte{0xa1, 0xb2, 0x3c, 0x4d}
	magicPcapng   = []byte{0x0a, 0x0d, 0x0d, 0x0a}
)

// Open opens the capture file at path. The file is closed when Run returns
// or by Close. The error wraps ErrNotCapture, with the path in its message,
// when the file is neither pcap nor pcapng, plain or gzip-compressed.
func Open(path string, cfg Config) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("capture: %w", err)
	}
	r, err := NewReader(path, f, cfg)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// NewReader reads a capture from rd; name is used in error messages. The
// format (pcap with µs or ns timestamps in either byte order, pcapng, and
// either of them gzip-compressed) is detected from the magic numbers.
func NewReader(name string, rd io.Reader, cfg Config) (*Reader, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Reader{name: name, cfg: cfg}
	r.frags.init(cfg)
	r.tcps.init(cfg)
	r.sctp.init(cfg)

	br := bufio.NewReaderSize(rd, 1<<16)
	head, _ := br.Peek(4)
	if len(head) >= 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("capture: %s: gzip: %v: %w", name, err, ErrNotCapture)
		}
		r.src = &countingReader{r: zr}
	} else {
		r.src = &countingReader{r: br}
	}
	r.buf = bufio.NewReaderSize(r.src, 1<<16)
	head, _ = r.buf.Peek(4)
	if len(head) < 4 {
		return nil, fmt.Errorf("capture: %s: %d bytes, no magic number: %w", name, len(head), ErrNotCapture)
	}
	switch {
	case bytes.Equal(head, magicPcapng):
		ng, err := pcapgo.NewNgReader(r.buf, pcapgo.NgReaderOptions{WantMixedLinkType: true, SkipUnknownVersion: true})
		if err != nil {
			return nil, fmt.Errorf("capture: %s: pcapng header: %v: %w", name, err, fileErrKind(err))
		}
		r.ng = ng
	case bytes.Equal(head, magicPcapUsLE), bytes.Equal(head, magicPcapUsBE),
		bytes.Equal(head, magicPcapNsLE), bytes.Equal(head, magicPcapNsBE):
		p, err := pcapgo.NewReader(r.buf)
		if err != nil {
			return nil, fmt.Errorf("capture: %s: pcap header: %v: %w", name, err, fileErrKind(err))
		}
		r.pcap = p
		r.consumed = 24
	default:
		return nil, fmt.Errorf("capture: %s: magic %x: %w", name, head, ErrNotCapture)
	}
	return r, nil
}

// fileErrKind maps an error from pcapgo to ErrTruncated or ErrMalformed.
func fileErrKind(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return ErrTruncated
	}
	return ErrMalformed
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Close closes the file Open opened. It is safe to call more than once and
// on a Reader from NewReader, where it does nothing.
func (r *Reader) Close() error {
	if r.closer == nil {
		return nil
	}
	c := r.closer
	r.closer = nil
	return c.Close()
}

// Stats returns the counters so far.
func (r *Reader) Stats() Stats { return r.stats.clone() }

// Run reads every packet. fn gets each payload; onErr (may be nil) gets
// every per-packet decode problem and processing continues with the next
// packet. A truncated file (EOF inside a record) ends Run with an error
// wrapping ErrTruncated after delivering everything before it; a record
// structure that cannot be followed ends it with one wrapping ErrMalformed.
// At the end of the file, out-of-order TCP data still buffered is delivered
// (its gaps counted) and incomplete fragments are counted as expired.
func (r *Reader) Run(fn func(*Payload), onErr func(*DecodeError)) error {
	defer r.Close()
	if r.done {
		return nil
	}
	r.fn, r.onErr = fn, onErr
	defer func() { r.fn, r.onErr = nil, nil }()
	var err error
	for {
		var data []byte
		var lt layers.LinkType
		data, lt, err = r.next()
		if err != nil {
			break
		}
		r.stats.Packets++
		r.stats.Bytes += uint64(len(data))
		if d := r.now.Sub(r.lastSweep); d >= time.Second || d <= -time.Second {
			r.sweep()
		}
		if len(data) > r.cfg.MaxPacketSize {
			r.fail("pcap", ErrMalformed, "captured length %d exceeds the limit %d", len(data), r.cfg.MaxPacketSize)
			continue
		}
		r.link(lt, data)
	}
	r.done = true
	r.flush()
	if err == io.EOF {
		return nil
	}
	de := &DecodeError{File: r.name, Frame: r.frame + 1, Layer: "pcap", Err: err}
	if r.ng != nil {
		de.Layer = "pcapng"
	}
	return de
}

// next reads the next record. It returns io.EOF at the clean end of the
// file, or an error wrapping ErrTruncated or ErrMalformed.
func (r *Reader) next() (data []byte, lt layers.LinkType, err error) {
	defer func() {
		if p := recover(); p != nil { // never let a reader bug take the replay down
			err = fmt.Errorf("reader failure: %v: %w", p, ErrMalformed)
		}
	}()
	var ci gopacket.CaptureInfo
	if r.pcap != nil {
		data, ci, err = r.pcap.ZeroCopyReadPacketData()
		lt = r.pcap.LinkType()
		if err == nil {
			r.consumed += 16 + int64(len(data))
		} else if err == io.EOF && r.buf.Buffered() == 0 && r.src.n > r.consumed {
			// A record header with no data after it: io.ReadFull reports
			// a clean EOF, but the file had bytes beyond the last record.
			err = io.ErrUnexpectedEOF
		}
	} else {
		data, ci, err = r.ng.ZeroCopyReadPacketData()
		if err == nil {
			if len(ci.AncillaryData) > 0 {
				lt, _ = ci.AncillaryData[0].(layers.LinkType)
			}
		}
	}
	switch {
	case err == nil:
	case err == io.EOF:
		return nil, 0, err
	case errors.Is(err, io.ErrUnexpectedEOF):
		return nil, 0, fmt.Errorf("record: %w", ErrTruncated)
	default:
		return nil, 0, fmt.Errorf("record: %v: %w", err, ErrMalformed)
	}
	r.frame++
	if !ci.Timestamp.IsZero() { // a pcapng SPB has none: keep the last one
		r.now = ci.Timestamp
	}
	return data, lt, nil
}

// fail reports a decode problem in the current frame.
func (r *Reader) fail(layer string, sentinel error, format string, args ...any) {
	err := fmt.Errorf(format, args...)
	de := &DecodeError{File: r.name, Frame: r.frame, Layer: layer, Err: fmt.Errorf("%w: %w", err, sentinel)}
	if r.stats.Errors == nil {
		r.stats.Errors = make(map[string]uint64)
	}
	r.stats.Errors[layer+": "+kind(sentinel)]++
	if r.onErr != nil {
		r.onErr(de)
	}
}

// deliver hands one payload to the callback.
func (r *Reader) deliver(t Transport, src, dst netip.AddrPort, ppid uint32, stream uint16, data []byte) {
	r.stats.Payloads++
	if r.fn == nil {
		return
	}
	r.pl = Payload{
		Frame: r.frame, Time: r.now, Transport: t, Src: src, Dst: dst,
		PPID: ppid, Stream: stream, GTPU: r.inGTPU, TEID: r.teid, Data: data,
	}
	r.fn(&r.pl)
}

// sweep expires state older than its timeout, on capture time.
func (r *Reader) sweep() {
	r.lastSweep = r.now
	r.stats.FragmentsExpired += uint64(r.frags.expire(r.now, false))
	r.tcps.expire(r, false)
	r.sctp.expire(r, false)
}

// flush ends every piece of state at the end of the file.
func (r *Reader) flush() {
	r.stats.FragmentsExpired += uint64(r.frags.expire(r.now, true))
	r.tcps.expire(r, true)
	r.sctp.expire(r, true)
}

// failErr reports a decode problem whose error already wraps a sentinel.
func (r *Reader) failErr(layer string, err error) {
	de := &DecodeError{File: r.name, Frame: r.frame, Layer: layer, Err: err}
	if r.stats.Errors == nil {
		r.stats.Errors = make(map[string]uint64)
	}
	r.stats.Errors[layer+": "+kind(err)]++
	if r.onErr != nil {
		r.onErr(de)
	}
}
