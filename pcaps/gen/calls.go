package gen

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// sipTransport carries SIP messages between caller and callee.
type sipTransport interface {
	send(ts time.Time, fromCaller bool, msg []byte)
	proto() string
}

// udpT carries SIP over UDP (optionally inside a GTP-U tunnel).
type udpT struct {
	n              *netw
	iface          int
	caller, callee netip.AddrPort
	tun            *gtpTunnel
}

func (t *udpT) proto() string { return "UDP" }

func (t *udpT) send(ts time.Time, fromCaller bool, msg []byte) {
	src, dst := t.caller, t.callee
	if !fromCaller {
		src, dst = dst, src
	}
	t.n.note(ts, "sip", msg)
	if t.tun == nil {
		t.n.sendUDP(ts, t.iface, src, dst, msg)
		return
	}
	t.n.at(ts, func(ts time.Time) {
		inner := ipv4Packets(src.Addr(), dst.Addr(), 17, udpSeg(src, dst, msg), uint16(t.n.rnd.Intn(65536)), 65535)[0]
		o, d, teid := t.tun.enb, t.tun.sgw, t.tun.teidUL
		if !fromCaller {
			o, d, teid = t.tun.sgw, t.tun.enb, t.tun.teidDL
		}
		t.n.udp(ts, t.iface, o, d, gtpu(teid, inner))
	})
}

// gtpTunnel is a GTP-U tunnel between an eNodeB and a gateway (TS 29.281).
type gtpTunnel struct {
	enb, sgw       netip.AddrPort
	teidUL, teidDL uint32
}

// tcpT carries SIP over one TCP connection (RFC 3261 §18.3): the caller is
// side A. coalesce joins message i with the next one in one segment; split
// cuts message i over three segments; retrans resends message i's segment.
type tcpT struct {
	c                        *tcpConn
	i                        int
	coalesce, split, retrans int
	pending                  []byte
}

func (t *tcpT) proto() string { return "TCP" }

func (t *tcpT) send(ts time.Time, fromCaller bool, msg []byte) {
	i := t.i
	t.i++
	t.c.n.note(ts, "sip", msg)
	if i == t.retrans {
		t.c.n.note(ts, "retrans-sip", msg)
	}
	if i == t.coalesce {
		t.pending = msg
		return
	}
	if t.pending != nil {
		msg = append(append([]byte{}, t.pending...), msg...)
		t.pending = nil
	}
	if i == t.split {
		a, b := len(msg)/3, 2*len(msg)/3
		t.c.send(ts, fromCaller, msg[:a])
		t.c.send(ts.Add(2*time.Millisecond), fromCaller, msg[a:b])
		t.c.send(ts.Add(4*time.Millisecond), fromCaller, msg[b:])
	} else {
		t.c.send(ts, fromCaller, msg)
	}
	t.c.ack(ts.Add(30*time.Millisecond), !fromCaller)
	if i == t.retrans {
		t.c.retransmit(ts.Add(200 * time.Millisecond))
	}
}

// sipCall is one SIP dialog script. Offsets are from t0; zero means absent.
type sipCall struct {
	n              *netw
	tr             sipTransport
	t0             time.Time
	callID         string
	caller, callee netip.AddrPort
	fromUser       string // digits, no '+'
	toUser         string
	plus           bool // international '+' prefix in URIs
	domain         string
	tel            bool // tel: Request-URI and To
	pai, compact   bool
	lf             bool
	prack, update  bool
	reinvite, fork bool
	cancelRace     bool
	bigSDP         bool
	sipi           bool // ISUP bodies (SIP-I, ITU-T Q.1912.5)
	iam            iamParams
	p183           time.Duration
	alert          time.Duration // 180 Ringing
	acmStatus      byte          // ACM body in 180 (sipi)
	answer         time.Duration
	end            time.Duration
	final          int
	finalText      string
	finalReasons   []string
	finalREL       byte // cause of a REL body in the final response (sipi)
	cancel         bool
	cancelReasons  []string
	byeFromCallee  bool
	byeReasons     []string
	byeREL         byte
	rtp            time.Duration
	hostileHdr     []string
	answerHdrs     []string      // extra headers of the 2xx to the INVITE (and of the 181)
	fwd181         time.Duration // when > 0, a 181 Call Is Being Forwarded then
	media          *sdpMedia     // overrides the default audio m-line (audio_sip.go)

	fromTag, toTag, toTag2, branch string
	cseq                           int
}

func (c *sipCall) eol() string {
	if c.lf {
		return "\n"
	}
	return "\r\n"
}

func (c *sipCall) uri(user string) string {
	p := ""
	if c.plus {
		p = "+"
	}
	if c.tel {
		return "tel:" + p + user
	}
	return "sip:" + p + user + "@" + c.domain + ";user=phone"
}

func (c *sipCall) h(long, short, val string) string {
	if c.compact && short != "" {
		return short + ": " + val
	}
	return long + ": " + val
}

func (c *sipCall) sdp(from netip.AddrPort, ver int) []byte {
	ipv := "IP4"
	if from.Addr().Is6() {
		ipv = "IP6"
	}
	port := 20000 + int(from.Addr().As16()[15])*2
	var sb strings.Builder
	e := c.eol()
	fmt.Fprintf(&sb, "v=0%so=- %d %d IN %s %s%ss=-%sc=IN %s %s%st=0 0%s", e, 4000+port, ver, ipv, from.Addr(), e, e, ipv, from.Addr(), e, e)
	if c.media != nil {
		c.media.write(&sb, port, e)
	} else {
		fmt.Fprintf(&sb, "m=audio %d RTP/AVP 8 0 101%sa=rtpmap:8 PCMA/8000%sa=rtpmap:0 PCMU/8000%sa=rtpmap:101 telephone-event/8000%sa=fmtp:101 0-15%sa=ptime:20%sa=sendrecv%s", port, e, e, e, e, e, e, e)
	}
	if c.bigSDP {
		for i := 0; i < 24; i++ {
			fmt.Fprintf(&sb, "a=candidate:%d 1 UDP %d %s %d typ host generation 0 network-id %d%s", i, 2130706431-i, from.Addr(), port+2*i, i, e)
		}
	}
	return []byte(sb.String())
}

const boundary = "unique-boundary-1"

// body returns the content type and body: SDP, an ISUP body, or both in
// multipart/mixed (RFC 3204 §3, ITU-T Q.1912.5 Annex B).
func (c *sipCall) body(sdp []byte, isup []byte) (string, []byte) {
	if isup == nil || !c.sipi {
		if sdp == nil {
			return "", nil
		}
		return "application/sdp", sdp
	}
	e := c.eol()
	ih := "Content-Type: application/isup;version=itu-t92+" + e + "Content-Disposition: signal;handling=required" + e + e
	if sdp == nil {
		return "application/isup;version=itu-t92+", isup
	}
	var b []byte
	b = append(b, "--"+boundary+e+"Content-Type: application/sdp"+e+e...)
	b = append(b, sdp...)
	b = append(b, e+"--"+boundary+e+ih...)
	b = append(b, isup...)
	b = append(b, e+"--"+boundary+"--"+e...)
	return "multipart/mixed;boundary=" + boundary, b
}

func (c *sipCall) via(fromCaller bool, branch string) string {
	a := c.caller
	if !fromCaller {
		a = c.callee
	}
	return c.h("Via", "v", fmt.Sprintf("SIP/2.0/%s %s;branch=%s", c.tr.proto(), a, branch))
}

func (c *sipCall) contact(a netip.AddrPort, user string) string {
	return c.h("Contact", "m", fmt.Sprintf("<sip:%s@%s>", user, a))
}

// request builds an in-dialog or initial request from caller (or callee).
func (c *sipCall) request(method string, cseq int, fromCaller bool, branch, toTag string, extra []string, sdp, isup []byte) []byte {
	from := fmt.Sprintf("<%s>;tag=%s", c.uri(c.fromUser), c.fromTag)
	to := fmt.Sprintf("<%s>", c.uri(c.toUser))
	if toTag != "" {
		to += ";tag=" + toTag
	}
	ruri := c.uri(c.toUser)
	if method != "INVITE" && method != "CANCEL" && toTag != "" && !(method == "ACK" && branch == c.branch) {
		ruri = fmt.Sprintf("sip:%s@%s", c.toUser, c.callee)
	}
	if !fromCaller {
		from, to = to, from
		ruri = fmt.Sprintf("sip:%s@%s", c.fromUser, c.caller)
	}
	hs := []string{c.via(fromCaller, branch), "Max-Forwards: 70",
		c.h("From", "f", from), c.h("To", "t", to), c.h("Call-ID", "i", c.callID),
		fmt.Sprintf("CSeq: %d %s", cseq, method)}
	if method == "INVITE" {
		hs = append(hs, c.contact(c.caller, c.fromUser))
		if c.pai {
			hs = append(hs, "P-Asserted-Identity: <tel:+"+c.fromUser+">")
		}
		sup := "timer"
		if c.prack {
			sup = "100rel, timer"
		}
		hs = append(hs, c.h("Supported", "k", sup), "Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK, UPDATE, INFO")
	}
	hs = append(hs, extra...)
	hs = append(hs, c.hostileHdr...)
	ct, b := c.body(sdp, isup)
	if ct != "" {
		hs = append(hs, c.h("Content-Type", "c", ct))
	}
	if method == "INVITE" || method == "ACK" || method == "CANCEL" {
		ruri = strings.TrimSuffix(ruri, "")
	}
	return sipMsg(method+" "+ruri+" SIP/2.0", hs, b, c.lf, -1, c.compact)
}

// response builds a response from callee to a caller request (or the reverse).
func (c *sipCall) response(code int, text string, cseq int, method, branch, toTag string, fromCaller bool, extra []string, sdp, isup []byte) []byte {
	from := fmt.Sprintf("<%s>;tag=%s", c.uri(c.fromUser), c.fromTag)
	to := fmt.Sprintf("<%s>", c.uri(c.toUser))
	if toTag != "" {
		to += ";tag=" + toTag
	}
	if fromCaller { // response to a request sent by the callee
		from, to = to, from
	}
	hs := []string{c.via(!fromCaller, branch), c.h("From", "f", from), c.h("To", "t", to),
		c.h("Call-ID", "i", c.callID), fmt.Sprintf("CSeq: %d %s", cseq, method)}
	if method == "INVITE" && code > 100 && code < 300 {
		hs = append(hs, c.contact(c.callee, c.toUser))
	}
	hs = append(hs, extra...)
	ct, b := c.body(sdp, isup)
	if ct != "" {
		hs = append(hs, c.h("Content-Type", "c", ct))
	}
	return sipMsg(fmt.Sprintf("SIP/2.0 %d %s", code, text), hs, b, c.lf, -1, c.compact)
}

func (c *sipCall) tag() string   { return fmt.Sprintf("%08x", c.n.rnd.Uint32()) }
func (c *sipCall) brnch() string { return fmt.Sprintf("z9hG4bK%010x", c.n.rnd.Int63()>>20) }

func reasonHdrs(rs []string) []string {
	var out []string
	for _, r := range rs {
		if strings.Contains(r, ":") {
			out = append(out, r) // already a full header line
		} else {
			out = append(out, "Reason: "+r)
		}
	}
	return out
}

// run schedules the whole dialog.
func (c *sipCall) run() {
	c.fromTag, c.toTag, c.toTag2, c.branch = c.tag(), c.tag(), c.tag(), c.brnch()
	t := func(d time.Duration) time.Time { return c.t0.Add(d) }
	var iamB []byte
	if c.sipi {
		iamB = iam(c.iam)
	}
	c.tr.send(t(0), true, c.request("INVITE", 1, true, c.branch, "", nil, c.sdp(c.caller, 1), iamB))
	c.tr.send(t(40*time.Millisecond), false, c.response(100, "Trying", 1, "INVITE", c.branch, "", false, nil, nil, nil))
	if c.p183 > 0 {
		var isup []byte
		if c.sipi {
			isup = acm(bciNoIndication, true, 0)
		}
		c.tr.send(t(c.p183), false, c.response(183, "Session Progress", 1, "INVITE", c.branch, c.toTag, false, nil, c.sdp(c.callee, 1), isup))
	}
	if c.alert > 0 {
		var ex []string
		if c.prack {
			ex = []string{"Require: 100rel", "RSeq: 1"}
		}
		var isup []byte
		if c.sipi {
			isup = acm(bciSubscriberFree, false, 0)
		}
		c.tr.send(t(c.alert), false, c.response(180, "Ringing", 1, "INVITE", c.branch, c.toTag, false, ex, nil, isup))
		if c.prack {
			b := c.brnch()
			c.tr.send(t(c.alert+60*time.Millisecond), true, c.request("PRACK", 2, true, b, c.toTag, []string{"RAck: 1 1 INVITE"}, nil, nil))
			c.tr.send(t(c.alert+100*time.Millisecond), false, c.response(200, "OK", 2, "PRACK", b, c.toTag, false, nil, nil, nil))
			if c.update {
				b := c.brnch()
				c.tr.send(t(c.alert+300*time.Millisecond), true, c.request("UPDATE", 3, true, b, c.toTag, nil, c.sdp(c.caller, 2), nil))
				c.tr.send(t(c.alert+350*time.Millisecond), false, c.response(200, "OK", 3, "UPDATE", b, c.toTag, false, nil, c.sdp(c.callee, 2), nil))
			}
		}
		if c.fork {
			c.tr.send(t(c.alert+250*time.Millisecond), false, c.response(180, "Ringing", 1, "INVITE", c.branch, c.toTag2, false, nil, nil, nil))
		}
	}
	if c.fwd181 > 0 {
		c.tr.send(t(c.fwd181), false, c.response(181, "Call Is Being Forwarded", 1, "INVITE", c.branch, c.toTag, false, c.answerHdrs, nil, nil))
	}
	switch {
	case c.answer > 0:
		var isup []byte
		if c.sipi {
			isup = anm()
		}
		if c.cancelRace {
			cb := c.branch
			c.tr.send(t(c.answer-3*time.Millisecond), true, c.request("CANCEL", 1, true, cb, "", nil, nil, nil))
		}
		c.tr.send(t(c.answer), false, c.response(200, "OK", 1, "INVITE", c.branch, c.toTag, false, c.answerHdrs, c.sdp(c.callee, 2), isup))
		if c.cancelRace {
			c.tr.send(t(c.answer+20*time.Millisecond), false, c.response(200, "OK", 1, "CANCEL", c.branch, c.toTag, false, nil, nil, nil))
		}
		c.tr.send(t(c.answer+50*time.Millisecond), true, c.request("ACK", 1, true, c.brnch(), c.toTag, nil, nil, nil))
		if c.rtp > 0 {
			c.rtpStreams(t(c.answer + 80*time.Millisecond))
		}
		cs := 2
		if c.prack {
			cs = 4
		}
		if c.reinvite {
			m := c.answer + (c.end-c.answer)/2
			b := c.brnch()
			c.tr.send(t(m), true, c.request("INVITE", cs, true, b, c.toTag, nil, c.sdp(c.caller, 3), nil))
			c.tr.send(t(m+80*time.Millisecond), false, c.response(200, "OK", cs, "INVITE", b, c.toTag, false, nil, c.sdp(c.callee, 3), nil))
			c.tr.send(t(m+120*time.Millisecond), true, c.request("ACK", cs, true, c.brnch(), c.toTag, nil, nil, nil))
			cs++
		}
		if c.end > 0 {
			var isup []byte
			if c.sipi && c.byeREL != 0 {
				isup = rel(locPubRemote, c.byeREL, nil)
			}
			b := c.brnch()
			fromCaller := !c.byeFromCallee
			if fromCaller {
				c.tr.send(t(c.end), true, c.request("BYE", cs, true, b, c.toTag, reasonHdrs(c.byeReasons), nil, isup))
			} else {
				c.tr.send(t(c.end), false, c.request("BYE", 1, false, b, c.toTag, reasonHdrs(c.byeReasons), nil, isup))
			}
			cseq := cs
			if !fromCaller {
				cseq = 1
			}
			c.tr.send(t(c.end+40*time.Millisecond), !fromCaller, c.response(200, "OK", cseq, "BYE", b, c.toTag, !fromCaller, nil, nil, nil))
		}
	case c.final > 0:
		var isup []byte
		if c.sipi && c.finalREL != 0 {
			isup = rel(locPubRemote, c.finalREL, nil)
		}
		c.tr.send(t(c.end), false, c.response(c.final, c.finalText, 1, "INVITE", c.branch, c.toTag, false, reasonHdrs(c.finalReasons), nil, isup))
		c.tr.send(t(c.end+30*time.Millisecond), true, c.request("ACK", 1, true, c.branch, c.toTag, nil, nil, nil))
	case c.cancel:
		c.tr.send(t(c.end), true, c.request("CANCEL", 1, true, c.branch, "", reasonHdrs(c.cancelReasons), nil, nil))
		c.tr.send(t(c.end+30*time.Millisecond), false, c.response(200, "OK", 1, "CANCEL", c.branch, c.toTag, false, nil, nil, nil))
		c.tr.send(t(c.end+40*time.Millisecond), false, c.response(487, "Request Terminated", 1, "INVITE", c.branch, c.toTag, false, nil, nil, nil))
		c.tr.send(t(c.end+70*time.Millisecond), true, c.request("ACK", 1, true, c.branch, c.toTag, nil, nil, nil))
	}
}

// rtpStreams schedules c.rtp of G.711 A-law in both directions, 20 ms packets.
func (c *sipCall) rtpStreams(start time.Time) {
	ut, ok := c.tr.(*udpT)
	if !ok || ut.tun != nil {
		return
	}
	for dir := 0; dir < 2; dir++ {
		src, dst := c.caller, c.callee
		if dir == 1 {
			src, dst = dst, src
		}
		sa := netip.AddrPortFrom(src.Addr(), uint16(20000+int(src.Addr().As16()[15])*2))
		da := netip.AddrPortFrom(dst.Addr(), uint16(20000+int(dst.Addr().As16()[15])*2))
		ssrc := c.n.rnd.Uint32()
		seq0 := uint16(c.n.rnd.Intn(30000))
		ts0 := c.n.rnd.Uint32()
		npk := int(c.rtp / (20 * time.Millisecond))
		off := time.Duration(dir*7) * time.Millisecond
		for i := 0; i < npk; i++ {
			i := i
			c.n.at(start.Add(off+time.Duration(i)*20*time.Millisecond), func(ts time.Time) {
				pl := make([]byte, 160)
				for j := range pl {
					pl[j] = 0xd5 ^ byte(c.n.rnd.Intn(8)) // A-law near-silence with noise
				}
				ut.n.udp(ts, ut.iface, sa, da, rtpPacket(8, seq0+uint16(i), ts0+uint32(i*160), ssrc, i == 0, pl))
			})
		}
	}
}

// sigLink is an M3UA association between two signalling points; side A has
// point code opc. Messages scheduled at the same instant and direction are
// bundled in one SCTP packet.
type sigLink struct {
	s        *sctpAssoc
	opc, dpc uint32
	ni       byte
	rc       int64
	pend     map[bundleKey]*[][]byte
}

type bundleKey struct {
	ts    int64
	fromA bool
}

func (l *sigLink) send(ts time.Time, fromA bool, sls byte, msg []byte) {
	opc, dpc := l.opc, l.dpc
	if !fromA {
		opc, dpc = dpc, opc
	}
	data := m3uaData(opc, dpc, l.ni, sls, l.rc, false, msg)
	if l.pend == nil {
		l.pend = map[bundleKey]*[][]byte{}
	}
	k := bundleKey{l.s.n.q(ts).UnixNano(), fromA}
	if p, ok := l.pend[k]; ok {
		*p = append(*p, data)
		return
	}
	p := &[][]byte{data}
	l.pend[k] = p
	l.s.n.at(ts, func(ts time.Time) {
		delete(l.pend, k)
		l.s.sendNow(ts, fromA, 1, *p...)
	})
}

// isupCall is one ISUP call script on circuit cic. Offsets from t0; zero means absent.
type isupCall struct {
	l            *sigLink
	reverse      bool // IAM sent by side B
	cic          uint16
	t0           time.Time
	iam          iamParams
	fragIAM      int  // split the IAM's DATA over this many chunks
	retransIAM   bool // send the IAM's DATA chunk again later
	acm          time.Duration
	acmStatus    byte
	acmInband    bool
	acmRedir     byte
	cpg          time.Duration
	cpgEvent     byte
	cpgRedir     byte
	answer       time.Duration
	useCON       bool
	susAt, resAt time.Duration
	end          time.Duration
	relByCalling bool
	relLoc       byte
	relCause     byte
	relDiag      []byte
	noRLC        bool
}

func (c *isupCall) run() {
	fwd := !c.reverse // direction of the IAM: from A when fwd
	t := func(d time.Duration) time.Time { return c.t0.Add(d) }
	sls := byte(c.cic & 0x0f)
	send := func(d time.Duration, forward bool, body []byte) {
		fromA := forward == fwd
		c.l.send(t(d), fromA, sls, withCIC(c.cic, body))
	}
	im := withCIC(c.cic, iam(c.iam))
	switch {
	case c.fragIAM > 1:
		opc, dpc := c.l.opc, c.l.dpc
		if !fwd {
			opc, dpc = dpc, opc
		}
		c.l.s.sendFragmented(t(0), fwd, m3uaData(opc, dpc, c.l.ni, sls, c.l.rc, false, im), c.fragIAM, c.fragIAM == 3)
	default:
		send(0, true, iam(c.iam))
	}
	if c.retransIAM {
		c.l.s.retransmit(t(1500*time.Millisecond), fwd)
	}
	if c.acm > 0 {
		if c.useCON {
			send(c.acm, false, con())
		} else {
			send(c.acm, false, acm(c.acmStatus, c.acmInband, c.acmRedir))
		}
	}
	if c.cpg > 0 {
		send(c.cpg, false, cpg(c.cpgEvent, c.cpgRedir))
	}
	if c.answer > 0 {
		send(c.answer, false, anm())
	}
	if c.susAt > 0 {
		send(c.susAt, false, sus(false))
		send(c.resAt, false, sus(true))
	}
	if c.end > 0 && c.relCause != 0 {
		send(c.end, c.relByCalling, rel(c.relLoc, c.relCause, c.relDiag))
		if !c.noRLC {
			send(c.end+180*time.Millisecond, !c.relByCalling, rlc())
		}
	}
}

// gtpV2Session schedules a Create Session exchange at tc and, if td is not
// zero, a Delete Session exchange (TS 29.274 §7.2.1, §7.2.9) on S11.
func gtpV2Session(n *netw, iface int, mme, sgw netip.AddrPort, imsi, msisdn, apn string, tc, td time.Time, seq uint32) {
	teidM, teidS := n.rnd.Uint32()|1, n.rnd.Uint32()|1
	ma, sa := mme.Addr().As4(), sgw.Addr().As4()
	req := gtpv2(32, 0, seq,
		gtpv2IE(1, 0, tbcd(imsi)),
		gtpv2IE(76, 0, tbcd(msisdn)),
		gtpv2IE(82, 0, []byte{6}), // RAT type EUTRAN
		gtpv2IE(87, 0, fteid(10, teidM, ma)),
		gtpv2IE(71, 0, apnValue(apn)),
		gtpv2IE(93, 0, gtpv2IE(73, 0, []byte{5})),
	)
	n.sendUDP(tc, iface, mme, sgw, req)
	n.note(tc, "gtpv2", req)
	resp := gtpv2(33, teidM, seq,
		gtpv2IE(2, 0, []byte{16, 0}),
		gtpv2IE(87, 0, fteid(11, teidS, sa)),
		gtpv2IE(93, 0, append(gtpv2IE(2, 0, []byte{16, 0}), gtpv2IE(73, 0, []byte{5})...)),
	)
	n.sendUDP(tc.Add(35*time.Millisecond), iface, sgw, mme, resp)
	n.note(tc, "gtpv2", resp)
	if td.IsZero() {
		return
	}
	dreq, dresp := gtpv2(36, teidS, seq+1, gtpv2IE(73, 0, []byte{5})), gtpv2(37, teidM, seq+1, gtpv2IE(2, 0, []byte{16, 0}))
	n.sendUDP(td, iface, mme, sgw, dreq)
	n.sendUDP(td.Add(20*time.Millisecond), iface, sgw, mme, dresp)
	n.note(td, "gtpv2", dreq)
	n.note(td, "gtpv2", dresp)
}

// gtpV1PDP schedules a Create PDP Context exchange at tc and, if td is not
// zero, a Delete PDP Context exchange (TS 29.060 §7.3.1, §7.3.5) on Gn.
func gtpV1PDP(n *netw, iface int, sgsn, ggsn netip.AddrPort, imsi, msisdn, apn string, tc, td time.Time, seq uint16) {
	teidS, teidG := n.rnd.Uint32()|1, n.rnd.Uint32()|1
	sa, ga := sgsn.Addr().As4(), ggsn.Addr().As4()
	u32 := func(v uint32) []byte { return []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)} }
	req := gtpv1(16, 0, seq,
		append([]byte{2}, tbcd(imsi)...),
		[]byte{15, 0xf0},                    // selection mode
		append([]byte{16}, u32(teidS+1)...), // TEID data I
		append([]byte{17}, u32(teidS)...),   // TEID control plane
		[]byte{20, 5},                       // NSAPI
		gtpv1TLV(128, []byte{0xf1, 0x21}),   // end user address: IPv4, dynamic
		gtpv1TLV(131, apnValue(apn)),
		gtpv1TLV(133, sa[:]),
		gtpv1TLV(133, sa[:]),
		gtpv1TLV(134, append([]byte{0x91}, tbcd(msisdn)...)),
		gtpv1TLV(135, []byte{0x02, 0x23, 0x92, 0x1f}),
	)
	n.sendUDP(tc, iface, sgsn, ggsn, req)
	n.note(tc, "gtpv1", req)
	resp := gtpv1(17, teidS, seq,
		[]byte{1, 128},
		[]byte{8, 0xfe},
		append([]byte{16}, u32(teidG+1)...),
		append([]byte{17}, u32(teidG)...),
		append([]byte{127}, u32(0x01020304)...),
		gtpv1TLV(128, []byte{0xf1, 0x21, 10, 45, 0, 7}),
		gtpv1TLV(133, ga[:]),
		gtpv1TLV(133, ga[:]),
		gtpv1TLV(135, []byte{0x02, 0x23, 0x92, 0x1f}),
	)
	n.sendUDP(tc.Add(40*time.Millisecond), iface, ggsn, sgsn, resp)
	n.note(tc, "gtpv1", resp)
	if td.IsZero() {
		return
	}
	dreq, dresp := gtpv1(20, teidG, seq+1, []byte{19, 0xff}, []byte{20, 5}), gtpv1(21, teidS, seq+1, []byte{1, 128})
	n.sendUDP(td, iface, sgsn, ggsn, dreq)
	n.sendUDP(td.Add(25*time.Millisecond), iface, ggsn, sgsn, dresp)
	n.note(td, "gtpv1", dreq)
	n.note(td, "gtpv1", dresp)
}
