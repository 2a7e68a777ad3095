package gen

import (
	"fmt"
	"net/netip"
	"time"
)

const imsDomain = "ims.mnc001.mcc250.3gppnetwork.org"

func ap(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

// sec returns a random duration in [lo, hi) seconds, millisecond grain.
func (b *builder) sec(lo, hi float64) time.Duration {
	ms := int(lo*1000) + b.n.rnd.Intn(int((hi-lo)*1000))
	return time.Duration(ms) * time.Millisecond
}

func (b *builder) at(s float64) time.Time {
	return b.start.Add(time.Duration(s * float64(time.Second)))
}

// sip returns a SIP call script with defaults; the caller fills the rest.
func (b *builder) sip(tr sipTransport, t0 time.Time, from, to string) *sipCall {
	c := &sipCall{n: b.n, tr: tr, t0: t0, fromUser: from, toUser: to, plus: true, domain: imsDomain}
	switch t := tr.(type) {
	case *udpT:
		c.caller, c.callee = t.caller, t.callee
	case *tcpT:
		c.caller, c.callee = t.c.a, t.c.b
	}
	host := c.caller.Addr().String()
	if c.caller.Addr().Is6() {
		host = "[" + host + "]"
	}
	c.callID = fmt.Sprintf("%08x-%04x-%06x@%s", b.n.rnd.Uint32(), b.n.rnd.Intn(1<<16), b.n.rnd.Intn(1<<24), host)
	return c
}

// sipTruth records the truth of a SIP call after run.
func (b *builder) sipTruth(c *sipCall, outcome string, q850, status int, legs ...string) {
	if len(legs) == 0 {
		legs = []string{"sip"}
		if c.sipi {
			legs = []string{"sip-i"}
		}
	}
	b.truth = append(b.truth, Truth{CallID: c.callID, Outcome: outcome, Q850: intp(q850), SIPStatus: intp(status),
		Calling: c.fromUser, Called: c.toUser, Legs: legs, File: b.name, start: b.n.q(c.t0)})
}

// isup returns an ISUP call script on link l.
func (b *builder) isup(l *sigLink, cic uint16, t0 time.Time, calling, called string, nai byte) *isupCall {
	return &isupCall{l: l, cic: cic, t0: t0, iam: iamParams{calling: calling, called: called, nai: nai, st: cic%2 == 0},
		relLoc: locPubRemote}
}

// isupID is the call_id of an ISUP-only call.
func (b *builder) isupID(c *isupCall) string {
	opc, dpc := c.l.opc, c.l.dpc
	if c.reverse {
		opc, dpc = dpc, opc
	}
	// The call starts when its IAM is complete: an IAM fragmented across
	// packets completes with its last fragment (sendFragmented spaces them
	// 150 µs apart), as a reassembling decoder sees it.
	t0 := c.t0
	if c.fragIAM == 3 { // across packets, see isupCall.run
		t0 = t0.Add(time.Duration(c.fragIAM-1) * 150 * time.Microsecond)
	}
	return fmt.Sprintf("isup-%d-%d-%d-%d", opc, dpc, c.cic, b.n.q(t0).UnixNano())
}

func (b *builder) isupTruth(c *isupCall, outcome string, q850 int) {
	calling := c.iam.calling
	if c.iam.noCalling {
		calling = ""
	}
	b.truth = append(b.truth, Truth{CallID: b.isupID(c), Outcome: outcome, Q850: intp(q850), SIPStatus: nil,
		Calling: calling, Called: c.iam.called, Legs: []string{"isup"}, File: b.name, start: b.n.q(c.t0)})
}

// m3uaUp schedules ASPUP/ASPUP_ACK, ASPAC/ASPAC_ACK after the SCTP handshake.
func (b *builder) m3uaUp(l *sigLink, t time.Time) {
	l.s.handshake(t)
	l.s.sendMgmt(t.Add(5*time.Millisecond), true, m3uaASPUP())
	l.s.sendMgmt(t.Add(8*time.Millisecond), false, m3uaASPUPAck())
	rc := uint32(0)
	if l.rc >= 0 {
		rc = uint32(l.rc)
	}
	l.s.sendMgmt(t.Add(12*time.Millisecond), true, m3uaASPAC(rc))
	l.s.sendMgmt(t.Add(15*time.Millisecond), false, m3uaASPACAck(rc))
}

// beats schedules BEAT/BEAT ACK every 30 s until end.
func (b *builder) beats(l *sigLink, from, end time.Time) {
	seq := uint32(1)
	for t := from; t.Before(end); t = t.Add(30 * time.Second) {
		l.s.sendMgmt(t, true, m3uaBEAT(seq))
		l.s.sendMgmt(t.Add(2*time.Millisecond), false, m3uaBEATAck(seq))
		seq++
	}
}

func (b *builder) link(iface int, a, z string, opc, dpc uint32, ni byte, rc int64) *sigLink {
	return &sigLink{s: newSCTP(b.n, iface, ap(a), ap(z)), opc: opc, dpc: dpc, ni: ni, rc: rc}
}

const (
	sbc  = "10.10.1.10:5060"
	core = "10.20.2.20:5060"
)

func corpusSpecs() []fileSpec {
	return []fileSpec{
		{name: "sip-basic.pcap", format: fmtPcapMicro, links: []link{{typ: linkEthernet}}, build: buildSIPBasic,
			readme: "Ethernet, classic pcap (µs), SIP over UDP 5060, IPv4. One call per outcome with plain Reason headers; an answered call with a re-INVITE and 4 s of G.711 A-law RTP each way; the last call is still ringing when the capture ends."},
		{name: "sip-variants.pcapng", format: fmtPcapNG, links: []link{{typ: linkEthernet, name: "eth0"}, {typ: linkSLL, name: "any"}}, build: buildSIPVariants,
			readme: "pcapng with two interfaces (0 Ethernet, 1 Linux SLL) interleaved; SIP over UDP on 5060 (eth0) and 5080 (SLL). 100rel/PRACK/UPDATE, P-Asserted-Identity, forked early dialogs (two 180s with different To tags), a CANCEL/200 OK race (answered wins), compact headers with tel: URIs, several Reason headers, comma-joined Reason, lower-case `reason: q.850 ; cause=20`, 408, 484, 403, 502."},
		{name: "sip-lf-vlan.pcap", format: fmtPcapMicro, links: []link{{typ: linkEthernet, vlan: []uint16{100}}}, build: buildSIPLF,
			readme: "802.1Q VLAN 100, SIP over UDP with bare-LF line endings. 480 with and without alerting (cause 18 derived), CANCEL without Reason after ringing, 600, 604, 404."},
		{name: "sip-rawip.pcap", format: fmtPcapNano, links: []link{{typ: linkRaw}}, build: buildSIPRaw,
			readme: "LINKTYPE_RAW (101), classic pcap with nanosecond magic, IPv4 and IPv6 mixed. SIP over TCP on one connection: the INVITE split over three segments, 100 Trying and 180 Ringing in one segment, one segment retransmitted; then IPv6 SIP over UDP."},
		{name: "sipi-frag.pcap.gz", format: fmtPcapMicro, gz: true, links: []link{{typ: linkSLL2}}, build: buildSIPIFrag,
			readme: "gzip-compressed classic pcap, Linux SLL2 (276). SIP-I (multipart/mixed SDP + application/isup;version=itu-t92+ IAM/ACM/ANM/REL bodies) with INVITEs large enough to be IPv4-fragmented; IPv6-fragmented plain SIP INVITEs. One 500 carries a REL body with cause 34 and a Reason with cause 41: the body wins."},
		{name: "isup-calls.pcap", format: fmtPcapMicro, links: []link{{typ: linkEthernet}}, build: buildISUPCalls,
			readme: "Ethernet, M3UA over SCTP port 2905 (ASPUP/ASPAC/BEAT, Routing Context 100, NI national), ISUP-only calls: every REL cause family, ACM subscriber-free vs no-indication, CPG alerting, ACM and CPG with redirection information reason 6 (mobile subscriber not reachable) followed by voicemail, CON + SUS/RES with the RLC missing, an IAM in the reverse direction, a call still ringing at the end."},
		{name: "isup-network.pcap", format: fmtPcapNano, links: []link{{typ: linkEthernet, vlan: []uint16{200, 30}, qinq: true}}, build: buildISUPNetwork,
			readme: "QinQ (0x88a8 + 0x8100), nanosecond pcap, NI international, no Routing Context. Circuit supervision (GRS/GRA, BLO/BLA, UBL/UBA, CGB/CGBA, UCIC: not calls), an IAM with unknown optional parameter 0xF5, an M3UA DATA with unknown parameter tag 0x7F01, an IAM fragmented over 2 DATA chunks in one packet and one over 3 chunks in 3 packets, a retransmitted IAM chunk (same TSN: one message), bundled DATA chunks, and a new IAM on a circuit that closes the previous (answered, unreleased) call."},
		{name: "gateway.pcap", format: fmtPcapMicro, links: []link{{typ: linkNull}}, build: buildGateway,
			readme: "BSD loopback (LINKTYPE_NULL). An MGCF interworking SIP/SIP-I (UDP) with ISUP (M3UA): every call has both legs with the same numbers; the truth call_id is the SIP Call-ID and legs list both."},
		{name: "gtp-volte.pcap", format: fmtPcapMicro, links: []link{{typ: linkSLL}}, build: buildGTP,
			readme: "Linux SLL (113). GTPv2-C Create/Delete Session (S11, UDP 2123) and GTPv1-C Create/Delete PDP Context (Gn) carrying MSISDNs; calls to a detached MSISDN failing with cause 31 unalerted (switched_off), a call to an attached MSISDN failing the same way (unknown), a busy call to a detached MSISDN, and a SIP call inside a GTP-U tunnel (UDP 2152, inner IPv4)."},
	}
}

// ---- sip-basic.pcap

func buildSIPBasic(b *builder) {
	tr := &udpT{n: b.n, caller: ap(sbc), callee: ap(core)}
	// answered, re-INVITE, RTP, BYE by caller without Reason.
	c := b.sip(tr, b.at(1), "74959876543", "79161234567")
	c.alert, c.answer, c.end, c.rtp, c.reinvite = b.sec(1, 4), 12*time.Second, 40*time.Second, 4*time.Second, true
	c.run()
	b.sipTruth(c, Answered, -1, 200)
	// busy 486 with Reason Q.850 17.
	c = b.sip(tr, b.at(6), "74951112233", "79161234568")
	c.final, c.finalText, c.end = 486, "Busy Here", b.sec(1, 3)
	c.finalReasons = []string{`Q.850;cause=17;text="User busy"`}
	c.run()
	b.sipTruth(c, Busy, 17, 486)
	// no answer: ringing then CANCEL with Reason Q.850 19.
	c = b.sip(tr, b.at(15), "79031234567", "79267654321")
	c.alert = b.sec(1, 4)
	c.cancel, c.end = true, c.alert+b.sec(15, 25)
	c.cancelReasons = []string{`Q.850;cause=19;text="No answer from user"`}
	c.run()
	b.sipTruth(c, NoAnswer, 19, 487)
	// unallocated 404.
	c = b.sip(tr, b.at(22), "74957654321", "79160000000")
	c.final, c.finalText, c.end = 404, "Not Found", b.sec(1, 2)
	c.run()
	b.sipTruth(c, Unallocated, 1, 404)
	// rejected 603.
	c = b.sip(tr, b.at(30), "78123456789", "79161234569")
	c.alert = b.sec(1, 3)
	c.final, c.finalText, c.end = 603, "Decline", c.alert+b.sec(3, 6)
	c.run()
	b.sipTruth(c, Rejected, 21, 603)
	// answered, callee hangs up with Reason Q.850 16.
	c = b.sip(tr, b.at(38), "74992223344", "79175556677")
	c.alert = b.sec(1, 4)
	c.answer = c.alert + b.sec(5, 12)
	c.end = c.answer + b.sec(10, 30)
	c.byeFromCallee, c.byeReasons = true, []string{`Q.850;cause=16;text="Normal call clearing"`}
	c.run()
	b.sipTruth(c, Answered, 16, 200)
	// congestion 503 + Reason Q.850 34.
	c = b.sip(tr, b.at(45), "74955550101", "79160101010")
	c.final, c.finalText, c.end = 503, "Service Unavailable", b.sec(1, 4)
	c.finalReasons = []string{`Q.850;cause=34;text="No circuit/channel available"`}
	c.run()
	b.sipTruth(c, Congestion, 34, 503)
	// switched off 480 + Reason Q.850 20.
	c = b.sip(tr, b.at(52), "74955550102", "79169990011")
	c.final, c.finalText, c.end = 480, "Temporarily Unavailable", b.sec(2, 4)
	c.finalReasons = []string{`Q.850;cause=20;text="Subscriber absent"`}
	c.run()
	b.sipTruth(c, SwitchedOff, 20, 480)
	// unknown: still ringing when the capture ends.
	c = b.sip(tr, b.at(70), "74955550103", "79161112233")
	c.alert = 2500 * time.Millisecond
	c.run()
	b.sipTruth(c, Unknown, -1, -1)
	b.n.stop = b.at(78)
}

// ---- sip-variants.pcapng

func buildSIPVariants(b *builder) {
	t0 := &udpT{n: b.n, iface: 0, caller: ap("10.10.1.11:5060"), callee: ap("10.20.2.21:5060")}
	t1 := &udpT{n: b.n, iface: 1, caller: ap("192.168.40.5:5080"), callee: ap("192.168.40.9:5080")}
	// answered with 100rel/PRACK/UPDATE and P-Asserted-Identity; BYE Reason 16.
	c := b.sip(t0, b.at(1), "74951230001", "79161230001")
	c.prack, c.update, c.pai = true, true, true
	c.alert = b.sec(1, 3)
	c.answer = c.alert + b.sec(5, 10)
	c.end = c.answer + b.sec(10, 20)
	c.byeReasons = []string{`Q.850;cause=16`}
	c.run()
	b.sipTruth(c, Answered, 16, 200)
	// forked early dialogs, one 200 (on SLL, port 5080).
	c = b.sip(t1, b.at(3), "74951230002", "79161230002")
	c.fork = true
	c.alert = b.sec(1, 3)
	c.answer = c.alert + b.sec(5, 8)
	c.end = c.answer + b.sec(10, 15)
	c.run()
	b.sipTruth(c, Answered, -1, 200)
	// CANCEL and 200 OK cross: answered wins.
	c = b.sip(t0, b.at(8), "74951230003", "79161230003")
	c.alert = b.sec(1, 3)
	c.answer = c.alert + b.sec(6, 10)
	c.cancelRace = true
	c.end = c.answer + b.sec(10, 20)
	c.run()
	b.sipTruth(c, Answered, -1, 200)
	// compact headers, tel: URIs, 486 without Reason.
	c = b.sip(t1, b.at(12), "74951230004", "79161230004")
	c.compact, c.tel = true, true
	c.final, c.finalText, c.end = 486, "Busy Here", b.sec(1, 3)
	c.run()
	b.sipTruth(c, Busy, 17, 486)
	// comma-joined Reason: SIP first, then Q.850 20.
	c = b.sip(t0, b.at(20), "74951230005", "79161230005")
	c.final, c.finalText, c.end = 480, "Temporarily Unavailable", b.sec(2, 4)
	c.finalReasons = []string{`SIP;cause=480;text="Temporarily Unavailable", Q.850;cause=20`}
	c.run()
	b.sipTruth(c, SwitchedOff, 20, 480)
	// lower-case reason header with spaces.
	c = b.sip(t1, b.at(24), "74951230006", "79161230006")
	c.final, c.finalText, c.end = 480, "Temporarily Unavailable", b.sec(2, 4)
	c.finalReasons = []string{`reason: q.850 ; cause=20`}
	c.run()
	b.sipTruth(c, SwitchedOff, 20, 480)
	// ringing then 408 (cause 102 derived, alerted).
	c = b.sip(t0, b.at(27), "74951230007", "79161230007")
	c.alert = b.sec(1, 3)
	c.final, c.finalText, c.end = 408, "Request Timeout", c.alert+30*time.Second
	c.run()
	b.sipTruth(c, NoAnswer, 102, 408)
	// 484 Address Incomplete.
	c = b.sip(t1, b.at(31), "74951230008", "7916123")
	c.final, c.finalText, c.end = 484, "Address Incomplete", b.sec(1, 2)
	c.run()
	b.sipTruth(c, Unallocated, 28, 484)
	// 403 Forbidden.
	c = b.sip(t0, b.at(36), "74951230009", "79161230009")
	c.pai = true
	c.final, c.finalText, c.end = 403, "Forbidden", b.sec(1, 2)
	c.run()
	b.sipTruth(c, Rejected, 21, 403)
	// several Reason headers on a 503.
	c = b.sip(t1, b.at(40), "74951230010", "79161230010")
	c.final, c.finalText, c.end = 503, "Service Unavailable", b.sec(1, 3)
	c.finalReasons = []string{`SIP;cause=503;text="Service Unavailable"`, `Q.850;cause=41;text="Temporary failure"`}
	c.run()
	b.sipTruth(c, Congestion, 41, 503)
	// 502 Bad Gateway, no Reason (38 derived).
	c = b.sip(t0, b.at(44), "74951230011", "79161230011")
	c.final, c.finalText, c.end = 502, "Bad Gateway", b.sec(1, 3)
	c.run()
	b.sipTruth(c, Congestion, 38, 502)
}

// ---- sip-lf-vlan.pcap

func buildSIPLF(b *builder) {
	tr := &udpT{n: b.n, caller: ap("172.16.5.10:5060"), callee: ap("172.16.7.20:5060")}
	mk := func(t float64, from, to string) *sipCall {
		c := b.sip(tr, b.at(t), from, to)
		c.lf = true
		return c
	}
	c := mk(1, "73832001122", "79131234567")
	c.alert = b.sec(1, 4)
	c.answer = c.alert + b.sec(5, 15)
	c.end = c.answer + b.sec(10, 25)
	c.run()
	b.sipTruth(c, Answered, -1, 200)
	c = mk(4, "73832001123", "79131234568")
	c.final, c.finalText, c.end = 480, "Temporarily Unavailable", b.sec(2, 4)
	c.run()
	b.sipTruth(c, SwitchedOff, 18, 480)
	c = mk(9, "73832001124", "79131234569")
	c.alert = b.sec(1, 4)
	c.cancel, c.end = true, c.alert+b.sec(10, 20)
	c.run()
	b.sipTruth(c, NoAnswer, -1, 487)
	c = mk(14, "73832001125", "79131234570")
	c.final, c.finalText, c.end = 404, "Not Found", b.sec(1, 2)
	c.run()
	b.sipTruth(c, Unallocated, 1, 404)
	c = mk(20, "73832001126", "79131234571")
	c.final, c.finalText, c.end = 600, "Busy Everywhere", b.sec(1, 3)
	c.run()
	b.sipTruth(c, Busy, 17, 600)
	c = mk(26, "73832001127", "79131234572")
	c.final, c.finalText, c.end = 604, "Does Not Exist Anywhere", b.sec(1, 2)
	c.run()
	b.sipTruth(c, Unallocated, 1, 604)
	c = mk(31, "73832001128", "79131234573")
	c.alert = b.sec(1, 3)
	c.final, c.finalText, c.end = 480, "Temporarily Unavailable", c.alert+b.sec(20, 30)
	c.run()
	b.sipTruth(c, NoAnswer, 18, 480)
}

// ---- sip-rawip.pcap

func buildSIPRaw(b *builder) {
	conn := &tcpConn{n: b.n, a: ap("10.10.1.12:41234"), b: ap("10.20.2.22:5060"), seqA: b.n.rnd.Uint32(), seqB: b.n.rnd.Uint32()}
	conn.open(b.at(0.5))
	tr := &tcpT{c: conn, coalesce: 1, split: 0, retrans: 2}
	c := b.sip(tr, b.at(1), "74951110001", "79161110001")
	c.alert = b.sec(1, 3)
	c.answer = c.alert + b.sec(5, 9)
	c.end = c.answer + b.sec(10, 20)
	c.run()
	b.sipTruth(c, Answered, -1, 200)
	tr2 := &tcpT{c: conn, coalesce: -1, split: -1, retrans: -1}
	c = b.sip(tr2, b.at(5), "74951110002", "79161110002")
	c.final, c.finalText, c.end = 486, "Busy Here", b.sec(1, 3)
	c.finalReasons = []string{`Q.850;cause=17`}
	c.run()
	b.sipTruth(c, Busy, 17, 486)
	u6 := &udpT{n: b.n, caller: ap("[2001:db8:10::10]:5060"), callee: ap("[2001:db8:20::20]:5060")}
	c = b.sip(u6, b.at(9).Add(123457), "74951110003", "79161110003")
	c.alert = b.sec(1, 4)
	c.answer = c.alert + b.sec(5, 9)
	c.end = c.answer + b.sec(10, 20)
	c.byeFromCallee = true
	c.byeReasons = []string{`Q.850;cause=16`}
	c.run()
	b.sipTruth(c, Answered, 16, 200)
	c = b.sip(u6, b.at(14).Add(987), "74951110004", "79161110004")
	c.final, c.finalText, c.end = 503, "Service Unavailable", b.sec(1, 3)
	c.run()
	b.sipTruth(c, Congestion, 41, 503)
	c = b.sip(u6, b.at(18), "74951110005", "79161110005")
	c.final, c.finalText, c.end = 480, "Temporarily Unavailable", b.sec(1, 3)
	c.finalReasons = []string{`Q.850;cause=18`}
	c.run()
	b.sipTruth(c, SwitchedOff, 18, 480)
}

// ---- sipi-frag.pcap.gz

func buildSIPIFrag(b *builder) {
	tr := &udpT{n: b.n, caller: ap("10.60.0.10:5060"), callee: ap("10.60.0.20:5060")}
	mk := func(t float64, from, to string) *sipCall {
		c := b.sip(tr, b.at(t), from, to)
		c.sipi, c.bigSDP = true, true
		c.iam = iamParams{calling: from, called: to, nai: naiInternational}
		return c
	}
	c := mk(1, "74953330001", "79163330001")
	c.alert = b.sec(1, 3)
	c.answer = c.alert + b.sec(5, 10)
	c.end = c.answer + b.sec(10, 20)
	c.byeREL = 16
	c.run()
	b.sipTruth(c, Answered, 16, 200)
	c = mk(4, "74953330002", "79163330002")
	c.final, c.finalText, c.end, c.finalREL = 486, "Busy Here", b.sec(1, 3), 17
	c.run()
	b.sipTruth(c, Busy, 17, 486)
	c = mk(8, "74953330003", "79163330003")
	c.final, c.finalText, c.end, c.finalREL = 500, "Server Internal Error", b.sec(1, 3), 34
	c.finalReasons = []string{`Q.850;cause=41`}
	c.run()
	b.sipTruth(c, Congestion, 34, 500)
	c = mk(12, "74953330004", "79163330004")
	c.alert = b.sec(1, 3)
	c.cancel, c.end = true, c.alert+b.sec(15, 25)
	c.cancelReasons = []string{`Q.850;cause=19`}
	c.run()
	b.sipTruth(c, NoAnswer, 19, 487)
	c = mk(16, "74953330005", "79163330005")
	c.final, c.finalText, c.end, c.finalREL = 480, "Temporarily Unavailable", b.sec(2, 4), 20
	c.run()
	b.sipTruth(c, SwitchedOff, 20, 480)
	u6 := &udpT{n: b.n, caller: ap("[2001:db8:60::10]:5060"), callee: ap("[2001:db8:60::20]:5060")}
	c = b.sip(u6, b.at(20), "74953330006", "79163330006")
	c.bigSDP = true
	c.alert = b.sec(1, 3)
	c.answer = c.alert + b.sec(5, 10)
	c.end = c.answer + b.sec(10, 15)
	c.run()
	b.sipTruth(c, Answered, -1, 200)
	c = b.sip(u6, b.at(25), "74953330007", "79163330007")
	c.bigSDP = true
	c.final, c.finalText, c.end = 603, "Decline", b.sec(2, 4)
	c.run()
	b.sipTruth(c, Rejected, 21, 603)
}
