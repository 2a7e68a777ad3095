package gen

import (
	"net/netip"
	"time"
)

// ---- isup-calls.pcap

func buildISUPCalls(b *builder) {
	l := b.link(0, "10.30.0.1:2905", "10.30.0.2:2905", 2001, 3002, 2, 100)
	b.m3uaUp(l, b.at(0.2))
	b.beats(l, b.at(20), b.at(150))
	t := 1.0
	next := func(step float64) time.Time { t += step; return b.at(t) }
	mk := func(cic uint16, calling, called string, nai byte) *isupCall {
		return b.isup(l, cic, next(4), calling, called, nai)
	}
	// answered: ACM subscriber free, ANM, REL 16 by the calling party, RLC.
	c := mk(101, "4959876543", "9161234567", naiNational)
	c.acm, c.acmStatus = b.sec(1, 4), bciSubscriberFree
	c.answer = c.acm + b.sec(5, 15)
	c.end, c.relByCalling, c.relCause = c.answer+b.sec(10, 40), true, 16
	c.run()
	b.isupTruth(c, Answered, 16)
	// busy: REL 17.
	c = mk(102, "79035550001", "79161234500", naiInternational)
	c.end, c.relCause, c.relLoc = b.sec(1, 3), 17, locPubRemote
	c.run()
	b.isupTruth(c, Busy, 17)
	// no answer: ACM subscriber free, REL 19.
	c = mk(103, "4959876544", "9161234501", naiNational)
	c.acm, c.acmStatus = b.sec(1, 4), bciSubscriberFree
	c.end, c.relCause = c.acm+b.sec(20, 30), 19
	c.run()
	b.isupTruth(c, NoAnswer, 19)
	// no answer: ACM no indication + in-band, CPG alerting, caller gives up (REL 16).
	c = mk(104, "4959876545", "9161234502", naiNational)
	c.acm, c.acmStatus, c.acmInband = b.sec(1, 3), bciNoIndication, true
	c.cpg, c.cpgEvent = c.acm+b.sec(0.5, 1), evAlerting
	c.end, c.relByCalling, c.relCause, c.relLoc = c.cpg+b.sec(15, 25), true, 16, locPrivLocal
	c.run()
	b.isupTruth(c, NoAnswer, 16)
	// unallocated: REL 1 with diagnostics.
	c = mk(105, "4959876546", "9160000001", naiNational)
	c.end, c.relCause, c.relDiag = b.sec(1, 2), 1, []byte{0x80}
	c.run()
	b.isupTruth(c, Unallocated, 1)
	// rejected: REL 21.
	c = mk(106, "79035550002", "79161234503", naiInternational)
	c.end, c.relCause = b.sec(1, 3), 21
	c.run()
	b.isupTruth(c, Rejected, 21)
	// congestion: REL 34.
	c = mk(107, "4959876547", "9161234504", naiNational)
	c.end, c.relCause, c.relLoc = b.sec(1, 2), 34, locTransit
	c.run()
	b.isupTruth(c, Congestion, 34)
	// congestion: REL 41 with diagnostics.
	c = mk(108, "4959876548", "9161234505", naiNational)
	c.end, c.relCause, c.relLoc, c.relDiag = b.sec(1, 2), 41, locTransit, []byte{0x01, 0x02}
	c.run()
	b.isupTruth(c, Congestion, 41)
	// switched off: REL 20.
	c = mk(109, "4959876549", "9161234506", naiNational)
	c.end, c.relCause = b.sec(2, 4), 20
	c.run()
	b.isupTruth(c, SwitchedOff, 20)
	// switched off: ACM no indication, REL 18 without alerting.
	c = mk(110, "4959876550", "9161234507", naiNational)
	c.acm, c.acmStatus = b.sec(1, 3), bciNoIndication
	c.end, c.relCause = c.acm+b.sec(8, 12), 18
	c.run()
	b.isupTruth(c, SwitchedOff, 18)
	// switched off: ACM with redirection information reason 6, voicemail answers.
	c = mk(111, "4959876551", "9161234508", naiNational)
	c.acm, c.acmStatus, c.acmRedir = b.sec(2, 4), bciNoIndication, 6
	c.answer = c.acm + b.sec(1, 2)
	c.end, c.relByCalling, c.relCause = c.answer+b.sec(10, 20), true, 16
	c.run()
	b.isupTruth(c, SwitchedOff, 16)
	// answered with CON, SUS/RES, called party releases, RLC missing.
	c = mk(112, "4959876552", "9161234509", naiNational)
	c.acm, c.useCON = b.sec(2, 4), true
	c.susAt = c.acm + b.sec(10, 15)
	c.resAt = c.susAt + b.sec(2, 5)
	c.end, c.relCause, c.noRLC = c.resAt+b.sec(10, 20), 16, true
	c.run()
	b.isupTruth(c, Answered, 16)
	// IAM in the reverse direction, answered.
	c = mk(7, "9161234510", "4959876553", naiNational)
	c.reverse = true
	c.acm, c.acmStatus = b.sec(1, 3), bciSubscriberFree
	c.answer = c.acm + b.sec(5, 10)
	c.end, c.relCause = c.answer+b.sec(10, 20), 16
	c.run()
	b.isupTruth(c, Answered, 16)
	// congestion: REL 102 unalerted.
	c = mk(113, "4959876554", "9161234511", naiNational)
	c.end, c.relCause = b.sec(8, 10), 102
	c.run()
	b.isupTruth(c, Congestion, 102)
	// switched off: CPG progress with redirection information reason 6, caller hangs up.
	c = mk(114, "4959876555", "9161234512", naiNational)
	c.acm, c.acmStatus = b.sec(1, 3), bciNoIndication
	c.cpg, c.cpgEvent, c.cpgRedir = c.acm+b.sec(1, 2), evProgress, 6
	c.end, c.relByCalling, c.relCause, c.relLoc = c.cpg+b.sec(3, 6), true, 16, locUser
	c.run()
	b.isupTruth(c, SwitchedOff, 16)
	// unknown: ringing at capture end, which comes after every other call
	// of the file has been released.
	t += 60
	c = mk(115, "4959876556", "9161234513", naiNational)
	c.acm, c.acmStatus = 2*time.Second, bciSubscriberFree
	c.run()
	b.isupTruth(c, Unknown, -1)
	b.n.stop = c.t0.Add(8 * time.Second)
}

// ---- isup-network.pcap

func buildISUPNetwork(b *builder) {
	l := b.link(0, "192.0.2.1:2905", "192.0.2.2:2905", 0x2411, 0x1A0B, 0, -1)
	b.m3uaUp(l, b.at(0.1))
	b.beats(l, b.at(25), b.at(90))
	sup := func(t float64, fromA bool, cic uint16, msg []byte) {
		l.send(b.at(t), fromA, byte(cic&0x0f), withCIC(cic, msg))
	}
	// circuit supervision: network events, not calls.
	sup(0.5, true, 1, grs(29))
	sup(0.7, false, 1, gra(29))
	sup(0.9, true, 40, simple(isupBLO))
	sup(1.0, false, 40, simple(isupBLA))
	sup(2.0, true, 40, simple(isupUBL))
	sup(2.1, false, 40, simple(isupUBA))
	sup(2.5, true, 64, cgb(isupCGB, 7))
	sup(2.6, false, 64, cgb(isupCGBA, 7))
	sup(3.0, false, 250, simple(isupUCIC))
	// IAM with an unknown optional parameter; ACM; CPG progress in a DATA
	// with an unknown M3UA parameter; ANM; REL 16.
	c := b.isup(l, 2, b.at(4), "441632960001", "79161230100", naiInternational)
	c.iam.unknownOpt = true
	c.acm, c.acmStatus = b.sec(1, 3), bciSubscriberFree
	c.answer = c.acm + b.sec(5, 10)
	c.end, c.relByCalling, c.relCause = c.answer+b.sec(10, 20), true, 16
	c.run()
	l.s.n.at(c.t0.Add(c.acm+500*time.Millisecond), func(ts time.Time) {
		l.s.sendNow(ts, false, 1, m3uaData(l.dpc, l.opc, l.ni, 2, -1, true, withCIC(2, cpg(evProgress, 0))))
	})
	b.isupTruth(c, Answered, 16)
	// IAM fragmented over two DATA chunks in one packet; REL 17.
	c = b.isup(l, 3, b.at(6), "441632960002", "79161230101", naiInternational)
	c.fragIAM = 2
	c.end, c.relCause = b.sec(1, 3), 17
	c.run()
	b.isupTruth(c, Busy, 17)
	// IAM fragmented over three chunks in three packets; alerted; REL 102.
	c = b.isup(l, 4, b.at(10), "441632960003", "79161230102", naiInternational)
	c.fragIAM = 3
	c.acm, c.acmStatus = b.sec(1, 3), bciSubscriberFree
	c.end, c.relCause = c.acm+30*time.Second, 102
	c.run()
	b.isupTruth(c, NoAnswer, 102)
	// retransmitted IAM chunk; REL 21. Its REL is bundled with the next IAM.
	c = b.isup(l, 5, b.at(14), "441632960004", "79161230103", naiInternational)
	c.retransIAM = true
	c.end, c.relCause, c.relByCalling = 3*time.Second, 21, false
	c.run()
	b.isupTruth(c, Rejected, 21)
	// Sent from side B at the same instant as the REL above: bundled.
	c = b.isup(l, 6, b.at(17), "79161230104", "441632960005", naiInternational)
	c.reverse = true
	c.end, c.relCause = b.sec(1, 2), 1
	c.run()
	b.isupTruth(c, Unallocated, 1)
	// answered and never released; a new IAM on the same circuit closes it.
	c = b.isup(l, 40, b.at(20), "441632960006", "79161230105", naiInternational)
	c.acm, c.acmStatus = b.sec(1, 3), bciSubscriberFree
	c.answer = c.acm + b.sec(4, 8)
	c.run()
	b.isupTruth(c, Answered, -1)
	c = b.isup(l, 40, b.at(50), "441632960007", "79161230106", naiInternational)
	c.iam.noCalling = true
	c.end, c.relCause = b.sec(1, 3), 17
	c.run()
	b.isupTruth(c, Busy, 17)
	// alerted then REL 18: no answer.
	c = b.isup(l, 8, b.at(55), "441632960008", "79161230107", naiInternational)
	c.acm, c.acmStatus = b.sec(1, 3), bciSubscriberFree
	c.end, c.relCause = c.acm+b.sec(20, 30), 18
	c.run()
	b.isupTruth(c, NoAnswer, 18)
}

// ---- gateway.pcap

func buildGateway(b *builder) {
	tr := &udpT{n: b.n, caller: ap("10.10.1.10:5060"), callee: ap("10.40.0.5:5060")}
	l := b.link(0, "10.40.0.5:2905", "10.50.0.1:2905", 0x0C11, 0x0D22, 2, 7)
	b.m3uaUp(l, b.at(0.1))
	b.beats(l, b.at(30), b.at(200))
	type gw struct {
		sipi               bool
		alert, answer, end time.Duration
		relByCalling       bool
		cause              byte
		status             int
		text               string
		reason             string
		redir              byte
		outcome            string
		q850               int
	}
	cic := uint16(300)
	run := func(t float64, from, to string, g gw) {
		t0 := b.at(t)
		c := b.sip(tr, t0, from, to)
		c.sipi = g.sipi
		c.iam = iamParams{calling: from, called: to, nai: naiInternational}
		ic := b.isup(l, cic, t0.Add(25*time.Millisecond), from, to, naiInternational)
		cic++
		ic.iam.st = true
		d := 45 * time.Millisecond
		if g.redir != 0 {
			ic.acm, ic.acmStatus, ic.acmRedir = g.alert, bciNoIndication, g.redir
			c.p183 = g.alert + d
		} else if g.alert > 0 {
			ic.acm, ic.acmStatus = g.alert, bciSubscriberFree
			c.alert = g.alert + d
		}
		if g.answer > 0 {
			ic.answer = g.answer
			c.answer = g.answer + d
			ic.end, ic.relCause, ic.relByCalling = g.end, g.cause, g.relByCalling
			c.end = g.end
			c.byeFromCallee = !g.relByCalling
			if !g.relByCalling {
				c.end += d
			}
			if g.sipi {
				c.byeREL = g.cause
			}
		} else if g.end > 0 {
			ic.end, ic.relCause = g.end, g.cause
			c.final, c.finalText, c.end = g.status, g.text, g.end+d
			if g.sipi {
				c.finalREL = g.cause
			}
			if g.reason != "" {
				c.finalReasons = []string{g.reason}
			}
		}
		c.run()
		ic.run()
		legs := []string{"sip", "isup"}
		if g.sipi {
			legs[0] = "sip-i"
		}
		st := g.status
		if g.answer > 0 {
			st = 200
		}
		if g.end == 0 && g.answer == 0 {
			st = -1
		}
		b.sipTruth(c, g.outcome, g.q850, st, legs...)
	}
	s := b.sec
	a := s(1, 3)
	an := a + s(5, 10)
	run(1, "74957770001", "79167770001", gw{sipi: true, alert: a, answer: an, end: an + s(10, 30), relByCalling: true, cause: 16, outcome: Answered, q850: 16})
	run(5, "74957770002", "79167770002", gw{sipi: true, end: s(1, 3), cause: 17, status: 486, text: "Busy Here", outcome: Busy, q850: 17})
	a = s(1, 3)
	run(9, "74957770003", "79167770003", gw{alert: a, end: a + s(20, 30), cause: 19, status: 480, text: "Temporarily Unavailable", reason: "Q.850;cause=19", outcome: NoAnswer, q850: 19})
	run(14, "74957770004", "79160007770", gw{end: s(1, 2), cause: 1, status: 404, text: "Not Found", reason: "Q.850;cause=1", outcome: Unallocated, q850: 1})
	run(18, "74957770005", "79167770005", gw{end: s(1, 2), cause: 21, status: 403, text: "Forbidden", outcome: Rejected, q850: 21})
	run(22, "74957770006", "79167770006", gw{sipi: true, end: s(1, 2), cause: 41, status: 503, text: "Service Unavailable", outcome: Congestion, q850: 41})
	a = s(2, 4)
	an = a + s(1, 2)
	run(26, "74957770007", "79167770007", gw{sipi: true, alert: a, redir: 6, answer: an, end: an + s(10, 20), relByCalling: true, cause: 16, outcome: SwitchedOff, q850: 16})
	run(40, "74957770008", "79167770008", gw{end: s(2, 4), cause: 20, status: 480, text: "Temporarily Unavailable", reason: "Q.850;cause=20", outcome: SwitchedOff, q850: 20})
	a = s(1, 3)
	run(50, "74957770009", "79167770009", gw{alert: a, answer: a + s(5, 10), end: a + s(30, 40), cause: 16, outcome: Answered, q850: 16})
	// The unknown call rings at capture end, after every other call ended.
	run(100, "74957770010", "79167770010", gw{sipi: true, alert: 2 * time.Second, outcome: Unknown, q850: -1})
	b.n.stop = b.at(108)
}

// ---- gtp-volte.pcap

func buildGTP(b *builder) {
	mme, sgw := ap("10.70.0.1:2123"), ap("10.70.0.2:2123")
	sgsn, ggsn := ap("10.71.0.1:2123"), ap("10.71.0.2:2123")
	apn := "ims.mnc001.mcc250.gprs"
	// detached (GTPv2) before the call: 480 with cause 31, no alerting.
	gtpV2Session(b.n, 0, mme, sgw, "250011234560001", "79161110001", apn, b.at(1), b.at(20), 0x100)
	// detached (GTPv1): ISUP call REL 31 without ACM.
	gtpV1PDP(b.n, 0, sgsn, ggsn, "250011234560002", "79162220002", apn, b.at(5), b.at(30), 0x200)
	// attached, not deleted: the same failure is unknown.
	gtpV2Session(b.n, 0, mme, sgw, "250011234560003", "79163330003", apn, b.at(8), time.Time{}, 0x300)
	// detached but the call is busy: the GTP rule does not apply.
	gtpV2Session(b.n, 0, mme, sgw, "250011234560004", "79164440004", apn, b.at(10), b.at(25), 0x400)
	// a UE's own session, then its SIP call inside GTP-U.
	gtpV2Session(b.n, 0, mme, sgw, "250011234560005", "79165550005", apn, b.at(2), time.Time{}, 0x500)

	tr := &udpT{n: b.n, caller: ap(sbc), callee: ap(core)}
	c := b.sip(tr, b.at(40), "74958880001", "79161110001")
	c.final, c.finalText, c.end = 480, "Temporarily Unavailable", b.sec(2, 4)
	c.finalReasons = []string{`Q.850;cause=31`}
	c.run()
	b.sipTruth(c, SwitchedOff, 31, 480)

	l := b.link(0, "10.30.0.1:2905", "10.30.0.2:2905", 2001, 3002, 2, 100)
	b.m3uaUp(l, b.at(0.5))
	ic := b.isup(l, 21, b.at(45), "4958880002", "79162220002", naiInternational)
	ic.end, ic.relCause = b.sec(3, 5), 31
	ic.run()
	b.isupTruth(ic, SwitchedOff, 31)

	c = b.sip(tr, b.at(50), "74958880003", "79163330003")
	c.final, c.finalText, c.end = 480, "Temporarily Unavailable", b.sec(2, 4)
	c.finalReasons = []string{`Q.850;cause=31`}
	c.run()
	b.sipTruth(c, Unknown, 31, 480)

	c = b.sip(tr, b.at(55), "74958880004", "79164440004")
	c.final, c.finalText, c.end = 486, "Busy Here", b.sec(1, 2)
	c.run()
	b.sipTruth(c, Busy, 17, 486)

	tun := &gtpTunnel{enb: ap("10.72.0.9:2152"), sgw: ap("10.72.0.1:2152"), teidUL: 0x0badcafe, teidDL: 0x00c0ffee}
	ue := &udpT{n: b.n, caller: netip.MustParseAddrPort("10.45.0.7:5060"), callee: ap("10.46.0.1:5060"), tun: tun}
	c = b.sip(ue, b.at(60), "79165550005", "74951234567")
	c.alert = b.sec(1, 3)
	c.answer = c.alert + b.sec(5, 10)
	c.end = c.answer + b.sec(10, 20)
	c.run()
	b.sipTruth(c, Answered, -1, 200)
}
