package capture

import (
	"time"

	"github.com/gopacket/gopacket/layers"
)

// LinkType is a capture link-layer type, as numbered by tcpdump.org's
// LINKTYPE_ list (1 Ethernet, 101 raw IP, 113 Linux SLL, 276 SLL2...).
type LinkType uint16

// Link types a live source hands to a Decoder.
const (
	LinkEthernet LinkType = 1
	LinkRawIP    LinkType = 101
	LinkSLL      LinkType = 113
)

// Decoder decodes single link-layer frames or IP packets that do not come
// from a capture file (an AF_PACKET ring, a HEP agent sending whole
// packets) with exactly the pipeline of Reader: the same link, IP
// reassembly, TCP stream and SCTP decoders, bounded by the same Config.
// Not safe for concurrent use: give each goroutine its own Decoder.
type Decoder struct {
	r Reader
}

// NewDecoder returns a Decoder; name is used in DecodeError.File (an
// interface name, "hep"...). fn gets each payload and onErr (may be nil)
// every per-packet decode problem, as with Reader.Run.
func NewDecoder(name string, cfg Config, fn func(*Payload), onErr func(*DecodeError)) (*Decoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := &Decoder{}
	d.r.name, d.r.cfg = name, cfg
	d.r.frags.init(cfg)
	d.r.tcps.init(cfg)
	d.r.sctp.init(cfg)
	d.r.fn, d.r.onErr = fn, onErr
	d.r.lastSweep = time.Time{}
	return d, nil
}

// Frame decodes one captured frame of link type lt, taken at ts, whose
// frame number is frame (1-based, per source). Payloads it completes go
// to fn before Frame returns; their Data alias frame or the Decoder's
// buffers and are valid only during the callback.
func (d *Decoder) Frame(frame int64, ts time.Time, lt LinkType, data []byte) {
	r := &d.r
	r.frame = frame
	if !ts.IsZero() {
		r.now = ts
	}
	r.stats.Packets++
	r.stats.Bytes += uint64(len(data))
	if r.lastSweep.IsZero() {
		r.lastSweep = r.now
	}
	if dt := r.now.Sub(r.lastSweep); dt >= time.Second || dt <= -time.Second {
		r.sweep()
	}
	if len(data) > r.cfg.MaxPacketSize {
		r.fail("link", ErrMalformed, "captured length %d exceeds the limit %d", len(data), r.cfg.MaxPacketSize)
		return
	}
	r.link(layers.LinkType(lt), data)
}

// Advance runs the capture-time timers (fragment, TCP gap and idle, SCTP
// idle expiry) up to now without a packet, for an idle live source.
func (d *Decoder) Advance(now time.Time) {
	r := &d.r
	if now.After(r.now) {
		r.now = now
	}
	r.sweep()
}

// Flush ends every piece of state, as at the end of a file: buffered TCP
// data is delivered and incomplete fragments are counted as expired.
func (d *Decoder) Flush() { d.r.flush() }

// Stats returns the counters so far.
func (d *Decoder) Stats() Stats { return d.r.stats.clone() }
