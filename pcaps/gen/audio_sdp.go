package gen

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// How an audio call's SIP announces its media, for testing that RTP is
// bound to calls whose SDP does not say where it flows.
const (
	// SDPAsSent keeps the SDP: its addresses are those the RTP uses.
	SDPAsSent = ""
	// SDPNAT puts a private address (192.168.x.y, as behind a NAT or an
	// SBC) in every SDP instead of the address the RTP flows from and to:
	// calls with an even index keep the RTP port, odd ones announce
	// another port too (the NAT rewrote it), so only the signaling
	// address is left to bind by.
	SDPNAT = "nat"
	// SDPNone sends SIP without any SDP body (stripped, or unreadable).
	SDPNone = "nosdp"
)

// AudioSDPOptions selects what AudioSDP writes.
type AudioSDPOptions struct {
	AudioOptions
	// SDP is SDPAsSent, SDPNAT or SDPNone.
	SDP string
	// Files keeps only these captures of the committed corpus (by name,
	// such as "audio-answered.pcap.gz"); empty keeps every one.
	Files []string
}

// AudioSDP writes the audio calls Audio writes (the committed corpus, or
// an evaluation set of opts.Calls calls) with their SIP announcing media
// as opts.SDP says; the RTP and the truth are those of the same calls
// with SDP as sent. Each capture's name gets "-nat" or "-nosdp" before
// ".pcap". An evaluation set draws its classes from cfg.Seed itself, so
// AudioSDP with SDPAsSent gives the same calls as with another SDP (but
// not the calls of Audio's evaluation set). It returns the names written,
// relative to dir.
func AudioSDP(dir string, cfg Config, opts AudioSDPOptions) ([]string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	switch opts.SDP {
	case SDPAsSent, SDPNAT, SDPNone:
	default:
		return nil, fmt.Errorf("gen: audio: unknown SDP variant %q", opts.SDP)
	}
	if opts.Calls < 0 {
		return nil, errors.New("gen: audio: negative call count")
	}
	engines, specs, shared, short := opts.Engines, audioCommitted(), "", true
	if opts.Calls == 0 {
		engines = committedEngines
		if len(opts.Files) > 0 {
			var keep []audioSpec
			for _, s := range specs {
				for _, f := range opts.Files {
					if s.name == f {
						keep = append(keep, s)
					}
				}
			}
			if len(keep) != len(opts.Files) {
				return nil, fmt.Errorf("gen: audio: unknown capture in %v", opts.Files)
			}
			specs = keep
		}
	} else {
		specs, shared, short = nil, opts.Shared, false
		rnd := rand.New(rand.NewSource(cfg.Seed ^ 0x5d9))
		total := 0
		for _, c := range evalClasses {
			total += c.w
		}
		for i, left := 1, opts.Calls; left > 0; i++ {
			n := min(left, 100)
			s := audioSpec{name: fmt.Sprintf("audio-eval-%02d.pcap", i)}
			for j := 0; j < n; j++ {
				x := rnd.Intn(total)
				for _, c := range evalClasses {
					if x < c.w {
						s.entries = append(s.entries, audioEntry{class: c.class})
						break
					}
					x -= c.w
				}
			}
			specs = append(specs, s)
			left -= n
		}
	}
	t, err := newTTS(opts.CacheDir, engines, opts.Log)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var names []string
	for _, s := range specs {
		// Rendered under the name of the capture with SDP as sent, which
		// seeds it: the calls are the same whatever the SDP.
		name := sdpName(s.name, opts.SDP)
		for i, e := range s.entries {
			mod := e.mod
			s.entries[i].mod = func(p *audioPlan) {
				if mod != nil {
					mod(p)
				}
				p.sdp = opts.SDP
			}
		}
		data, truth, _, err := renderAudio(s, cfg, t, shared, nil, short, false)
		if err != nil {
			return names, err
		}
		for i := range truth {
			truth[i].File = name
		}
		var tb bytes.Buffer
		if err := writeTruth(&tb, truth); err != nil {
			return names, err
		}
		for _, f := range []outFile{{name, data}, {truthName(name), tb.Bytes()}} {
			if err := os.WriteFile(filepath.Join(dir, f.name), f.data, 0o644); err != nil {
				return names, err
			}
			names = append(names, f.name)
		}
	}
	return names, nil
}

// sdpName inserts the SDP variant in a capture's name.
func sdpName(name, variant string) string {
	if variant == SDPAsSent {
		return name
	}
	i := strings.Index(name, ".pcap")
	if i < 0 {
		return name + "-" + variant
	}
	return name[:i] + "-" + variant + name[i:]
}

// sdpRewrite is a SIP transport that rewrites the SDP bodies of what it
// carries (see SDPNAT and SDPNone) before handing them on.
type sdpRewrite struct {
	sipTransport
	variant string
	newPort bool // SDPNAT: announce another port too
}

// withSDP wraps tr so that SDP is sent as variant says; call index k
// picks, for SDPNAT, whether the port is rewritten too.
func withSDP(tr sipTransport, variant string, k int) sipTransport {
	if variant == SDPAsSent {
		return tr
	}
	return &sdpRewrite{sipTransport: tr, variant: variant, newPort: k%2 == 1}
}

func (t *sdpRewrite) send(ts time.Time, fromCaller bool, msg []byte) {
	t.sipTransport.send(ts, fromCaller, rewriteSDP(msg, t.variant, t.newPort))
}

// rewriteSDP rewrites the SDP body of one SIP message (a single
// application/sdp body, as the audio calls send).
func rewriteSDP(msg []byte, variant string, newPort bool) []byte {
	eol := "\r\n"
	i := bytes.Index(msg, []byte("\r\n\r\n"))
	if i < 0 {
		eol = "\n"
		if i = bytes.Index(msg, []byte("\n\n")); i < 0 {
			return msg
		}
	}
	head, body := string(msg[:i+len(eol)]), string(msg[i+2*len(eol):])
	if !strings.Contains(strings.ToLower(head), "content-type: application/sdp") || body == "" {
		return msg
	}
	var hs []string
	for _, h := range strings.Split(strings.TrimSuffix(head, eol), eol) {
		lh := strings.ToLower(h)
		switch {
		case strings.HasPrefix(lh, "content-type:") && variant == SDPNone:
			continue
		case strings.HasPrefix(lh, "content-length:"):
			continue
		}
		hs = append(hs, h)
	}
	if variant == SDPNone {
		body = ""
	} else {
		var ls []string
		for _, l := range strings.Split(body, eol) {
			if j := strings.Index(l, "IN IP4 "); j >= 0 && (strings.HasPrefix(l, "c=") || strings.HasPrefix(l, "o=")) {
				if a, err := netip.ParseAddr(strings.TrimSpace(l[j+7:])); err == nil && a.Is4() {
					b := a.As4()
					l = l[:j+7] + netip.AddrFrom4([4]byte{192, 168, b[2], b[3]}).String()
				}
			}
			if newPort && strings.HasPrefix(l, "m=audio ") {
				f := strings.Fields(l)
				if p, err := strconv.Atoi(f[1]); err == nil {
					f[1] = strconv.Itoa(p + 1000)
					l = strings.Join(f, " ")
				}
			}
			ls = append(ls, l)
		}
		body = strings.Join(ls, eol)
	}
	hs = append(hs, "Content-Length: "+strconv.Itoa(len(body)))
	return []byte(strings.Join(hs, eol) + eol + eol + body)
}
