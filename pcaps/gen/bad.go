package gen

import (
	"bytes"
	"encoding/binary"
	"math/rand"
	"time"
)

// badSpecs are the malformed captures under bad/; those with decodable
// calls get a truth file.
func badSpecs() []fileSpec {
	return []fileSpec{
		{name: "bad/hostile-sip.pcap", format: fmtPcapMicro, links: []link{{typ: linkEthernet}}, build: buildHostileSIP,
			readme: "Malformed SIP over UDP: a request without Call-ID, a Content-Length of 99999999, binary junk and NULs in header lines, an unterminated multipart body, a bare start line. Right behaviour: skip or count each malformed message, no panic, no huge allocation; the one well-formed call (busy) is still decoded."},
		{name: "bad/unknown-isup.pcap", format: fmtPcapMicro, links: []link{{typ: linkEthernet}}, build: buildUnknownISUP,
			readme: "ISUP with an unknown message type (0xEE) inside a call, an unknown message type on an idle circuit, an IAM with unknown optional parameters 0xF5 and 0xE0, and a message whose pointer runs past its end. Right behaviour: unknown messages and parameters decode to a generic form (not an error) and are skipped by the correlator; the bad-pointer message is an ErrMalformed/ErrTruncated counted as a decode error; the call (IAM, ACM, REL 17) is still busy."},
	}
}

// badFiles renders bad/: the two hostile captures and the broken containers.
func badFiles(cfg Config) ([]outFile, error) {
	var out []outFile
	var first []byte
	for _, fs := range badSpecs() {
		data, truth, err := render(fs, cfg)
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = data
		}
		out = append(out, outFile{fs.name, data})
		if len(truth) > 0 {
			var tb bytes.Buffer
			if err := writeTruth(&tb, truth); err != nil {
				return nil, err
			}
			out = append(out, outFile{truthName(fs.name), tb.Bytes()})
		}
	}
	rnd := rand.New(rand.NewSource(seedFor(cfg.Seed, "bad")))
	// truncated: the hostile capture cut in the middle of its fourth record.
	cut := 24
	for i := 0; i < 4 && cut+16 <= len(first); i++ {
		cut += 16 + int(binary.LittleEndian.Uint32(first[cut+8:]))
	}
	cut -= 37
	out = append(out, outFile{"bad/truncated.pcap", append([]byte{}, first[:cut]...)})
	out = append(out, outFile{"bad/not-a-capture.txt", []byte("This is not a packet capture.\nINVITE sip:nobody@example.com SIP/2.0\n")})
	out = append(out, outFile{"bad/zero-length.pcap", []byte{}})
	hdr := first[:24]
	g := append([]byte{}, hdr...)
	g = binary.LittleEndian.AppendUint32(g, uint32(cfg.Start.Unix()))
	g = binary.LittleEndian.AppendUint32(g, 0)
	g = binary.LittleEndian.AppendUint32(g, 0xFFFFFFF0)
	g = binary.LittleEndian.AppendUint32(g, 0xFFFFFFF0)
	g = append(g, bytes.Repeat([]byte{0x41}, 64)...)
	out = append(out, outFile{"bad/giant-caplen.pcap", g})
	junk := append([]byte{}, hdr...)
	for i := 0; i < 2048; i++ {
		junk = append(junk, byte(rnd.Intn(256)))
	}
	out = append(out, outFile{"bad/garbage-after-header.pcap", junk})
	return out, nil
}

func buildHostileSIP(b *builder) {
	src, dst := ap("10.99.0.1:5060"), ap("10.99.0.2:5060")
	raw := func(t float64, msg string) { b.n.sendUDP(b.at(t), 0, src, dst, []byte(msg)) }
	raw(1, "INVITE sip:79160000001@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.99.0.1:5060;branch=z9hG4bKa\r\nFrom: <sip:1@x>;tag=a\r\nTo: <sip:79160000001@x>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
	raw(2, "INVITE sip:79160000002@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.99.0.1:5060;branch=z9hG4bKb\r\nFrom: <sip:2@x>;tag=b\r\nTo: <sip:79160000002@x>\r\nCall-ID: huge-clen@10.99.0.1\r\nCSeq: 1 INVITE\r\nContent-Length: 99999999\r\n\r\nv=0\r\n")
	raw(3, "INVITE sip:79160000003@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.99.0.1:5060;branch=z9hG4bKc\r\nFrom: <sip:3@x>;tag=\x00\xff\xfe\r\nTo\x01\x02: \x80\x81\x82\r\nCall-ID: junk\x00\x07@10.99.0.1\r\nCSeq: \xff INVITE\r\n\x00\x00\x00\r\nContent-Length: 0\r\n\r\n")
	raw(4, "INVITE sip:79160000004@x SIP/2.0\r\nVia: SIP/2.0/UDP 10.99.0.1:5060;branch=z9hG4bKd\r\nFrom: <sip:4@x>;tag=d\r\nTo: <sip:79160000004@x>\r\nCall-ID: unterminated-multipart@10.99.0.1\r\nCSeq: 1 INVITE\r\nContent-Type: multipart/mixed;boundary=zz\r\nContent-Length: 60\r\n\r\n--zz\r\nContent-Type: application/isup;version=itu-t92+\r\n\r\n\x01\x00\x60")
	raw(5, "SIP/2.0\r\n\r\n")
	raw(5.5, "REGISTER\r\nContent-Length: -5\r\n\r\n")
	tr := &udpT{n: b.n, caller: ap("10.99.0.1:5060"), callee: ap("10.99.0.2:5060")}
	c := b.sip(tr, b.at(6), "74950000009", "79160000009")
	c.final, c.finalText, c.end = 486, "Busy Here", 1500*time.Millisecond
	c.run()
	b.sipTruth(c, Busy, 17, 486)
}

func buildUnknownISUP(b *builder) {
	l := b.link(0, "10.98.0.1:2905", "10.98.0.2:2905", 500, 600, 2, -1)
	b.m3uaUp(l, b.at(0.2))
	l.send(b.at(1), true, 1, withCIC(9, []byte{0xF0, 0x01, 0x02, 0x03}))
	c := b.isup(l, 10, b.at(2), "4951112233", "9161112233", naiNational)
	c.acm, c.acmStatus = 1500*time.Millisecond, bciSubscriberFree
	c.end, c.relCause = 4*time.Second, 17
	c.run()
	// An IAM with unknown optional parameters on CIC 11, released with REL 1.
	im := isupBody(isupIAM, []byte{0x00, 0x60, 0x01, 0x0A, 0x00}, [][]byte{calledNumber("9162223344", naiNational, true)}, true,
		[]isupParam{{0xF5, []byte{1, 2, 3}}, {0xE0, []byte{9}}, {parCallingNumber, callingNumber("4952223344", naiNational)}})
	l.send(b.at(8), true, 11, withCIC(11, im))
	l.send(b.at(9), false, 11, withCIC(11, rel(locPubRemote, 1, nil)))
	l.send(b.at(9.2), true, 11, withCIC(11, rlc()))
	l.send(b.at(3), false, 10, withCIC(10, []byte{0xEE, 0x00, 0x02, 0xAB, 0xCD}))
	l.send(b.at(12), true, 12, withCIC(12, []byte{isupREL, 0x02, 0x00})) // pointer past the end
	b.isupTruth(c, Busy, 17)
	c2 := &isupCall{l: l, cic: 11, t0: b.at(8), iam: iamParams{calling: "4952223344", called: "9162223344"}}
	b.isupTruth(c2, Unallocated, 1)
}
