package siprec

import (
	"fmt"
	"strconv"
	"strings"
)

// offerMedia is one m-line of the offer.
type offerMedia struct {
	media   string
	port    int
	proto   string
	formats []int
	label   string
	rtpmap  map[int]string
}

// parseOffer reads the m-lines of an SDP offer (RFC 8866 §5.14), with
// their a=label (RFC 4574) and a=rtpmap.
func parseOffer(b []byte) ([]offerMedia, error) {
	var out []offerMedia
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.HasPrefix(line, "m="):
			f := strings.Fields(line[2:])
			if len(f) < 3 {
				return nil, fmt.Errorf("siprec: sdp: %q: %w", line, ErrMalformed)
			}
			port, err := strconv.Atoi(strings.SplitN(f[1], "/", 2)[0])
			if err != nil {
				return nil, fmt.Errorf("siprec: sdp: %q: %w", line, ErrMalformed)
			}
			m := offerMedia{media: f[0], port: port, proto: f[2], rtpmap: map[int]string{}}
			for _, pt := range f[3:] {
				if v, err := strconv.Atoi(pt); err == nil {
					m.formats = append(m.formats, v)
				}
			}
			out = append(out, m)
		case len(out) > 0 && strings.HasPrefix(line, "a=label:"):
			out[len(out)-1].label = strings.TrimSpace(line[len("a=label:"):])
		case len(out) > 0 && strings.HasPrefix(line, "a=rtpmap:"):
			pt, enc, ok := strings.Cut(line[len("a=rtpmap:"):], " ")
			if v, err := strconv.Atoi(pt); ok && err == nil {
				out[len(out)-1].rtpmap[v] = strings.TrimSpace(enc)
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("siprec: sdp: no media: %w", ErrMalformed)
	}
	if len(out) > 16 {
		return nil, fmt.Errorf("siprec: sdp: %d media, at most 16: %w", len(out), ErrMalformed)
	}
	return out, nil
}
