package capture

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzReader feeds bytes as a whole capture file: no panic, every error
// wraps a sentinel, and the Stats agree with the callbacks.
func FuzzReader(f *testing.F) {
	for _, tc := range runCases() {
		f.Add(tc.file)
		f.Add(gz(tc.file))
	}
	f.Fuzz(func(t *testing.T, file []byte) {
		r, err := NewReader("fuzz", bytes.NewReader(file), DefaultConfig())
		if err != nil {
			if !errors.Is(err, ErrNotCapture) && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
				t.Fatalf("NewReader error wraps no sentinel: %v", err)
			}
			return
		}
		var payloads, errs uint64
		err = r.Run(func(p *Payload) {
			payloads++
			_ = p.Data[len(p.Data)/2:]
		}, func(e *DecodeError) {
			errs++
			if !errors.Is(e, ErrTruncated) && !errors.Is(e, ErrMalformed) && !errors.Is(e, ErrUnsupported) {
				t.Fatalf("decode error wraps no sentinel: %v", e)
			}
		})
		if err != nil && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("Run error wraps no sentinel: %v", err)
		}
		st := r.Stats()
		var n uint64
		for _, v := range st.Errors {
			n += v
		}
		if st.Payloads != payloads || n != errs {
			t.Fatalf("stats payloads %d errors %d, callbacks %d %d", st.Payloads, n, payloads, errs)
		}
	})
}

// sctpSeeds are SCTP packets from the tests, and the first chunks of
// tcpdump/isup.pcap frame 1 (M3UA draft 6 DATA, PPID 3).
func sctpSeeds() [][]byte {
	return [][]byte{
		sctp(2905, 2905, chunk(3, 0, make([]byte, 12)), dataChunk(3, 10, 0, 0, 3, "one"), dataChunk(3, 11, 1, 0, 3, "two!")),
		sctp(2905, 2905, initChunk(1, 20)),
		sctp(2905, 2905, dataChunk(2, 20, 1, 5, 3, "he")),
		sctp(1, 2, idataChunk(2, 1, 4, 9, 3, "ab"), idataChunk(1, 3, 4, 9, 2, "ef")),
		sctp(1, 2, dataChunk(3, 1, 0, 0, 3, "ok"), []byte{0, 3, 0, 2}),
		sctp(1, 2),
	}
}

// FuzzSCTP feeds bytes as an SCTP packet: no panic, chunks stay inside the
// input, and decoding into a reused value equals decoding into a fresh one.
func FuzzSCTP(f *testing.F) {
	for _, s := range sctpSeeds() {
		f.Add(s)
	}
	var reused sctpPacket
	reused.decode(sctpSeeds()[0])
	f.Fuzz(func(t *testing.T, b []byte) {
		var fresh sctpPacket
		err1 := fresh.decode(b)
		err2 := reused.decode(b)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("fresh error %v, reused error %v", err1, err2)
		}
		if err1 != nil && !errors.Is(err1, ErrTruncated) && !errors.Is(err1, ErrMalformed) {
			t.Fatalf("error wraps no sentinel: %v", err1)
		}
		if len(fresh.Chunks) == 0 && len(reused.Chunks) == 0 {
			fresh.Chunks, reused.Chunks = nil, nil
		}
		if diff := cmp.Diff(fresh, reused, cmp.AllowUnexported(sctpPacket{}, sctpChunk{})); diff != "" {
			t.Fatalf("reused differs from fresh (-fresh +reused):\n%s", diff)
		}
		for _, c := range fresh.Chunks {
			if 4+len(c.Value) > len(b) || len(c.Data) > len(c.Value) {
				t.Fatalf("chunk type %d longer than the packet", c.Type)
			}
		}
		// The full path must not panic on it either.
		r, _ := NewReader("x", bytes.NewReader(pcapFile(linkRaw, false, false)), DefaultConfig())
		r.sctpPacket(a4, b4, b)
	})
}

func TestSCTPDecode(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		chunks []uint8
		err    error
	}{
		{"bundle", sctpSeeds()[0], []uint8{3, 0, 0}, nil},
		{"init", sctpSeeds()[1], []uint8{1}, nil},
		{"no chunks", sctp(1, 2), nil, nil},
		{"short header", []byte{0, 1, 0, 2, 0}, nil, ErrTruncated},
		{"chunk length 2", sctpSeeds()[4], []uint8{0}, ErrMalformed},
		{"chunk beyond packet", sctp(1, 2, []byte{0, 3, 0, 40, 1, 2, 3, 4}), nil, ErrTruncated},
		{"DATA without user data", sctp(1, 2, chunk(0, 3, make([]byte, 12))), nil, ErrMalformed},
		{"last chunk unpadded", sctp(1, 2, dataChunk(3, 1, 0, 0, 3, "ok"))[:12+18], []uint8{0}, nil},
	}
	for _, tc := range tests {
		var p sctpPacket
		err := p.decode(tc.in)
		var got []uint8
		for _, c := range p.Chunks {
			got = append(got, c.Type)
		}
		if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) || !cmp.Equal(got, tc.chunks) {
			t.Errorf("%s: decode(%x) = chunks %v, %v; want %v, %v", tc.name, tc.in, got, err, tc.chunks, tc.err)
		}
	}
	var p sctpPacket
	p.decode(sctpSeeds()[0])
	if c := p.Chunks[2]; c.TSN != 11 || c.Stream != 1 || c.PPID != 3 || string(c.Data) != "two!" || c.Flags != 3 {
		t.Errorf("DATA chunk decoded as %+v", c)
	}
}
