package gen

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"time"
)

// Bench writes a large mixed-traffic classic pcap (Ethernet) to w: about
// packets packets of many concurrent calls, about 90% of them G.711 RTP
// (20 ms, 160-byte payloads, both directions), the rest SIP over UDP, ISUP
// over M3UA/SCTP (some SIP-I) and GTP-C. The truth of every call goes to
// truth as JSON lines. Memory stays flat in packets: events are generated
// as the capture clock advances.
func Bench(w io.Writer, truth io.Writer, packets int, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	tw := bufio.NewWriter(truth)
	cw := newCapWriter(bw, fmtPcapMicro, []link{{typ: linkEthernet}})
	n := newNetw(cw, seedFor(cfg.Seed, "bench"), time.Microsecond)
	b := &builder{n: n, start: cfg.Start, name: "bench.pcap"}
	l := b.link(0, "10.30.0.1:2905", "10.30.0.2:2905", 2001, 3002, 2, 100)
	l.s.autoSACK = true
	b.m3uaUp(l, cfg.Start)
	var truthErr error
	flush := func() {
		for _, t := range b.truth {
			if truthErr == nil {
				truthErr = writeTruth(tw, []Truth{t})
			}
		}
		b.truth = b.truth[:0]
	}
	planned := 0
	idx := 0
	cic := uint16(1)
	var spawn func(ts time.Time)
	spawn = func(ts time.Time) {
		if planned >= packets {
			return
		}
		planned += b.benchCall(l, ts, idx, &cic)
		idx++
		flush()
		n.at(ts.Add(time.Duration(5+n.rnd.Intn(20))*time.Millisecond), spawn)
	}
	n.at(cfg.Start.Add(100*time.Millisecond), spawn)
	if err := n.run(); err != nil {
		return err
	}
	if truthErr != nil {
		return truthErr
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// benchCall schedules one call starting at t0 and returns the number of
// packets it is expected to produce.
func (b *builder) benchCall(l *sigLink, t0 time.Time, idx int, cic *uint16) int {
	r := b.n.rnd
	from := fmt.Sprintf("7495%07d", r.Intn(10000000))
	to := fmt.Sprintf("7916%07d", r.Intn(10000000))
	kind := r.Intn(100)
	switch {
	case kind < 8: // GTP-C session (not a call)
		mme := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 70, 0, byte(1 + idx%50)}), 2123)
		sgw := ap("10.70.1.2:2123")
		td := time.Time{}
		if r.Intn(2) == 0 {
			td = t0.Add(b.sec(2, 6))
		}
		gtpV2Session(b.n, 0, mme, sgw, fmt.Sprintf("25001%010d", idx), fmt.Sprintf("7990%07d", idx%10000000), "internet", t0, td, uint32(idx))
		return 4
	case kind < 30: // ISUP-only
		*cic = *cic%4000 + 1
		c := b.isup(l, *cic, t0, from[1:], to[1:], naiNational)
		c.acm, c.acmStatus = b.sec(0.5, 2), bciSubscriberFree
		switch r.Intn(4) {
		case 0:
			c.answer = c.acm + b.sec(1, 3)
			c.end, c.relCause, c.relByCalling = c.answer+b.sec(1, 4), 16, true
			c.run()
			b.isupTruth(c, Answered, 16)
		case 1:
			c.acm = 0
			c.end, c.relCause = b.sec(0.5, 2), 17
			c.run()
			b.isupTruth(c, Busy, 17)
		case 2:
			c.end, c.relCause = c.acm+b.sec(2, 5), 19
			c.run()
			b.isupTruth(c, NoAnswer, 19)
		default:
			c.acm = 0
			c.end, c.relCause = b.sec(0.5, 1.5), 34
			c.run()
			b.isupTruth(c, Congestion, 34)
		}
		return 10
	}
	ua := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 11, byte(idx >> 8), byte(idx)}), 5060)
	tr := &udpT{n: b.n, caller: ua, callee: ap(core)}
	c := b.sip(tr, t0, from, to)
	if kind < 40 {
		c.sipi = true
		c.iam = iamParams{calling: from, called: to, nai: naiInternational}
	}
	switch o := r.Intn(10); {
	case o < 6:
		c.alert = b.sec(0.5, 2)
		c.answer = c.alert + b.sec(1, 3)
		c.rtp = b.sec(1.5, 3.5)
		c.end = c.answer + c.rtp + 200*time.Millisecond
		c.run()
		b.sipTruth(c, Answered, -1, 200)
		return 8 + 2*int(c.rtp/(20*time.Millisecond))
	case o < 7:
		c.final, c.finalText, c.end = 486, "Busy Here", b.sec(0.5, 2)
		c.finalReasons = []string{"Q.850;cause=17"}
		c.run()
		b.sipTruth(c, Busy, 17, 486)
	case o < 8:
		c.alert = b.sec(0.5, 2)
		c.cancel, c.end = true, c.alert+b.sec(2, 5)
		c.cancelReasons = []string{"Q.850;cause=19"}
		c.run()
		b.sipTruth(c, NoAnswer, 19, 487)
	case o < 9:
		c.final, c.finalText, c.end = 404, "Not Found", b.sec(0.5, 1)
		c.run()
		b.sipTruth(c, Unallocated, 1, 404)
	default:
		c.final, c.finalText, c.end = 503, "Service Unavailable", b.sec(0.5, 2)
		c.finalReasons = []string{"Q.850;cause=34"}
		c.run()
		b.sipTruth(c, Congestion, 34, 503)
	}
	return 5
}
