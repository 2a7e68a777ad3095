package media

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Codec is what an RTP payload type carries, as far as the audio analysis
// cares. Only PCMU and PCMA are decoded; other audio codecs are recognised
// and reported so that a stream is never misdecoded.
type Codec uint8

// Codecs. The static payload types are those of RFC 3551 §6, Table 4;
// dynamic ones (96-127) come from the SDP rtpmap through
// Config.PayloadTypes or Stream.SetPayloadType.
const (
	Unknown        Codec = iota // unassigned or unmapped payload type: counted, ignored
	PCMU                        // G.711 µ-law, PT 0
	PCMA                        // G.711 A-law, PT 8
	CN                          // comfort noise, PT 13 (RFC 3389)
	TelephoneEvent              // DTMF and other named events (RFC 4733), dynamic
	G722                        // PT 9
	G729                        // PT 18
	Opus                        // dynamic
	AMR                         // AMR and AMR-WB, dynamic
	Other                       // any other audio codec (GSM, G.723, L16, iLBC, ...)
)

var codecNames = [...]string{"unknown", "PCMU", "PCMA", "CN", "telephone-event", "G722", "G729", "opus", "AMR", "other"}

// String returns the codec's SDP encoding name ("PCMU", "telephone-event",
// "opus") or "codec-N" for an out-of-range value.
func (c Codec) String() string {
	if int(c) < len(codecNames) {
		return codecNames[c]
	}
	return "codec-" + strconv.Itoa(int(c))
}

// Analysable reports whether the codec is decoded to PCM here (G.711).
func (c Codec) Analysable() bool { return c == PCMU || c == PCMA }

// audio reports whether c carries speech (as opposed to CN, events, or an
// unknown payload type).
func (c Codec) audio() bool { return c == PCMU || c == PCMA || c >= G722 }

// CodecFromName maps an SDP rtpmap encoding name (RFC 4566 §6, case
// insensitive: "PCMU", "telephone-event", "opus", "AMR-WB") to a Codec, for
// the engine to fill Config.PayloadTypes. Unknown names give Other.
func CodecFromName(name string) Codec {
	switch {
	case eqFold(name, "PCMU"):
		return PCMU
	case eqFold(name, "PCMA"):
		return PCMA
	case eqFold(name, "CN"):
		return CN
	case eqFold(name, "telephone-event"):
		return TelephoneEvent
	case eqFold(name, "G722"):
		return G722
	case eqFold(name, "G729"), eqFold(name, "G729A"), eqFold(name, "G729D"), eqFold(name, "G729E"):
		return G729
	case eqFold(name, "opus"):
		return Opus
	case eqFold(name, "AMR"), eqFold(name, "AMR-WB"):
		return AMR
	}
	return Other
}

func eqFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// StaticPayloadTypes returns the RFC 3551 Table 4 assignments: 0 PCMU,
// 8 PCMA, 9 G722, 13 CN, 18 G729, the other audio types (3 GSM, 4 G723,
// 5-7, 10-12, 14-17) as Other; everything else Unknown.
func StaticPayloadTypes() [128]Codec {
	var t [128]Codec
	for _, pt := range []int{3, 4, 5, 6, 7, 10, 11, 12, 14, 15, 16, 17} {
		t[pt] = Other
	}
	t[0], t[8], t[9], t[13], t[18] = PCMU, PCMA, G722, CN, G729
	return t
}

// Config configures a Stream. It is a value: copy and change it freely.
type Config struct {
	// ReorderWindow is how long, in capture time, a packet is held waiting
	// for the packets before it. In-order packets are never held (except
	// the first of each segment). Default 60 ms.
	ReorderWindow time.Duration
	// ReorderPackets bounds how many packets are held (1-64). Default 8.
	ReorderPackets int
	// MaxGap bounds the silence (or comfort noise) inserted for one gap,
	// and how far RTP timestamps may disagree with capture time before the
	// stream is re-anchored on capture time. Default 2 s.
	MaxGap time.Duration
	// ClockRate is the RTP clock and PCM sample rate of G.711: 8000.
	ClockRate int
	// TelephoneEventPT is the dynamic payload type of RFC 4733 events
	// (from the SDP rtpmap "telephone-event/8000"), usually 101; -1 for
	// none. It is applied over PayloadTypes.
	TelephoneEventPT int
	// PayloadTypes maps each payload type to its codec. DefaultConfig
	// fills the static assignments; the engine sets dynamic ones from the
	// SDP rtpmap (CodecFromName).
	PayloadTypes [128]Codec
	// MaxEvents bounds Stats.DTMF. Default 64.
	MaxEvents int
}

// DefaultConfig returns the configuration used by callsight's replay.
func DefaultConfig() Config {
	return Config{
		ReorderWindow:    60 * time.Millisecond,
		ReorderPackets:   8,
		MaxGap:           2 * time.Second,
		ClockRate:        8000,
		TelephoneEventPT: 101,
		PayloadTypes:     StaticPayloadTypes(),
		MaxEvents:        64,
	}
}

// ErrConfig is wrapped by every error of Config.Validate.
var ErrConfig = errors.New("media: invalid configuration")

// Validate reports the first field of c that is out of range.
func (c Config) Validate() error {
	switch {
	case c.ReorderWindow < 0 || c.ReorderWindow > time.Second:
		return fmt.Errorf("media: ReorderWindow %v outside 0..1s: %w", c.ReorderWindow, ErrConfig)
	case c.ReorderPackets < 1 || c.ReorderPackets > maxHeld:
		return fmt.Errorf("media: ReorderPackets %d outside 1..%d: %w", c.ReorderPackets, maxHeld, ErrConfig)
	case c.MaxGap < 100*time.Millisecond || c.MaxGap > time.Minute:
		return fmt.Errorf("media: MaxGap %v outside 100ms..1m: %w", c.MaxGap, ErrConfig)
	case c.ClockRate != 8000:
		return fmt.Errorf("media: ClockRate %d unsupported (G.711 is 8000 Hz): %w", c.ClockRate, ErrConfig)
	case c.TelephoneEventPT < -1 || c.TelephoneEventPT > 127:
		return fmt.Errorf("media: TelephoneEventPT %d outside -1..127: %w", c.TelephoneEventPT, ErrConfig)
	case c.MaxEvents < 0 || c.MaxEvents > 1<<16:
		return fmt.Errorf("media: MaxEvents %d outside 0..65536: %w", c.MaxEvents, ErrConfig)
	}
	return nil
}
