package capture

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
	"golang.org/x/net/bpf"
)

func TestLiveConfigValidate(t *testing.T) {
	if err := DefaultLiveConfig().Validate(); err != nil {
		t.Fatalf("DefaultLiveConfig().Validate() = %v", err)
	}
	tests := []struct {
		name string
		mod  func(*LiveConfig)
	}{
		{"sockets", func(c *LiveConfig) { c.Sockets = 0 }},
		{"block size", func(c *LiveConfig) { c.BlockSize = 5000 }},
		{"blocks", func(c *LiveConfig) { c.NumBlocks = 0 }},
		{"timeout", func(c *LiveConfig) { c.BlockTimeout = 0 }},
		{"snaplen", func(c *LiveConfig) { c.SnapLen = 10 }},
		{"range", func(c *LiveConfig) { c.PortRanges = [][2]uint16{{20, 10}} }},
		{"too many ports", func(c *LiveConfig) { c.Ports = make([]uint16, 121) }},
		{"capture", func(c *LiveConfig) { c.Capture.MaxFragments = 0 }},
	}
	for _, tt := range tests {
		c := DefaultLiveConfig()
		tt.mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate() = nil, want an error", tt.name)
		}
	}
}

// ipPacket returns the IP packet of an Ethernet frame (through 802.1Q
// tags) and its EtherType, as an AF_PACKET SOCK_DGRAM socket sees it.
func ipPacket(frame []byte) ([]byte, uint16) {
	if len(frame) < 14 {
		return nil, 0
	}
	et, b := binary.BigEndian.Uint16(frame[12:14]), frame[14:]
	for (et == 0x8100 || et == 0x88a8) && len(b) >= 4 {
		et, b = binary.BigEndian.Uint16(b[2:4]), b[4:]
	}
	return b, et
}

// runFilter runs the filter on one IP packet in x/net/bpf's VM, which
// does not implement the EtherType load: the test substitutes a constant.
func runFilter(t *testing.T, c LiveConfig, et uint16, pkt []byte) bool {
	t.Helper()
	prog, err := c.filterProgram()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := prog[0].(bpf.LoadExtension); !ok {
		t.Fatalf("filter starts with %v, want the EtherType load", prog[0])
	}
	prog[0] = bpf.LoadConstant{Dst: bpf.RegA, Val: uint32(et)}
	vm, err := bpf.NewVM(prog)
	if err != nil {
		t.Fatalf("bpf.NewVM: %v", err)
	}
	n, err := vm.Run(pkt)
	if err != nil {
		t.Fatalf("vm.Run: %v", err)
	}
	return n > 0
}

func TestLiveFilter(t *testing.T) {
	udp4 := func(sp, dp uint16, frag uint16) []byte {
		b := make([]byte, 28)
		b[0], b[9] = 0x45, 17
		binary.BigEndian.PutUint16(b[6:], frag)
		binary.BigEndian.PutUint16(b[20:], sp)
		binary.BigEndian.PutUint16(b[22:], dp)
		return b
	}
	opt4 := append([]byte{0x46}, udp4(0, 0, 0)[1:20]...) // IHL 6: ports after 4 option bytes
	opt4 = append(opt4, 0, 0, 0, 0, 0x13, 0xc4, 0x30, 0x39, 0, 0, 0, 0)
	opt4[9] = 17
	udp6 := func(next uint8, sp, dp uint16) []byte {
		b := make([]byte, 48)
		b[0], b[6] = 0x60, next
		binary.BigEndian.PutUint16(b[40:], sp)
		binary.BigEndian.PutUint16(b[42:], dp)
		return b
	}
	sctp4 := udp4(2905, 2905, 0)
	sctp4[9] = 132
	c := DefaultLiveConfig()
	noSCTP := c
	noSCTP.SCTP = false
	all := c
	all.Ports, all.PortRanges = nil, nil
	tests := []struct {
		name string
		cfg  LiveConfig
		et   uint16
		pkt  []byte
		want bool
	}{
		{"sip dst", c, 0x0800, udp4(40000, 5060, 0), true},
		{"sip src", c, 0x0800, udp4(5060, 1024, 0), true},
		{"rtp range low", c, 0x0800, udp4(10000, 9000, 0), true},
		{"rtp range high", c, 0x0800, udp4(1234, 60000, 0), true},
		{"dns", c, 0x0800, udp4(53, 33000+30000, 0), false},
		{"below range", c, 0x0800, udp4(9999, 53, 0), false},
		{"later fragment", c, 0x0800, udp4(1, 1, 185), true},
		{"ip options", c, 0x0800, opt4, true},
		{"sctp", c, 0x0800, sctp4, true},
		{"sctp off", noSCTP, 0x0800, sctp4, false},
		{"arp", c, 0x0806, make([]byte, 28), false},
		{"ipv6 sip", c, 0x86dd, udp6(17, 5062, 5060), true},
		{"ipv6 other", c, 0x86dd, udp6(17, 53, 80), false},
		{"ipv6 fragment header", c, 0x86dd, udp6(44, 0, 0), true},
		{"ipv6 icmp", c, 0x86dd, udp6(58, 0, 0), false},
		{"any port", all, 0x0800, udp4(53, 80, 0), true},
		{"any port icmp", all, 0x0800, append(udp4(0, 0, 0)[:9], 1), false},
	}
	for _, tt := range tests {
		if got := runFilter(t, tt.cfg, tt.et, tt.pkt); got != tt.want {
			t.Errorf("%s: filter(%x) = %v, want %v", tt.name, tt.pkt, got, tt.want)
		}
	}
	if _, err := c.Filter(); err != nil {
		t.Errorf("Filter() = %v", err)
	}
	big := c
	big.Ports = make([]uint16, 100)
	for i := range big.Ports {
		big.Ports[i] = uint16(5000 + i)
	}
	big.PortRanges = [][2]uint16{{10000, 20000}, {30000, 40000}}
	if _, err := big.Filter(); err != nil {
		t.Errorf("Filter(100 ports) = %v", err)
	}
	if !runFilter(t, big, 0x0800, udp4(1, 5099, 0)) || runFilter(t, big, 0x0800, udp4(1, 5100, 0)) {
		t.Errorf("Filter(100 ports) misjudges ports 5099 / 5100")
	}
}

// TestLiveFilterCorpus: on every packet of the committed corpus, the
// filter keeps the ones whose payloads the default capture needs.
func TestLiveFilterCorpus(t *testing.T) {
	c := DefaultLiveConfig()
	for _, name := range []string{"sip-basic.pcap", "isup-calls.pcap", "gtp-volte.pcap", "sip-lf-vlan.pcap"} {
		f, err := os.Open(repoPcap(t, name))
		if err != nil {
			t.Fatal(err)
		}
		r, err := pcapgo.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		if r.LinkType() != layers.LinkTypeEthernet {
			f.Close()
			continue
		}
		kept, n := 0, 0
		for {
			data, _, err := r.ReadPacketData()
			if err != nil {
				break
			}
			n++
			pkt, et := ipPacket(data)
			if runFilter(t, c, et, pkt) {
				kept++
			}
		}
		f.Close()
		if kept != n {
			t.Errorf("%s: filter keeps %d of %d packets, want all (SIP, RTP, M3UA, GTP)", name, kept, n)
		}
	}
}

// payloadFlowKeys are the payloads without times or frame numbers, sorted:
// with several fanout sockets the arrival order between flows is not
// fixed.
func payloadFlowKeys(pls []Payload) []string {
	out := make([]string, len(pls))
	for i, p := range pls {
		out[i] = fmt.Sprintf("%v %v>%v ppid=%d %q", p.Transport, p.Src, p.Dst, p.PPID, p.Data)
	}
	slices.Sort(out)
	return out
}

// vethPair creates a veth pair with one end in a new network namespace and
// returns the host end's name and a command prefix running in the
// namespace.
func vethPair(t *testing.T) (host string, inNS []string) {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		requirePeers(t, "live capture test needs root on Linux (network namespace, veth)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		requirePeers(t, "ip (iproute2) not found")
	}
	id := os.Getpid() % 100000
	ns := fmt.Sprintf("cslive%d", id)
	host, peer := fmt.Sprintf("csl%da", id), fmt.Sprintf("csl%db", id)
	run := func(args ...string) error {
		out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	exec.Command("ip", "netns", "del", ns).Run()
	exec.Command("ip", "link", "del", host).Run()
	steps := [][]string{
		{"ip", "netns", "add", ns},
		{"ip", "link", "add", host, "mtu", "9000", "type", "veth", "peer", "name", peer, "mtu", "9000"},
		{"ip", "link", "set", peer, "netns", ns},
		{"sysctl", "-q", "-w", "net.ipv6.conf." + host + ".disable_ipv6=1"},
		{"ip", "link", "set", host, "up"},
		{"ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf." + peer + ".disable_ipv6=1"},
		{"ip", "netns", "exec", ns, "ip", "link", "set", peer, "up"},
	}
	t.Cleanup(func() {
		exec.Command("ip", "link", "del", host).Run()
		exec.Command("ip", "netns", "del", ns).Run()
	})
	for _, s := range steps {
		if err := run(s...); err != nil {
			if s[0] == "sysctl" {
				continue // no IPv6 in this kernel: nothing to silence
			}
			requirePeers(t, "cannot make a veth pair in a namespace: %v", err)
		}
	}
	return host, []string{"ip", "netns", "exec", ns, "env", "PEER=" + peer}
}

// TestLiveVeth pushes committed captures through a veth pair with
// tcpreplay while OpenLive captures the other end: the payloads are those
// the file reader gives.
func TestLiveVeth(t *testing.T) {
	tcpreplay, err := exec.LookPath("tcpreplay")
	if err != nil {
		requirePeers(t, "tcpreplay not found (Debian package tcpreplay; make live-deps)")
	}
	host, inNS := vethPair(t)
	peer := strings.TrimPrefix(inNS[len(inNS)-1], "PEER=")
	for _, name := range []string{"sip-basic.pcap", "isup-calls.pcap", "sip-lf-vlan.pcap"} {
		t.Run(name, func(t *testing.T) {
			pcap := repoPcap(t, name)
			want := filePayloads(t, pcap)
			for _, sockets := range []int{1, 2} {
				cfg := DefaultLiveConfig()
				cfg.Sockets = sockets
				cfg.Promiscuous = true
				l, err := OpenLive(host, cfg)
				if err != nil {
					t.Fatalf("OpenLive(%s): %v", host, err)
				}
				var c collector
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- l.Run(ctx, c.add, nil) }()
				time.Sleep(50 * time.Millisecond)
				cmd := exec.Command(inNS[0], append(inNS[1:len(inNS)-1], tcpreplay, "-q", "--topspeed", "-i", peer, pcap)...)
				start := time.Now()
				if out, err := cmd.CombinedOutput(); err != nil {
					cancel()
					<-done
					t.Fatalf("%s: %v\n%s", cmd, err, out)
				}
				c.wait(t, len(want), 5*time.Second)
				elapsed := time.Since(start)
				time.Sleep(100 * time.Millisecond)
				st := l.Stats()
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run: %v", err)
				}
				if d := cmp.Diff(payloadFlowKeys(want), payloadFlowKeys(c.pls)); d != "" {
					t.Errorf("%d sockets: live payloads (-file +live):\n%s", sockets, d)
				}
				if sockets == 1 {
					for i := 1; i < len(c.pls); i++ {
						if c.pls[i].Frame <= c.pls[i-1].Frame || c.pls[i].Time.Before(c.pls[i-1].Time) {
							t.Errorf("payload %d: frame %d at %v after frame %d at %v", i, c.pls[i].Frame, c.pls[i].Time, c.pls[i-1].Frame, c.pls[i-1].Time)
							break
						}
					}
				}
				t.Logf("%d sockets: %d payloads in %v; kernel packets %d drops %d freezes %d; decoded packets %d errors %v",
					sockets, len(c.pls), elapsed, st.KernelPackets, st.KernelDrops, st.QueueFreezes, st.Decode.Packets, st.Decode.Errors)
			}
		})
	}
}

func TestOpenLiveErrors(t *testing.T) {
	cfg := DefaultLiveConfig()
	cfg.Sockets = 0
	if _, err := OpenLive("lo", cfg); err == nil {
		t.Error("OpenLive with 0 sockets: no error")
	}
	if runtime.GOOS != "linux" {
		if _, err := OpenLive("lo", DefaultLiveConfig()); !errors.Is(err, ErrUnsupported) {
			t.Errorf("OpenLive off Linux = %v, want ErrUnsupported", err)
		}
		return
	}
	if _, err := OpenLive("no-such-if0", DefaultLiveConfig()); err == nil {
		t.Error("OpenLive(no-such-if0): no error")
	}
}
