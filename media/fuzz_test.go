package media

import (
	"encoding/binary"
	"hash/fnv"
	"testing"
	"time"
)

// fuzzPackets splits data into packets: each is a length octet, a time step
// octet (in ms) and that many bytes.
func fuzzPackets(data []byte, fn func(now time.Time, pkt []byte)) {
	now := t0
	for len(data) >= 2 {
		n, dt := int(data[0]), time.Duration(data[1])*time.Millisecond
		data = data[2:]
		n = min(n, len(data))
		now = now.Add(dt)
		fn(now, data[:n])
		data = data[n:]
	}
}

func encodeFuzz(ps []pkt) []byte {
	var b []byte
	var last time.Duration
	for _, p := range ps {
		raw := p.bytes()
		if len(raw) > 255 {
			raw = raw[:255]
		}
		dt := max(0, min(255, (p.at-last)/time.Millisecond))
		last += dt * time.Millisecond
		b = append(b, byte(len(raw)), byte(dt))
		b = append(b, raw...)
	}
	return b
}

func FuzzProcess(f *testing.F) {
	f.Add(encodeFuzz(stream(5, 20)))
	ps := stream(8, 20)
	ps[2], ps[3] = ps[3], ps[2]
	ps = append(ps, ps[5])
	f.Add(encodeFuzz(ps))
	cn := append(stream(2, 20), pkt{at: ms(40), seq: 2, ts: 320, ssrc: 1, pt: 13, payload: []byte{40}}, pkt{at: ms(60), seq: 3, ts: 1600, ssrc: 1, pt: 8, payload: alaw(3, 160)})
	f.Add(encodeFuzz(cn))
	ev := append(stream(2, 20), pkt{at: ms(40), seq: 2, ts: 320, ssrc: 1, pt: 101, payload: event(1, true, 400)}, pkt{at: ms(45), seq: 3, ts: 320, ssrc: 1, pt: 101, payload: event(1, true, 400)})
	f.Add(encodeFuzz(ev))
	sw := append(stream(2, 20), pkt{at: ms(300), seq: 9, ts: 99999, ssrc: 7, pt: 0, payload: alaw(1, 80)}, pkt{at: ms(310), seq: 40000, ts: 99, ssrc: 7, pt: 0, payload: alaw(1, 80)}, pkt{at: ms(320), seq: 40001, ts: 179, ssrc: 7, pt: 0, payload: alaw(1, 80)})
	f.Add(encodeFuzz(sw))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := DefaultConfig()
		maxGap := int64(cfg.MaxGap / (time.Second / 8000))
		run := func() (uint64, int64) {
			s := NewStream(cfg)
			h := fnv.New64a()
			var next, emitted, bound int64
			var buf [10]byte
			out := func(pcm []int16, sample int64) {
				if sample < next {
					t.Fatalf("out(sample %d) goes back (previous end %d)", sample, next)
				}
				next = sample + int64(len(pcm))
				emitted += int64(len(pcm))
				binary.LittleEndian.PutUint64(buf[:], uint64(sample))
				h.Write(buf[:8])
				for _, v := range pcm {
					binary.LittleEndian.PutUint16(buf[:], uint16(v))
					h.Write(buf[:2])
				}
			}
			fuzzPackets(data, func(now time.Time, p []byte) {
				// Each packet can release at most its payload plus one gap.
				bound += int64(len(p)) + maxGap
				_ = s.Process(now, p, out)
			})
			s.Flush(out)
			if emitted > bound {
				t.Fatalf("emitted %d samples, bound %d", emitted, bound)
			}
			st := s.Stats()
			if st.Samples != emitted {
				t.Fatalf("Stats.Samples = %d, emitted %d", st.Samples, emitted)
			}
			return h.Sum64(), emitted
		}
		a, _ := run()
		if b, _ := run(); a != b {
			t.Fatalf("two runs over the same packets differ")
		}
	})
}
