package media

import (
	"errors"
	"fmt"

	"github.com/pion/rtp"
)

// Sentinel errors. Every error of Process wraps one of them.
var (
	// ErrTruncated: the packet ends before its RTP header, CSRC list,
	// header extension or padding says it should.
	ErrTruncated = errors.New("media: truncated")
	// ErrMalformed: not an RTP packet (version not 2, RTCP multiplexed on
	// the same port) or an impossible field (zero padding count).
	ErrMalformed = errors.New("media: malformed")
)

// Static errors so that the error path allocates nothing either.
var (
	errHeader  = fmt.Errorf("media: rtp header: %w", ErrTruncated)
	errVersion = fmt.Errorf("media: rtp version is not 2: %w", ErrMalformed)
	errRTCP    = fmt.Errorf("media: rtcp packet on the rtp stream: %w", ErrMalformed)
	errPadZero = fmt.Errorf("media: rtp padding count 0: %w", ErrMalformed)
	errPadLong = fmt.Errorf("media: rtp padding longer than the payload: %w", ErrTruncated)
)

// parse decodes the fixed header, CSRCs and extension of pkt into h and
// returns the payload without padding. The payload aliases pkt.
//
// RTP fixed header, RFC 3550 §5.1:
//
//	 0                   1                   2                   3
//	 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|V=2|P|X|  CC   |M|     PT      |       sequence number         |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|                           timestamp                           |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//	|           synchronization source (SSRC) identifier            |
//	+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//	|            contributing source (CSRC) identifiers             |
//	|                             ....                              |
//	+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// With P set, the last payload octet counts the padding octets (itself
// included). An RTCP packet multiplexed on the port (RFC 5761 §4) has a
// second octet of 192-223: marker set and PT 64-95.
func parse(h *rtp.Header, pkt []byte) ([]byte, error) {
	if len(pkt) >= 2 && pkt[0]>>6 != 2 {
		return nil, errVersion
	}
	if len(pkt) >= 2 && pkt[1] >= 192 && pkt[1] <= 223 {
		return nil, errRTCP
	}
	n, err := h.Unmarshal(pkt)
	if err != nil {
		return nil, errHeader
	}
	payload := pkt[n:]
	if h.Padding {
		if len(payload) == 0 {
			return nil, errPadLong
		}
		p := int(payload[len(payload)-1])
		if p == 0 {
			return nil, errPadZero
		}
		if p > len(payload) {
			return nil, errPadLong
		}
		payload = payload[:len(payload)-p]
	}
	return payload, nil
}

// LooksLikeRTP is a cheap heuristic for learning media streams without
// SDP: version 2, a payload type that is static audio (0-34) or dynamic
// (96-127), a CSRC list, extension and padding that fit in b, at least one
// payload octet, and not RTCP (second octet 192-223, RFC 5761 §4: SR 200,
// RR 201, SDES 202, BYE 203, APP 204 and the feedback types). STUN, DTLS
// and ZRTP fail the version test.
func LooksLikeRTP(b []byte) bool {
	if len(b) < 13 || b[0]>>6 != 2 {
		return false
	}
	if pt := b[1] & 0x7F; pt > 34 && pt < 96 {
		return false // unassigned, or RTCP (192-223 with the marker bit)
	}
	n := 12 + 4*int(b[0]&0x0F)
	if b[0]&0x10 != 0 { // extension
		if len(b) < n+4 {
			return false
		}
		n += 4 + 4*(int(b[n+2])<<8|int(b[n+3]))
	}
	end := len(b)
	if b[0]&0x20 != 0 { // padding
		p := int(b[end-1])
		if p == 0 {
			return false
		}
		end -= p
	}
	return end > n
}
