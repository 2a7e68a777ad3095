package sip

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var (
	fBye  = string(crlf("BYE sip:a@h SIP/2.0\nCall-ID: 1\nCSeq: 1 BYE\nContent-Length: 0\n\n"))
	fInv  = string(crlf("INVITE sip:a@h SIP/2.0\nCall-ID: 2\nCSeq: 1 INVITE\nContent-Type: application/sdp\nl:  10\n\n")) + "v=0\r\ns=-\r\n"
	fLF   = "SIP/2.0 200 OK\ni: 3\nCSeq: 1 BYE\ncontent-length: 3\n\nabc"
	fNoCL = string(crlf("SIP/2.0 100 Trying\nCall-ID: 4\nCSeq: 1 INVITE\n\n"))
)

func TestFramer(t *testing.T) {
	tcpBye := string(mustHex(t, hexTcpBye)) // sipnab/sip-over-tcp.pcap frame 81
	tests := []struct {
		name    string
		chunks  []string
		want    []string
		wantErr error
	}{
		{"one message", []string{fBye}, []string{fBye}, nil},
		{"real TCP BYE", []string{tcpBye}, []string{tcpBye}, nil},
		{"several in one chunk", []string{fBye + fInv + fLF}, []string{fBye, fInv, fLF}, nil},
		{"keep-alives between", []string{"\r\n\r\n" + fBye + "\r\n\r\n", "\r\n", fInv}, []string{fBye, fInv}, nil},
		{"body split across chunks", []string{fInv[:len(fInv)-7], fInv[len(fInv)-7:]}, []string{fInv}, nil},
		{"header end split", []string{fBye[:len(fBye)-3], fBye[len(fBye)-3 : len(fBye)-1], fBye[len(fBye)-1:] + fLF}, []string{fBye, fLF}, nil},
		{"one byte at a time", strings.Split(fInv+fBye, ""), []string{fInv, fBye}, nil},
		{"missing Content-Length resyncs", []string{fNoCL + "garbage line\r\n" + fBye}, []string{fBye}, ErrMalformed},
		{"bad Content-Length resyncs", []string{strings.Replace(fBye, "Length: 0", "Length: x", 1) + fInv}, []string{fInv}, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f Framer
			var got []string
			var err error
			for _, c := range tt.chunks {
				if e := f.Write([]byte(c), func(m []byte) { got = append(got, string(m)) }); e != nil && err == nil {
					err = e
				}
			}
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("Write error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("emitted messages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFramerOverflow(t *testing.T) {
	f := Framer{MaxSize: 200}
	var got []string
	emit := func(m []byte) { got = append(got, string(m)) }
	big := "INVITE sip:a@h SIP/2.0\r\nX: " + strings.Repeat("y", 300) + "\r\n"
	if err := f.Write([]byte(big), emit); !errors.Is(err, ErrMalformed) {
		t.Errorf("Write of %d header bytes with MaxSize 200: error %v, want ErrMalformed", len(big), err)
	}
	if err := f.Write([]byte("\r\n"+fBye), emit); err != nil {
		t.Errorf("Write after overflow: %v", err)
	}
	if diff := cmp.Diff([]string{fBye}, got); diff != "" {
		t.Errorf("after resync (-want +got):\n%s", diff)
	}
	if len(f.buf) > 0 {
		t.Errorf("buffer holds %d bytes after a clean end", len(f.buf))
	}
	// A declared body larger than MaxSize is refused at once.
	f.Reset()
	got = nil
	huge := strings.Replace(fBye, "Content-Length: 0", "Content-Length: 100000", 1)
	if err := f.Write([]byte(huge+fBye), emit); !errors.Is(err, ErrMalformed) {
		t.Errorf("Write of a 100000-byte Content-Length: error %v, want ErrMalformed", err)
	}
	if diff := cmp.Diff([]string{fBye}, got); diff != "" {
		t.Errorf("after resync (-want +got):\n%s", diff)
	}
}

func FuzzFramer(f *testing.F) {
	f.Add([]byte(fBye+fInv+fLF), uint8(7))
	f.Add([]byte(fNoCL+fBye), uint8(1))
	f.Add(append(mustHex(f, hexTcpBye), mustHex(f, hexSipI)...), uint8(100))
	f.Fuzz(func(t *testing.T, data []byte, split uint8) {
		// Whole stream at once and in chunks of split+1 bytes must emit the
		// same messages when no error occurs.
		var whole, chunked [][]byte
		var a Framer
		errA := a.Write(data, func(m []byte) { whole = append(whole, bytes.Clone(m)) })
		var b Framer
		var errB error
		n := int(split) + 1
		for i := 0; i < len(data); i += n {
			if e := b.Write(data[i:min(i+n, len(data))], func(m []byte) { chunked = append(chunked, bytes.Clone(m)) }); e != nil {
				errB = e
			}
		}
		for _, m := range whole {
			if len(m) > DefaultMaxMessageSize {
				t.Fatalf("emitted %d bytes > max", len(m))
			}
		}
		if errA == nil && errB == nil && !cmp.Equal(whole, chunked) {
			t.Errorf("whole %q != chunked %q", whole, chunked)
		}
	})
}
