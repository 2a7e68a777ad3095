package engine

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/outcome"
)

// feeder hands hand-made UDP payloads to an engine at capture time t0+at,
// numbering the frames, and keeps the last call the engine emitted.
type feeder struct {
	e     *Engine
	t0    time.Time
	frame int64
	got   *outcome.Call
}

func newFeeder(t *testing.T) *feeder {
	t.Helper()
	f := &feeder{t0: time.Date(2026, 1, 15, 9, 0, 0, 0, time.UTC)}
	e, err := New(DefaultConfig(), nil, nil, func(c *outcome.Call) { f.got = c })
	if err != nil {
		t.Fatal(err)
	}
	f.e = e
	return f
}

func (f *feeder) send(at time.Duration, src, dst netip.AddrPort, data []byte) {
	f.frame++
	f.e.Payload(&capture.Payload{Frame: f.frame, Time: f.t0.Add(at), Transport: capture.UDP, Src: src, Dst: dst, Data: data})
}

// sipMessage is a SIP message of the test dialog callID between
// 74951112233@10.0.0.1 and 79161234567@10.0.0.2: first is its start line,
// contentType "" when body is empty.
func sipMessage(first, callID, cseq, toTag, contentType, body string) []byte {
	to := "<sip:79161234567@10.0.0.2>"
	if toTag != "" {
		to += ";tag=" + toTag
	}
	if contentType != "" {
		contentType = "Content-Type: " + contentType + "\r\n"
	}
	return []byte(fmt.Sprintf("%s\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nFrom: <sip:74951112233@10.0.0.1>;tag=a1\r\nTo: %s\r\n"+
		"Call-ID: %s\r\nCSeq: %s\r\n%sContent-Length: %d\r\n\r\n%s", first, to, callID, cseq, contentType, len(body), body))
}
