package gen

import (
	"fmt"
	"math"
	"math/rand"
	"net/netip"
	"strings"
	"time"
)

// RTP payload types of the audio corpus (RFC 3551 §6; 101 is dynamic).
const (
	ptPCMU  = 0
	ptPCMA  = 8
	ptCN    = 13
	ptEvent = 101
)

// sdpMedia is the audio m-line of an audio-corpus call: its payload types
// in preference order and its packetisation time.
type sdpMedia struct {
	pts   []byte
	ptime int
}

// write appends the m-line and its attributes (RFC 4566 §5.14, RFC 3551,
// RFC 4733 §2.4.1 for telephone-event, RFC 3389 §5 for CN).
func (m *sdpMedia) write(sb *strings.Builder, port int, e string) {
	fmt.Fprintf(sb, "m=audio %d RTP/AVP", port)
	for _, pt := range m.pts {
		fmt.Fprintf(sb, " %d", pt)
	}
	sb.WriteString(e)
	for _, pt := range m.pts {
		switch pt {
		case ptPCMU:
			sb.WriteString("a=rtpmap:0 PCMU/8000" + e)
		case ptPCMA:
			sb.WriteString("a=rtpmap:8 PCMA/8000" + e)
		case ptCN:
			sb.WriteString("a=rtpmap:13 CN/8000" + e)
		case ptEvent:
			sb.WriteString("a=rtpmap:101 telephone-event/8000" + e + "a=fmtp:101 0-15" + e)
		}
	}
	fmt.Fprintf(sb, "a=ptime:%d%sa=sendrecv%s", m.ptime, e, e)
}

// rtpPort is the RTP port sipCall.sdp announces for address a.
func rtpPort(a netip.Addr) uint16 { return uint16(20000 + int(a.As16()[15])*2) }

// rtpOut is one RTP packet of a stream before impairment: its nominal send
// offset from the stream's base time and its RTP timestamp offset.
type rtpOut struct {
	at     time.Duration
	pt     byte
	marker bool
	// quiet: not sent, by a sender that suppresses silence (its sequence
	// number is not used; the next packet sent has the marker bit).
	quiet   bool
	ts      uint32
	payload []byte
}

// rtpStream is one RTP source: addresses, SSRC and initial seq/timestamp.
type rtpStream struct {
	src, dst netip.AddrPort
	ssrc     uint32
	seq      uint16 // next sequence number
	ts0      uint32
}

// impair is how the network degrades a stream on its way to the capture point.
type impair struct {
	loss    float64       // probability that a packet is dropped (its seq is skipped)
	burst   float64       // probability that a packet after a dropped one is dropped too (0: independent losses)
	jitter  time.Duration // capture time offset uniform in ±jitter
	reorder float64       // probability that a packet is swapped with the next
}

// audioFrames packs samples into G.711 packets of ptime ms starting at
// offset at; the first carries the marker bit (RFC 3551 §4.1).
func audioFrames(pt byte, s []int16, ptimeMS int, at time.Duration, tsOff uint32) []rtpOut {
	per := ptimeMS * sampleRate / 1000
	var out []rtpOut
	for i := 0; i+per <= len(s); i += per {
		out = append(out, rtpOut{
			at: at + time.Duration(i)*time.Second/sampleRate, pt: pt, marker: i == 0,
			ts: tsOff + uint32(i), payload: g711(pt, s[i:i+per]),
		})
	}
	return out
}

// schedule sends pkts on stream st from base with the impairments, and
// returns the next sequence number. Lost packets consume a sequence number.
func (n *netw) scheduleRTP(iface int, base time.Time, st *rtpStream, pkts []rtpOut, im impair, rnd *rand.Rand) {
	times := make([]time.Duration, len(pkts))
	for i, p := range pkts {
		times[i] = p.at
		if im.jitter > 0 {
			times[i] += time.Duration(rnd.Int63n(int64(2*im.jitter))) - im.jitter
		}
	}
	for i := 0; i+1 < len(pkts); i++ {
		if im.reorder > 0 && rnd.Float64() < im.reorder {
			times[i], times[i+1] = times[i+1]+time.Millisecond, times[i]
			i++
		}
	}
	// Bursts (a Gilbert model): after a loss the next packet is lost with
	// probability burst, otherwise with start, chosen so that loss stays
	// the mean rate: loss = start / (1 - burst + start).
	start := im.loss * (1 - im.burst) / (1 - im.loss)
	lost := false
	for i, p := range pkts {
		seq := st.seq
		if !p.quiet {
			st.seq++
		}
		// (A quiet packet draws its loss too: the draws of the calls
		// after it stay those of a set without silence suppression.)
		if im.burst > 0 {
			pr := start
			if lost {
				pr = im.burst
			}
			if lost = i > 0 && rnd.Float64() < pr; lost || p.quiet {
				continue
			}
		} else if im.loss > 0 && i > 0 && rnd.Float64() < im.loss || p.quiet {
			continue
		}
		b := rtpPacket(p.pt, seq, st.ts0+p.ts, st.ssrc, p.marker, p.payload)
		src, dst := st.src, st.dst
		n.at(base.Add(times[i]), func(ts time.Time) { n.udp(ts, iface, src, dst, b) })
	}
}

// dtmfEvent returns the RFC 4733 §2.3 packets of one named event starting
// at offset at with RTP timestamp ts: updates every 20 ms for durMS, then the
// end packet three times.
func dtmfEvent(event byte, at time.Duration, ts uint32, durMS int) []rtpOut {
	var out []rtpOut
	const volume = 10
	for d := 20; ; d += 20 {
		end := d >= durMS
		dur := d * sampleRate / 1000
		flags := byte(volume)
		if end {
			flags |= 0x80
		}
		pl := []byte{event, flags, byte(dur >> 8), byte(dur)}
		k := 1
		if end {
			k = 3
		}
		for j := 0; j < k; j++ {
			out = append(out, rtpOut{at: at + time.Duration(d-20)*time.Millisecond, pt: ptEvent, marker: d == 20, ts: ts, payload: pl})
		}
		if end {
			return out
		}
	}
}

// cnPacket is a comfort-noise packet (RFC 3389 §3): noise level in -dBov.
func cnPacket(at time.Duration, ts uint32, level byte) rtpOut {
	return rtpOut{at: at, pt: ptCN, ts: ts, payload: []byte{level}}
}

// suppressSilence marks the packets a sender that suppresses silence
// without comfort noise does not send: those under level dBFS, after a
// hangover of hangMS of packets over it; the first packet of each
// talkspurt after a quiet one has the marker bit (RFC 3551 §4.1).
func suppressSilence(pkts []rtpOut, level float64, ptimeMS, hangMS int) {
	hang, quiet := 0, false
	for i := range pkts {
		p := &pkts[i]
		if p.pt != ptPCMU && p.pt != ptPCMA {
			continue
		}
		var sum float64
		for _, b := range p.payload {
			v := float64(ulawDecode(b))
			if p.pt == ptPCMA {
				v = float64(alawDecode(b))
			}
			sum += v * v
		}
		db := 10 * math.Log10(sum/float64(max(1, len(p.payload)))/(32768*32768)+1e-12)
		switch {
		case db >= level:
			hang = max(1, hangMS/ptimeMS)
		case hang > 0:
			hang--
		default:
			p.quiet, quiet = true, true
			continue
		}
		if quiet {
			p.marker, quiet = true, false
		}
	}
}
