package gen

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDeterministic(t *testing.T) {
	a, err := corpusFiles(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	b, err := corpusFiles(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(b) {
		t.Fatalf("runs wrote %d and %d files", len(a), len(b))
	}
	total := 0
	for i := range a {
		total += len(a[i].data)
		if a[i].name != b[i].name || !bytes.Equal(a[i].data, b[i].data) {
			t.Errorf("%s: two runs with the same seed differ", a[i].name)
		}
	}
	if total > 2<<20 {
		t.Errorf("corpus is %d bytes, want < 2 MiB", total)
	}
	other := DefaultConfig()
	other.Seed = 2
	c, err := corpusFiles(other)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a[0].data, c[0].data) {
		t.Errorf("%s: seed 2 gives the same bytes as seed 1", a[0].name)
	}
}

// record is one packet read back by the minimal reader below.
type record struct {
	link uint16
	data []byte
}

// readCapture is an independent minimal pcap/pcapng reader.
func readCapture(b []byte) ([]record, error) {
	if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			return nil, err
		}
		if b, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	le := binary.LittleEndian
	if len(b) < 24 {
		return nil, errors.New("short file")
	}
	var out []record
	switch le.Uint32(b) {
	case 0xa1b2c3d4, 0xa1b23c4d:
		lt := uint16(le.Uint32(b[20:]))
		for p := 24; p < len(b); {
			if p+16 > len(b) {
				return out, errors.New("truncated record header")
			}
			incl, orig := int(le.Uint32(b[p+8:])), int(le.Uint32(b[p+12:]))
			if incl != orig || p+16+incl > len(b) || incl > snapLen {
				return out, fmt.Errorf("bad record at %d", p)
			}
			if le.Uint32(b[p:])*0 != 0 || (le.Uint32(b) == 0xa1b2c3d4 && le.Uint32(b[p+4:]) >= 1e6) || le.Uint32(b[p+4:]) >= 1e9 {
				return out, fmt.Errorf("bad fraction at %d", p)
			}
			out = append(out, record{lt, b[p+16 : p+16+incl]})
			p += 16 + incl
		}
	case 0x0A0D0D0A:
		var links []uint16
		for p := 0; p < len(b); {
			if p+12 > len(b) {
				return out, errors.New("truncated block")
			}
			typ, blen := le.Uint32(b[p:]), int(le.Uint32(b[p+4:]))
			if blen%4 != 0 || p+blen > len(b) || le.Uint32(b[p+blen-4:]) != uint32(blen) {
				return out, fmt.Errorf("bad block at %d", p)
			}
			switch typ {
			case 1:
				links = append(links, le.Uint16(b[p+8:]))
			case 6:
				ifc, cl := int(le.Uint32(b[p+8:])), int(le.Uint32(b[p+20:]))
				if ifc >= len(links) || 28+cl > blen {
					return out, fmt.Errorf("bad EPB at %d", p)
				}
				out = append(out, record{links[ifc], b[p+28 : p+28+cl]})
			}
			p += blen
		}
	default:
		return nil, errors.New("unknown magic")
	}
	return out, nil
}

// ipOf strips the link layer.
func ipOf(r record) ([]byte, error) {
	d := r.data
	switch r.link {
	case linkEthernet:
		p := 12
		for p+2 <= len(d) && (binary.BigEndian.Uint16(d[p:]) == 0x8100 || binary.BigEndian.Uint16(d[p:]) == 0x88a8) {
			p += 4
		}
		return d[p+2:], nil
	case linkSLL:
		return d[16:], nil
	case linkSLL2:
		return d[20:], nil
	case linkNull:
		return d[4:], nil
	case linkRaw:
		return d, nil
	}
	return nil, fmt.Errorf("link %d", r.link)
}

// checkPacket verifies IP header, UDP/TCP and SCTP checksums of unfragmented packets.
func checkPacket(ip []byte) error {
	var src, dst []byte
	var proto byte
	var l4 []byte
	switch ip[0] >> 4 {
	case 4:
		if csumFold(csumAdd(0, ip[:20])) != 0 {
			return errors.New("bad IPv4 header checksum")
		}
		if int(binary.BigEndian.Uint16(ip[2:])) != len(ip) {
			return errors.New("bad IPv4 total length")
		}
		if binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
			return nil // fragment
		}
		src, dst, proto, l4 = ip[12:16], ip[16:20], ip[9], ip[20:]
	case 6:
		if int(binary.BigEndian.Uint16(ip[4:]))+40 != len(ip) {
			return errors.New("bad IPv6 payload length")
		}
		if ip[6] == 44 {
			return nil
		}
		src, dst, proto, l4 = ip[8:24], ip[24:40], ip[6], ip[40:]
	default:
		return errors.New("not IP")
	}
	switch proto {
	case 6, 17:
		var sum uint32
		sum = csumAdd(sum, src)
		sum = csumAdd(sum, dst)
		sum += uint32(proto) + uint32(len(l4))
		if csumFold(csumAdd(sum, l4)) != 0 {
			return fmt.Errorf("bad L4 checksum proto %d", proto)
		}
	case 132:
		c := make([]byte, len(l4))
		copy(c, l4)
		want := binary.LittleEndian.Uint32(c[8:])
		copy(c[8:12], []byte{0, 0, 0, 0})
		if crc32.Checksum(c, crc32.MakeTable(crc32.Castagnoli)) != want {
			return errors.New("bad SCTP CRC32c")
		}
	}
	return nil
}

func allSpecs() []fileSpec { return append(corpusSpecs(), badSpecs()...) }

func TestStructureAndChecksums(t *testing.T) {
	for _, fs := range allSpecs() {
		data, _, err := render(fs, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readCapture(data)
		if err != nil {
			t.Errorf("%s: %v", fs.name, err)
			continue
		}
		if len(recs) < 10 {
			t.Errorf("%s: %d records", fs.name, len(recs))
		}
		for i, r := range recs {
			ip, err := ipOf(r)
			if err == nil {
				err = checkPacket(ip)
			}
			if err != nil {
				t.Errorf("%s: record %d: %v", fs.name, i+1, err)
				break
			}
		}
	}
}

var outcomes = map[string]bool{Answered: true, Busy: true, NoAnswer: true, Unallocated: true, Rejected: true, Congestion: true, SwitchedOff: true, Unknown: true}

func TestTruth(t *testing.T) {
	files, err := corpusFiles(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	isupID := regexp.MustCompile(`^isup-\d+-\d+-\d+-\d+$`)
	for _, f := range files {
		if !strings.HasSuffix(f.name, ".truth.jsonl") {
			continue
		}
		sc := bufio.NewScanner(bytes.NewReader(f.data))
		var prev *Truth
		var prevStart int64
		for sc.Scan() {
			var tr Truth
			dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&tr); err != nil {
				t.Fatalf("%s: %v", f.name, err)
			}
			if !outcomes[tr.Outcome] || tr.CallID == "" || tr.Called == "" || len(tr.Legs) == 0 || tr.File == "" {
				t.Errorf("%s: bad line %s", f.name, sc.Text())
			}
			if strings.HasPrefix(tr.CallID, "isup-") != !strings.Contains(strings.Join(tr.Legs, ","), "sip") {
				t.Errorf("%s: call_id %s does not match legs %v", f.name, tr.CallID, tr.Legs)
			}
			if strings.HasPrefix(tr.CallID, "isup-") && !isupID.MatchString(tr.CallID) {
				t.Errorf("%s: bad ISUP call_id %s", f.name, tr.CallID)
			}
			if tr.Outcome == Answered && tr.SIPStatus != nil && *tr.SIPStatus != 200 {
				t.Errorf("%s: answered with status %d", f.name, *tr.SIPStatus)
			}
			_ = prevStart
			if prev != nil && prev.File != tr.File {
				t.Errorf("%s: mixed file names", f.name)
			}
			p := tr
			prev = &p
			count[tr.Outcome]++
		}
	}
	for o := range outcomes {
		if count[o] < 2 {
			t.Errorf("outcome %s appears %d times, want >= 2", o, count[o])
		}
	}
	// sorted by start then call_id: check through the unexported start.
	for _, fs := range allSpecs() {
		_, truth, err := render(fs, DefaultConfig())
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(truth); i++ {
			a, b := truth[i-1], truth[i]
			if b.start.Before(a.start) || (b.start.Equal(a.start) && b.CallID < a.CallID) {
				t.Errorf("%s: truth not sorted at line %d", fs.name, i+1)
			}
		}
	}
}

// expected turns the generator's notes into the keys tshark should show.
func expected(notes []note) (want, slack map[string]int) {
	want, slack = map[string]int{}, map[string]int{}
	for _, nt := range notes {
		m := want
		kind := nt.kind
		if strings.HasPrefix(kind, "retrans-") {
			m, kind = slack, strings.TrimPrefix(kind, "retrans-")
		}
		switch kind {
		case "sip":
			first, _, _ := strings.Cut(string(nt.b), "\n")
			f := strings.Fields(first)
			if strings.HasPrefix(first, "SIP/2.0") {
				m["status:"+f[1]]++
			} else {
				m["method:"+f[0]]++
			}
			if cid := regexp.MustCompile(`(?m)^(?:Call-ID|i): *([^\r\n]+)`).FindSubmatch(nt.b); cid != nil {
				m["callid:"+string(cid[1])]++
			}
			if i := bytes.Index(nt.b, []byte("application/isup")); i >= 0 {
				rest := nt.b[i:]
				j := bytes.Index(rest, []byte("\r\n\r\n"))
				k := 4
				if j < 0 {
					j, k = bytes.Index(rest, []byte("\n\n")), 2
				}
				isupKeys(m, rest[j+k:])
			}
		case "m3ua":
			b := nt.b
			if b[2] != 1 || b[3] != 1 {
				m[fmt.Sprintf("m3ua:%d/%d", b[2], b[3])]++
				continue
			}
			for p := 8; p+4 <= len(b); {
				tag, l := binary.BigEndian.Uint16(b[p:]), int(binary.BigEndian.Uint16(b[p+2:]))
				if tag == 0x0210 {
					m["opc:"+strconv.Itoa(int(binary.BigEndian.Uint32(b[p+4:])))]++
					isupKeys(m, b[p+16+2:p+l])
				}
				p += pad4(l)
			}
		case "gtpv1", "gtpv2":
			m[kind+":"+strconv.Itoa(int(nt.b[1]))]++
		}
	}
	return want, slack
}

// isupKeys adds the message type and, for REL, the cause of an ISUP message (no CIC).
func isupKeys(m map[string]int, b []byte) {
	m["isup:"+strconv.Itoa(int(b[0]))]++
	if b[0] == isupREL && len(b) > 1 && 1+int(b[1])+2 < len(b) {
		m["cause:"+strconv.Itoa(int(b[1+int(b[1])+2]&0x7f))]++
	}
}

func TestTshark(t *testing.T) {
	if _, err := os.Stat("/usr/bin/tshark"); err != nil {
		t.Skip("tshark not installed")
	}
	if testing.Short() {
		t.Skip("short")
	}
	dir := t.TempDir()
	for _, fs := range corpusSpecs() {
		data, _, notes, err := renderLog(fs, DefaultConfig(), true)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.Base(fs.name))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		want, slack := expected(notes)
		out, err := exec.Command("/usr/bin/tshark", "-r", p, "-o", "sctp.checksum:CRC-32C",
			"-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
			"-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", "-E", "separator=\t",
			"-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.Call-ID", "-e", "isup.message_type",
			"-e", "isup.cause_indicator", "-e", "m3ua.protocol_data_opc", "-e", "gtp.message", "-e", "gtpv2.message_type",
			"-e", "m3ua.message_class", "-e", "m3ua.message_type", "-e", "_ws.expert.message").Output()
		if err != nil {
			t.Fatalf("%s: tshark: %v", fs.name, err)
		}
		got := map[string]int{}
		for _, line := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
			f := strings.Split(line, "\t")
			for len(f) < 11 {
				f = append(f, "")
			}
			add := func(prefix, v string) {
				if v == "" {
					return
				}
				for _, x := range strings.Split(v, "|") {
					got[prefix+x]++
				}
			}
			add("method:", f[0])
			add("status:", f[1])
			add("callid:", f[2])
			add("isup:", f[3])
			add("cause:", f[4])
			add("opc:", f[5])
			for _, x := range strings.Split(f[6], "|") {
				if v, err := strconv.ParseInt(x, 0, 64); err == nil && v != 0xff {
					got["gtpv1:"+strconv.Itoa(int(v))]++
				}
			}
			add("gtpv2:", f[7])
			if f[8] != "" {
				cls, typ := strings.Split(f[8], "|"), strings.Split(f[9], "|")
				for i := range cls {
					if cls[i] != "1" && i < len(typ) {
						got["m3ua:"+cls[i]+"/"+typ[i]]++
					}
				}
			}
			for _, e := range strings.Split(f[10], "|") {
				if strings.Contains(strings.ToLower(e), "checksum") || strings.Contains(e, "Malformed") {
					t.Errorf("%s: tshark: %s", fs.name, e)
				}
			}
		}
		var keys []string
		for k := range want {
			keys = append(keys, k)
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if got[k] < want[k] || got[k] > want[k]+slack[k] {
				t.Errorf("%s: tshark shows %s %d times, generator sent %d (+%d retransmitted)", fs.name, k, got[k], want[k], slack[k])
			}
		}
	}
}

func BenchmarkBench(b *testing.B) {
	b.ReportAllocs()
	var cw countWriter
	for i := 0; i < b.N; i++ {
		cw = 0
		if err := Bench(&cw, io.Discard, 20000, DefaultConfig()); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(cw))
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

func TestBench(t *testing.T) {
	var buf, tr bytes.Buffer
	if err := Bench(&buf, &tr, 5000, DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	recs, err := readCapture(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	rtp := 0
	for i, r := range recs {
		ip, _ := ipOf(r)
		if err := checkPacket(ip); err != nil {
			t.Fatalf("record %d: %v", i+1, err)
		}
		if ip[9] == 17 && binary.BigEndian.Uint16(ip[22:]) >= 20000 && binary.BigEndian.Uint16(ip[22:]) < 30000 {
			rtp++
		}
	}
	if len(recs) < 4000 || len(recs) > 7000 {
		t.Errorf("Bench(5000) wrote %d packets", len(recs))
	}
	if f := float64(rtp) / float64(len(recs)); f < 0.8 || f > 0.95 {
		t.Errorf("RTP share %.2f, want about 0.9", f)
	}
	lines := strings.Count(tr.String(), "\n")
	if lines < 20 {
		t.Errorf("truth has %d lines", lines)
	}
	var buf2, tr2 bytes.Buffer
	if err := Bench(&buf2, &tr2, 5000, DefaultConfig()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), buf2.Bytes()) || !bytes.Equal(tr.Bytes(), tr2.Bytes()) {
		t.Error("Bench is not deterministic")
	}
	_ = time.Second
}
