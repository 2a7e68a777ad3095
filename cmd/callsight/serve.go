package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/callsight/callsight/amd"
	"github.com/callsight/callsight/analytics"
	"github.com/callsight/callsight/callctl"
	"github.com/callsight/callsight/internal/capture"
	"github.com/callsight/callsight/internal/engine"
	"github.com/callsight/callsight/internal/metrics"
	"github.com/callsight/callsight/outcome"
	"github.com/callsight/callsight/signaling/cause"
	"github.com/callsight/callsight/signaling/m3ua"
	"github.com/callsight/callsight/signaling/sip"
	"github.com/callsight/callsight/signaling/sip/siprec"
)

// listFlag is a flag that may be given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// commaListFlag is a listFlag whose values may also be comma-separated,
// so that one environment variable can carry a list.
type commaListFlag []string

func (l *commaListFlag) String() string { return strings.Join(*l, ",") }
func (l *commaListFlag) Set(v string) error {
	for _, it := range strings.Split(v, ",") {
		if it = strings.TrimSpace(it); it != "" {
			*l = append(*l, it)
		}
	}
	return nil
}

// serveOptions are serve's settings after flags, config file and
// environment.
type serveOptions struct {
	listen, tlsCert, tlsKey     string
	apiKeysFile                 string
	apiKeys                     listFlag
	apiKeysPoll                 time.Duration
	webhookAllow                commaListFlag
	webhookHTTPSOnly            bool
	pcaps, follows, heps        listFlag
	hepAuthKey                  string
	hepTLSCert, hepTLSKey       string
	ifaces                      listFlag
	procs                       int
	audioWorkers, audioQueue    int
	settleAfter                 time.Duration
	tuning                      audioTuning
	greetingsFile               string
	detector                    string
	sipRec                      string
	sipRecMedia                 string
	sipRecPorts                 string
	m3uaRemote, m3uaLocal       listFlag
	m3uaRC                      int
	m3uaPC, m3uaPeerPC          int
	speed                       float64
	store                       string
	spoolDir                    string
	webhookSecret               string
	defaultTenant               string
	rateLimit                   float64
	rateBurst                   int
	maxBody                     int64
	ttl, matchWindow            time.Duration
	queue                       int
	shutdownTimeout, exitAfter  time.Duration
	mapping, logLevel, logForm  string
	noAudio                     bool
	followPoll                  time.Duration
	maxCalls, eventRing, hookQ  int
	webhookAttempts, maxStreams int
	debugListen                 string
}

// defaultAudioWorkers is one audio worker per P (GOMAXPROCS) but one,
// and at least one: with serve's default of a P more than cores, one per
// core. The workers are the only goroutines that stay busy; the P left
// over keeps the API, the sources and the engine goroutine from waiting
// behind a worker's batch (see serveProcs).
func defaultAudioWorkers(procs int) int { return max(1, procs-1) }

// startProcs is the Ps (GOMAXPROCS) the Go runtime started with: the cores
// it is given (CPU affinity, cgroup quota), or GOMAXPROCS from the
// environment.
var startProcs = runtime.GOMAXPROCS(0)

// serveProcs is the GOMAXPROCS serve runs with: --procs when given (flag
// > 0), the environment's GOMAXPROCS when set (envSet), else the cores
// plus one.
//
// With as many Ps as cores, the audio workers and the engine goroutine,
// busy in bursts, hold every P, and a query whose connection the network
// poller made ready waits on a run queue: the runtime polls the network
// only when a P runs out of work, or from its monitor thread every 10 ms.
// One P more than cores leaves a P idle most of the time, its thread
// asleep in the poller, so a request is picked up as soon as the kernel
// gives that thread a core (a thread waking from sleep gets one quickly).
// The load run on 2 cores, ten pairs alternating GOMAXPROCS 2 (one
// worker) and 3 (two): the query p99 was lower with 3 in eight, median 6.6
// against 5.0 ms, with the same CPU time (README, Figures).
func serveProcs(flagVal int, envSet bool, cores int) int {
	switch {
	case flagVal > 0:
		return flagVal
	case envSet:
		return cores
	}
	return cores + 1
}

func cmdServe(args []string, stdout, stderr io.Writer) error {
	return serveContext(context.Background(), args, stdout, stderr)
}

// serveContext is cmdServe stopping also when parent is done, so tests can
// stop a server without signalling their own process.
func serveContext(parent context.Context, args []string, stdout, stderr io.Writer) error {
	var o serveOptions
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.listen, "listen", ":8080", "address of the API (host:port)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "TLS certificate file (PEM); with --tls-key the API is served over HTTPS")
	fs.StringVar(&o.tlsKey, "tls-key", "", "TLS private key file (PEM)")
	fs.String("config", "", "settings file: YAML (flat key: value, one level of nesting, lists) or JSON; flag names are the keys")
	fs.StringVar(&o.apiKeysFile, "api-keys-file", "", "API keys, one per line: SHA256-HEX TENANT [admin] [name=NAME]")
	fs.Var(&o.apiKeys, "api-key", "one API key line as in --api-keys-file (repeatable; fixed: only the file is reloaded)")
	fs.DurationVar(&o.apiKeysPoll, "api-keys-poll", 5*time.Second, "how often --api-keys-file is checked for changes, reloaded without a restart (0: only on SIGHUP)")
	fs.Var(&o.pcaps, "pcap", "replay a capture file as live traffic, paced by --speed (repeatable)")
	fs.Var(&o.follows, "follow", "follow a growing pcap file as it is written (repeatable)")
	fs.Var(&o.heps, "hep", "receive HEP v1, v2 and v3, detected per packet (Homer agents, heplify, Kamailio, OpenSIPS, FreeSWITCH) on udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT (repeatable)")
	fs.StringVar(&o.hepAuthKey, "hep-auth-key", "", "HEP auth key every packet must carry (prefer CALLSIGHT_HEP_AUTH_KEY); HEP v1/v2 cannot carry one and are then refused; empty: none required")
	fs.StringVar(&o.hepTLSCert, "hep-tls-cert", "", "TLS certificate file (PEM) for --hep tls:HOST:PORT")
	fs.StringVar(&o.hepTLSKey, "hep-tls-key", "", "TLS private key file (PEM) for --hep tls:HOST:PORT")
	fs.IntVar(&o.procs, "procs", 0, "Ps the Go runtime schedules goroutines on (GOMAXPROCS; 0: GOMAXPROCS from the environment when set, else the cores plus one, which keeps a P free for the API)")
	fs.IntVar(&o.audioWorkers, "audio-workers", -1, "goroutines decoding and analysing RTP, each owning its calls (-1: one per P but one, at least one, which leaves a P to the API, the sources and the engine; 0: on the engine goroutine)")
	fs.IntVar(&o.audioQueue, "audio-queue", engine.DefaultConfig().AudioQueue, "RTP packets waiting for each audio worker at most (beyond: shed, counted in callsight_audio_shed_packets_total, and concealed as loss)")
	fs.StringVar(&o.detector, "amd", engine.DetectorCallsight, "audio classifier: callsight, or asterisk (Asterisk AMD()'s rules at amd.conf defaults, a baseline to compare with)")
	o.tuning.register(fs)
	fs.StringVar(&o.greetingsFile, "greetings-file", "", "keep the known greetings in this file: read at start, written every 5 minutes and at shutdown (empty: learnt afresh each start)")
	fs.DurationVar(&o.settleAfter, "settle-after", 5*time.Second, "stop a call's audio analysis this long after its verdict is final (fax, announcement, busy: at once; machine: after the beep; human: after this long, in which a beep still makes it a machine); 0: analyse until the call ends")
	fs.Var(&o.ifaces, "interface", "capture live on this interface with AF_PACKET (repeatable; needs CAP_NET_RAW): SIP 5060/5061, GTP 2123/2152, SCTP, UDP 10000-60000")
	fs.StringVar(&o.sipRec, "siprec", "", "act as a SIPREC recording server (RFC 7866) on udp:HOST:PORT or tcp:HOST:PORT")
	fs.StringVar(&o.sipRecMedia, "siprec-media", "127.0.0.1", "IP address SIPREC media is received on and announced in SDP")
	fs.StringVar(&o.sipRecPorts, "siprec-ports", "30000-39999", "UDP port range for SIPREC media")
	fs.Var(&o.m3uaRemote, "m3ua-remote", "connect as an M3UA ASP to this signalling gateway HOST:PORT (repeatable for multi-homing; needs kernel SCTP)")
	fs.Var(&o.m3uaLocal, "m3ua-local", "local address of the M3UA association HOST:PORT (repeatable)")
	fs.IntVar(&o.m3uaRC, "m3ua-routing-context", 0, "M3UA routing context to activate (0: none)")
	fs.IntVar(&o.m3uaPC, "m3ua-point-code", 0, "our point code (M3UA ASP)")
	fs.IntVar(&o.m3uaPeerPC, "m3ua-peer-point-code", 0, "the point code the M3UA traffic comes from")
	fs.Float64Var(&o.speed, "speed", 1, "pace of --pcap: 1 = capture time, 10 = ten times faster, 0 = as fast as possible")
	fs.StringVar(&o.store, "store", "embedded", "where finished calls are stored: embedded[:DIR] (chDB, ./callsight-data), clickhouse://user:pass@host:port/db, or none")
	fs.StringVar(&o.spoolDir, "spool-dir", "", spoolDirUsage)
	fs.StringVar(&o.webhookSecret, "webhook-secret", "", "HMAC-SHA256 secret that signs webhooks (prefer CALLSIGHT_WEBHOOK_SECRET); none: no webhooks")
	fs.Var(&o.webhookAllow, "webhook-allow", "webhook targets allowed besides public addresses: CIDR, address, host name, *.domain, each optionally :PORT (repeatable or comma-separated)")
	fs.BoolVar(&o.webhookHTTPSOnly, "webhook-https-only", false, "refuse http:// webhook URLs")
	fs.StringVar(&o.defaultTenant, "default-tenant", "", "tenant owning calls nobody registered (empty: only admin keys see them)")
	fs.Float64Var(&o.rateLimit, "rate-limit", 1000, "requests per second per API key (0: unlimited)")
	fs.IntVar(&o.rateBurst, "rate-burst", 2000, "burst of requests per API key")
	fs.Int64Var(&o.maxBody, "max-body", 16<<10, "largest request body in bytes")
	fs.DurationVar(&o.ttl, "ttl", time.Hour, "how long calls and registrations are kept")
	fs.DurationVar(&o.matchWindow, "match-window", 2*time.Minute, "how long after its registration a call is matched by called number")
	fs.IntVar(&o.maxCalls, "max-calls", 200000, "calls and registrations kept at most (the oldest are shed)")
	fs.IntVar(&o.eventRing, "event-ring", 65536, "events kept for Last-Event-ID resume")
	fs.IntVar(&o.maxStreams, "max-streams", 1024, "concurrent event streams")
	fs.IntVar(&o.hookQ, "webhook-queue", 10000, "webhook deliveries waiting at most (beyond: dropped and counted)")
	fs.IntVar(&o.webhookAttempts, "webhook-attempts", 6, "delivery attempts per webhook event")
	fs.IntVar(&o.queue, "queue", 65536, "payloads waiting for the engine at most (beyond: live packets are dropped and counted)")
	fs.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 10*time.Second, "how long a shutdown waits for streams and webhooks")
	fs.DurationVar(&o.exitAfter, "exit-after", 0, "exit this long after the last --pcap file ended, or after the start without --pcap (0: run until SIGINT/SIGTERM)")
	fs.DurationVar(&o.followPoll, "follow-poll", 200*time.Millisecond, "how often a followed file is checked for growth")
	fs.StringVar(&o.mapping, "sip-mapping", "rfc3398", "SIP status to Q.850 mapping: rfc3398 or q1912.5")
	fs.BoolVar(&o.noAudio, "no-audio", false, "signaling only: no RTP decoding or audio verdicts")
	fs.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&o.logForm, "log-format", "json", "log format on stderr: json or text")
	fs.StringVar(&o.debugListen, "debug-listen", "", "serve Go's profiler (net/http/pprof, /debug/pprof/) on this loopback address, apart from the API; no auth, so loopback only (empty: off)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: callsight serve [flags]")
		fmt.Fprintln(stderr, "Settings come from --config, then CALLSIGHT_<FLAG> environment variables (CALLSIGHT_WEBHOOK_SECRET...), then flags.")
		fs.PrintDefaults()
	}
	if err := parseServeFlags(fs, args, os.Environ()); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected arguments %q: captures go with --pcap or --follow", fs.Args())}
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return usageError{errors.New("--tls-cert and --tls-key go together")}
	}
	if (o.hepTLSCert == "") != (o.hepTLSKey == "") {
		return usageError{errors.New("--hep-tls-cert and --hep-tls-key go together")}
	}
	if o.speed < 0 {
		return usageError{errors.New("--speed must not be negative")}
	}
	if o.queue < 1 {
		return usageError{errors.New("--queue must be positive")}
	}
	if o.audioQueue < 1 || o.audioQueue > 1<<20 {
		return usageError{errors.New("--audio-queue must be 1-1048576 packets")}
	}
	if o.procs < 0 || o.procs > 1024 || o.audioWorkers < -1 || o.audioWorkers > 256 {
		return usageError{errors.New("--procs must be 0-1024 (0: the cores plus one), and --audio-workers -1 (one per P but one) or 0-256")}
	}
	_, envProcs := os.LookupEnv("GOMAXPROCS")
	procs := serveProcs(o.procs, envProcs, startProcs)
	if runtime.GOMAXPROCS(0) != procs {
		runtime.GOMAXPROCS(procs)
	}
	if o.audioWorkers < 0 {
		o.audioWorkers = defaultAudioWorkers(procs)
	}
	log, err := newLogger(stderr, o.logLevel, o.logForm)
	if err != nil {
		return err
	}
	storeSet := false
	fs.Visit(func(f *flag.Flag) { storeSet = storeSet || f.Name == "store" })
	writer, err := openStore(o.store, storeSet || os.Getenv("CALLSIGHT_STORE") != "", o.spoolDir, analytics.Labels{}, log, stderr)
	if err != nil {
		return err
	}
	if writer != nil {
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
			defer cancel()
			if err := writer.Close(ctx); err != nil {
				log.Error("store: flushing at shutdown", "err", err)
			}
		}()
	}
	fixedKeys, err := parseKeyLines(o.apiKeys)
	if err != nil {
		return usageError{err}
	}
	keys, err := loadKeys(o.apiKeysFile, fixedKeys)
	if err != nil {
		return usageError{err}
	}
	ecfg := engine.DefaultConfig()
	ecfg.NoAudio = o.noAudio
	// Live: decode and analyse audio on workers (defaultAudioWorkers), so
	// that the engine goroutine only dispatches and correlates.
	ecfg.AudioWorkers, ecfg.AudioQueue = o.audioWorkers, o.audioQueue
	ecfg.SettleAfter = o.settleAfter
	o.tuning.apply(&ecfg)
	switch d := strings.ToLower(o.detector); d {
	case engine.DetectorCallsight, engine.DetectorAsterisk:
		ecfg.Detector = d
	default:
		return usageError{fmt.Errorf("amd %q: want %s or %s", o.detector, engine.DetectorCallsight, engine.DetectorAsterisk)}
	}
	if err := ecfg.AMD.Validate(); err != nil {
		return usageError{err}
	}
	// A live call ends when it ends: no waiting for calls that started
	// before it (replay sorts its output by start instead).
	ecfg.Correlator.EmitWhenReady = true
	switch strings.ToLower(o.mapping) {
	case "rfc3398":
		ecfg.Correlator.Mapping = cause.RFC3398
	case "q1912.5", "q1912_5", "q.1912.5":
		ecfg.Correlator.Mapping = cause.Q1912_5
	default:
		return usageError{fmt.Errorf("sip-mapping %q: want rfc3398 or q1912.5", o.mapping)}
	}

	reg := metrics.NewRegistry()
	m := newServeMetrics(reg)
	if writer != nil { // registered before the API listens: the first scrape has them
		reg.NewGaugeFunc("callsight_store_spool_depth_bytes", "Bytes waiting in the storage spool.", func() float64 { return float64(writer.Stats().SpoolBytes) })
		reg.NewCounterFunc("callsight_store_calls_inserted_total", "Calls inserted into the store.", func() float64 { return float64(writer.Stats().InsertedCalls) })
		reg.NewCounterFunc("callsight_store_insert_failures_total", "Failed inserts (each spooled and retried).", func() float64 { return float64(writer.Stats().Failures) })
		reg.NewCounterFunc("callsight_store_dropped_rows_total", "Rows lost: the spool was full or unwritable.", func() float64 { return float64(writer.Stats().DroppedRows) })
	}
	ready := &atomic.Bool{}
	ccfg := callctl.DefaultConfig()
	ccfg.Keys = keys
	ccfg.DefaultTenant = o.defaultTenant
	ccfg.RateLimit, ccfg.RateBurst = o.rateLimit, o.rateBurst
	ccfg.MaxBodyBytes = o.maxBody
	ccfg.TTL, ccfg.MatchWindow = o.ttl, o.matchWindow
	ccfg.MaxCalls, ccfg.EventRing, ccfg.MaxSubscribers = o.maxCalls, o.eventRing, o.maxStreams
	ccfg.WebhookSecret, ccfg.WebhookQueue, ccfg.WebhookAttempts = o.webhookSecret, o.hookQ, o.webhookAttempts
	ccfg.WebhookAllow, ccfg.WebhookHTTPSOnly = o.webhookAllow, o.webhookHTTPSOnly
	ccfg.Metrics = reg
	ccfg.Ready = func() error {
		if !ready.Load() {
			return errors.New("sources not running")
		}
		return nil
	}
	ccfg.Hooks = callctl.Hooks{
		Request:       func(_ string, _ int, d time.Duration) { m.apiLatency.Observe(d.Seconds()) },
		Published:     func(_ string, d time.Duration) { m.publish.Observe(d.Seconds()) },
		WebhookFailed: func(final bool) { m.webhookFail.Inc() },
		Shed:          func(string) { m.apiShed.Inc() },
		KeysReloaded: func(_ int, err error) {
			if err != nil {
				m.reloadErrs.Inc()
				return
			}
			m.reloads.Inc()
			m.reloadTime.Set(float64(time.Now().Unix()))
		},
	}
	api, err := callctl.New(ccfg, log)
	if err != nil {
		return usageError{err}
	}
	reg.NewGaugeFunc("callsight_api_calls_tracked", "Calls and registrations the API keeps.", func() float64 { return float64(api.Stats().Calls) })
	reg.NewGaugeFunc("callsight_api_streams_open", "Open event streams.", func() float64 { return float64(api.Stats().Subscribers) })
	reg.NewGaugeFunc("callsight_webhook_queue_depth", "Webhook deliveries waiting.", func() float64 { return float64(api.Stats().WebhookQueue) })
	reg.NewCounterFunc("callsight_webhook_sent_total", "Webhook deliveries acknowledged.", func() float64 { return float64(api.Stats().WebhookSent) })
	reg.NewCounterFunc("callsight_webhook_refused_total", "Webhook deliveries given up because the target resolved to a forbidden address.",
		func() float64 { return float64(api.Stats().WebhookRefused) })
	reg.NewGaugeFunc("callsight_api_keys", "API keys in use.", func() float64 { return float64(len(api.Keys())) })
	m.reloadTime.Set(float64(time.Now().Unix()))

	// Live sources bind before anything starts, so that a port in use
	// stops the start with a clear message.
	hcfg := capture.DefaultHEPConfig()
	hcfg.AuthKey = o.hepAuthKey
	hcfg.Now = time.Now // HEP v1 has no capture time: stamped on arrival
	if o.hepTLSCert != "" {
		cert, err := tls.LoadX509KeyPair(o.hepTLSCert, o.hepTLSKey)
		if err != nil {
			return usageError{fmt.Errorf("hep tls: %w", err)}
		}
		hcfg.TLS = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	var heps []*capture.HEPListener
	hepsStarted := false
	defer func() {
		if hepsStarted {
			return
		}
		// HEPListener has no Close: Run with a done context closes it.
		done, cancel := context.WithCancel(context.Background())
		cancel()
		for _, l := range heps {
			_ = l.Run(done, func(*capture.Payload) {})
		}
	}()
	for _, spec := range o.heps {
		network, addr, ok := strings.Cut(spec, ":")
		if !ok {
			return usageError{fmt.Errorf("hep %q: want udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT", spec)}
		}
		if strings.HasPrefix(network, "tls") && hcfg.TLS == nil {
			return usageError{fmt.Errorf("hep %q: tls needs --hep-tls-cert and --hep-tls-key", spec)}
		}
		l, err := capture.ListenHEP(network, addr, hcfg)
		if err != nil {
			return fmt.Errorf("hep %s: %w", spec, err)
		}
		heps = append(heps, l)
		fmt.Fprintf(stdout, "callsight serve: HEP on %s://%s\n", network, l.Addr())
		log.Info("hep listening", "network", network, "addr", l.Addr().String())
	}

	var tlsCfg *tls.Config
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return usageError{fmt.Errorf("tls: %w", err)}
		}
		tlsCfg = &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if o.debugListen != "" {
		dln, err := listenDebug(o.debugListen)
		if err != nil {
			ln.Close()
			return err
		}
		dsrv := &http.Server{Handler: debugHandler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = dsrv.Serve(dln) }()
		defer dsrv.Close()
		fmt.Fprintf(stdout, "callsight serve: debug on http://%s/debug/pprof/\n", dln.Addr())
		log.Info("debug listening", "addr", dln.Addr().String())
	}
	scheme := "http"
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
		scheme = "https"
	}
	srv := &http.Server{Handler: api.Handler(), ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "callsight serve: listening on %s://%s\n", scheme, ln.Addr())
	log.Info("listening", "addr", ln.Addr().String(), "tls", tlsCfg != nil, "keys", len(keys),
		"procs", runtime.GOMAXPROCS(0), "audio_workers", o.audioWorkers)

	ctx, stop := signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	defer stop()
	// API keys are reloaded from --api-keys-file when it changes and on
	// SIGHUP, without a restart; a file that does not load keeps the keys
	// in use (logged, callsight_config_reload_errors_total).
	keysReloader := callctl.NewKeyReloader(api, o.apiKeysFile, fixedKeys)
	reloadCtx, stopReload := context.WithCancel(ctx)
	var reloadWG sync.WaitGroup
	defer func() { stopReload(); reloadWG.Wait() }()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	reloadWG.Add(2)
	go func() { defer reloadWG.Done(); keysReloader.Run(reloadCtx, o.apiKeysPoll) }()
	go func() {
		defer reloadWG.Done()
		for {
			select {
			case <-hup:
				log.Info("SIGHUP: reloading API keys")
				_ = keysReloader.Reload() // logged and counted by the reloader
			case <-reloadCtx.Done():
				return
			}
		}
	}()
	srcCtx, stopSources := context.WithCancel(ctx)
	defer stopSources()

	pl, err := newPipeline(ecfg, log, o, m, api)
	if err != nil {
		return err
	}
	if writer != nil {
		pl.store = writer
	}
	reg.NewGaugeFunc("callsight_engine_queue_depth_payloads", "Payloads waiting for the engine.", func() float64 { return float64(pl.queued.Load()) })
	if g := pl.eng.Greetings(); g != nil {
		reg.NewGaugeFunc("callsight_amd_known_greetings", "Voicemail greetings known (heard to their beep).", func() float64 { return float64(g.Len()) })
		if o.greetingsFile != "" {
			loadGreetings(g, o.greetingsFile, log)
			defer saveGreetings(g, o.greetingsFile, log) // after the engine drained (deferred before it)
			go func() {
				t := time.NewTicker(5 * time.Minute)
				defer t.Stop()
				for {
					select {
					case <-ctx.Done():
						return
					case <-t.C:
						saveGreetings(g, o.greetingsFile, log)
					}
				}
			}()
		}
	}
	reg.NewCounterFunc("callsight_audio_shed_packets_total", "RTP packets shed because an audio worker's queue was full (--audio-queue); the streams conceal them as loss.",
		func() float64 { return float64(pl.eng.AudioShedPackets()) })
	reg.NewCounterFunc("callsight_audio_settled_total", "Calls whose audio analysis stopped once their verdict was final (--settle-after).",
		func() float64 { return float64(pl.eng.SettledCalls()) })
	engineDone := make(chan struct{})
	go func() { pl.run(); close(engineDone) }()

	var sources sync.WaitGroup
	var files sync.WaitGroup
	for _, path := range o.pcaps {
		sources.Add(1)
		files.Add(1)
		go func() {
			defer sources.Done()
			defer files.Done()
			if err := pl.replayFile(srcCtx, path, o.speed); err != nil {
				log.Error("pcap", "file", path, "err", err)
			}
		}()
	}
	for _, path := range o.follows {
		sources.Add(1)
		go func() {
			defer sources.Done()
			if err := pl.followFile(srcCtx, path, o.followPoll); err != nil {
				log.Error("follow", "file", path, "err", err)
			}
		}()
	}
	// Live sources are bound first (a failure stops the start with a clear
	// message), then run in sources until srcCtx is done, handing each
	// payload to pl.offer(p, false), which copies it and drops it (counted)
	// when the engine's queue is full: a flood never blocks a socket or
	// grows memory.
	var lives []*capture.Live
	for _, iface := range o.ifaces {
		lv, err := capture.OpenLive(iface, capture.DefaultLiveConfig())
		if err != nil {
			stopSources()
			return fmt.Errorf("interface %s: %w", iface, err)
		}
		sources.Add(1)
		go func() {
			defer sources.Done()
			defer lv.Close()
			if err := lv.Run(srcCtx, func(p *capture.Payload) { pl.offer(p, false) }, pl.captureError); err != nil {
				log.Error("live capture", "interface", iface, "err", err)
			}
		}()
		lives = append(lives, lv)
		log.Info("capturing", "interface", iface)
	}
	if len(lives) > 0 {
		reg.NewCounterFunc("callsight_capture_kernel_drops_total", "Packets the kernel dropped before AF_PACKET read them.", func() float64 {
			var n uint64
			for _, lv := range lives {
				n += lv.Stats().KernelDrops
			}
			return float64(n)
		})
	}
	if o.sipRec != "" {
		if err := startSIPREC(srcCtx, o, pl, log, stdout, &sources); err != nil {
			stopSources()
			return err
		}
	}
	if len(o.m3uaRemote) > 0 {
		acfg := m3ua.ASPConfig{Remote: o.m3uaRemote, Local: o.m3uaLocal, PointCode: uint32(o.m3uaPC), PeerPointCode: uint32(o.m3uaPeerPC),
			NetworkIndicator: 2, Heartbeat: 30 * time.Second, DialTimeout: 10 * time.Second, TrafficMode: m3ua.TrafficLoadshare}
		if o.m3uaRC > 0 {
			acfg.RoutingContexts = []uint32{uint32(o.m3uaRC)}
		}
		asp, err := m3ua.NewASP(acfg, time.Now)
		if err != nil {
			stopSources()
			return usageError{err}
		}
		if err := m3ua.SCTPAvailable(); err != nil {
			stopSources()
			return err
		}
		sources.Add(1)
		go func() {
			defer sources.Done()
			var frame int64
			err := asp.Run(srcCtx, func(d *m3ua.ASPData) {
				frame++
				pl.offer(&capture.Payload{Frame: frame, Time: d.Time, Transport: capture.SCTP, PPID: 3, Data: d.Message}, false)
			})
			if err != nil {
				log.Error("m3ua asp", "remote", strings.Join(o.m3uaRemote, ","), "err", err)
			}
		}()
	}
	hepsStarted = true
	for i, l := range heps {
		sources.Add(1)
		go func() {
			defer sources.Done()
			if err := l.RunBatch(srcCtx, pl.offerBatch); err != nil {
				log.Error("hep", "addr", o.heps[i], "err", err)
			}
		}()
	}
	if len(heps) > 0 {
		sum := func(f func(capture.HEPStats) uint64) func() float64 {
			return func() float64 {
				var n uint64
				for _, l := range heps {
					n += f(l.Stats())
				}
				return float64(n)
			}
		}
		reg.NewCounterFunc("callsight_hep_packets_total", "HEP packets decoded.", sum(func(s capture.HEPStats) uint64 { return s.Packets }))
		reg.NewCounterFuncVec("callsight_hep_packets_by_version_total", "HEP packets decoded, by HEP version (1 and 2: the fixed header; 3: chunks).",
			"version", []string{"1", "2", "3"}, func(i int) float64 {
				return sum(func(s capture.HEPStats) uint64 { return s.ByVersion[i+1] })()
			})
		reg.NewCounterFunc("callsight_hep_errors_total", "HEP datagrams or frames that did not decode.", sum(func(s capture.HEPStats) uint64 { return s.Errors }))
		reg.NewCounterFunc("callsight_hep_auth_failures_total", "HEP packets with a wrong or missing auth key.", sum(func(s capture.HEPStats) uint64 { return s.AuthFails }))
	}
	ready.Store(true)

	if o.exitAfter > 0 {
		go func() {
			files.Wait()
			select {
			case <-time.After(o.exitAfter):
				log.Info("replay finished: exiting", "after", o.exitAfter.String())
				stopSources()
			case <-srcCtx.Done():
			}
		}()
	}
	select {
	case <-srcCtx.Done():
	case err := <-httpDone:
		stopSources()
		ready.Store(false)
		sources.Wait()
		close(pl.in)
		<-engineDone // the engine drains and closes its calls
		sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
		defer cancel()
		_ = api.Shutdown(sctx)
		return fmt.Errorf("http: %w", err)
	}

	// Graceful shutdown: sources stop, the engine drains its queue and
	// closes every open call (published to the API), streams send what was
	// published and end, webhooks are flushed, then the HTTP server closes.
	log.Info("shutting down")
	ready.Store(false)
	sources.Wait()
	close(pl.in)
	<-engineDone
	sctx, cancel := context.WithTimeout(context.Background(), o.shutdownTimeout)
	defer cancel()
	if err := api.Shutdown(sctx); err != nil {
		log.Warn("webhooks not all delivered at shutdown", "err", err)
	}
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("http shutdown", "err", err)
		srv.Close()
	}
	st := api.Stats()
	log.Info("stopped", "payloads", m.payloads.Value(), "dropped", m.drops.Value(), "calls", m.calls.Value(),
		"verdicts", m.verdicts.Value(), "audio_shed_packets", pl.eng.AudioShedPackets(), "events", st.Events, "webhooks_sent", st.WebhookSent, "webhooks_failed", st.WebhookFailed)
	return nil
}

// serveMetrics are the service's metrics. Names are
// callsight_<area>_<what>_<unit>.
type serveMetrics struct {
	payloads, drops, captureErrs, decodeErrs *metrics.Counter
	calls, verdicts, webhookFail, apiShed    *metrics.Counter
	reloads, reloadErrs                      *metrics.Counter
	active, reloadTime                       *metrics.Gauge
	verdictLatency, apiLatency, publish      *metrics.Histogram
}

func newServeMetrics(r *metrics.Registry) *serveMetrics {
	return &serveMetrics{
		payloads:       r.NewCounter("callsight_capture_payloads_total", "Payloads (UDP datagrams, TCP chunks, SCTP messages) from every source."),
		drops:          r.NewCounter("callsight_capture_drops_total", "Payloads dropped because the engine's queue was full."),
		captureErrs:    r.NewCounter("callsight_capture_decode_errors_total", "Packets the capture layer could not decode."),
		decodeErrs:     r.NewCounter("callsight_engine_decode_errors_total", "Signaling and media messages that failed to decode."),
		calls:          r.NewCounter("callsight_engine_calls_total", "Calls finished."),
		verdicts:       r.NewCounter("callsight_engine_verdicts_total", "Audio verdicts and beep ends reached."),
		webhookFail:    r.NewCounter("callsight_webhook_failures_total", "Webhook delivery attempts that failed (including dropped deliveries)."),
		apiShed:        r.NewCounter("callsight_api_shed_total", "Calls, registrations and webhooks dropped to keep memory bounded."),
		reloads:        r.NewCounter("callsight_config_reloads_total", "Successful reloads of the API keys file (on change or SIGHUP)."),
		reloadErrs:     r.NewCounter("callsight_config_reload_errors_total", "Reloads of the API keys file that failed: the keys in use were kept."),
		reloadTime:     r.NewGauge("callsight_config_last_reload_success_timestamp_seconds", "When the API keys were last loaded (start or reload), Unix time."),
		active:         r.NewGauge("callsight_engine_active_calls", "SIP calls whose INVITE was seen and that have not finished."),
		verdictLatency: r.NewHistogram("callsight_engine_verdict_latency_seconds", "From the decisive payload entering the pipeline to its verdict being published.", metrics.LatencyBuckets),
		apiLatency:     r.NewHistogram("callsight_api_request_duration_seconds", "API request latency (streams and long polls excluded).", metrics.LatencyBuckets),
		publish:        r.NewHistogram("callsight_api_publish_duration_seconds", "Time to publish one event to the API's ring, streams and webhook queue.", metrics.LatencyBuckets),
	}
}

// item is a payload copied for the engine's queue, or a batch of them.
type item struct {
	p     capture.Payload
	buf   *[]byte
	batch *payloadBatch
	enq   time.Time
	// ctl, when set, runs on the engine goroutine instead of a payload
	// (SIPREC sessions opening and closing).
	ctl func(*engine.Engine)
	// audio, when set, names the call whose directly fed RTP p carries.
	audio string
}

// payloadBatch is payloads a source delivered together, copied into one
// buffer: one queue operation, one clock read and no allocation for all of
// them.
type payloadBatch struct {
	ps  []capture.Payload
	buf []byte
}

// numbers are a SIP call's numbers as its INVITE gave them.
type numbers struct {
	called, calling string
	at              time.Time
}

// pipeline runs the engine in one goroutine fed by a bounded queue: the
// engine is not safe for concurrent use, and every source only copies its
// payloads into the queue.
type pipeline struct {
	eng   *engine.Engine
	log   *slog.Logger
	m     *serveMetrics
	sink  callctl.Sink
	store *analytics.Writer
	in    chan item
	pool  sync.Pool
	bpool sync.Pool // of *payloadBatch
	// queued counts the payloads in the queue (a batch counts its
	// payloads); --queue bounds it.
	queued atomic.Int64
	limit  int64

	// Owned by the engine goroutine.
	cur      atomic.Int64 // when the payload being processed was queued, unix ns (read by audio workers)
	sipm     sip.Message
	nums     map[string]numbers // Call-ID -> numbers, for verdicts
	sweep    time.Time
	lastCap  time.Time
	lastWall time.Time
	speed    float64
	errs     uint64

	logged atomic.Int64
}

func newPipeline(cfg engine.Config, log *slog.Logger, o serveOptions, m *serveMetrics, sink callctl.Sink) (*pipeline, error) {
	pl := &pipeline{log: log, m: m, sink: sink, in: make(chan item, o.queue), nums: map[string]numbers{}, speed: max(o.speed, 1),
		limit: int64(o.queue)}
	pl.pool.New = func() any { b := make([]byte, 0, 2048); return &b }
	pl.bpool.New = func() any { return &payloadBatch{} }
	cfg.OnVerdict = pl.verdict
	eng, err := engine.New(cfg, log, nil, pl.call)
	if err != nil {
		return nil, err
	}
	pl.eng = eng
	return pl, nil
}

// offer copies p into the engine's queue. With block false (live sources)
// a full queue drops the payload and counts it; files block instead.
func (pl *pipeline) offer(p *capture.Payload, block bool) {
	bp := pl.pool.Get().(*[]byte)
	*bp = append((*bp)[:0], p.Data...)
	it := item{p: *p, buf: bp, enq: time.Now()}
	it.p.Data = *bp
	pl.m.payloads.Inc()
	if block {
		pl.queued.Add(1)
		pl.in <- it
		return
	}
	pl.tryQueue(it)
}

// tryQueue queues one payload's item unless --queue payloads wait already
// or the channel is full; a dropped item is counted and its buffer reused.
func (pl *pipeline) tryQueue(it item) {
	if pl.queued.Load() < pl.limit {
		pl.queued.Add(1)
		select {
		case pl.in <- it:
			return
		default:
			pl.queued.Add(-1)
		}
	}
	pl.m.drops.Inc()
	pl.pool.Put(it.buf)
}

// offerBatch copies a live source's batch into the engine's queue as one
// item; when the queue holds --queue payloads already, the batch is
// dropped and its payloads counted.
func (pl *pipeline) offerBatch(ps []capture.Payload) {
	n := int64(len(ps))
	if n == 0 {
		return
	}
	pl.m.payloads.Add(uint64(n))
	if pl.queued.Load()+n > pl.limit {
		pl.m.drops.Add(uint64(n))
		return
	}
	b := pl.bpool.Get().(*payloadBatch)
	size := 0
	for i := range ps {
		size += len(ps[i].Data)
	}
	if cap(b.buf) < size {
		b.buf = make([]byte, 0, size+size/4)
	}
	buf := b.buf[:0]
	for i := range ps {
		p := ps[i]
		off := len(buf)
		buf = append(buf, p.Data...)
		p.Data = buf[off:len(buf):len(buf)]
		b.ps = append(b.ps, p)
	}
	b.buf = buf
	pl.queued.Add(n)
	select {
	case pl.in <- item{batch: b, enq: time.Now()}:
	default:
		pl.queued.Add(-n)
		pl.m.drops.Add(uint64(n))
		pl.putBatch(b)
	}
}

func (pl *pipeline) putBatch(b *payloadBatch) {
	clear(b.ps)
	b.ps, b.buf = b.ps[:0], b.buf[:0]
	pl.bpool.Put(b)
}

// run is the engine goroutine. It ends when pl.in is closed, after
// closing every open call.
func (pl *pipeline) run() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case it, ok := <-pl.in:
			if !ok {
				pl.cur.Store(time.Now().UnixNano())
				pl.eng.Finish()
				pl.stats()
				return
			}
			pl.cur.Store(it.enq.UnixNano())
			switch {
			case it.ctl != nil:
				it.ctl(pl.eng)
				continue
			case it.batch != nil:
				ps := it.batch.ps
				for i := range ps {
					pl.peekSIP(&ps[i])
					pl.eng.Payload(&ps[i])
				}
				pl.eng.FlushAudio()
				pl.queued.Add(-int64(len(ps)))
				pl.lastCap, pl.lastWall = ps[len(ps)-1].Time, it.enq
				pl.putBatch(it.batch)
				if len(pl.in) > 0 {
					// With a backlog this goroutine would keep its P until
					// the scheduler preempts it (10 ms): yield between
					// batches so API handlers get in.
					runtime.Gosched()
				}
				continue
			case it.audio != "":
				pl.eng.AudioPacket(it.audio, it.p.Time, it.p.Data)
			default:
				pl.peekSIP(&it.p)
				pl.eng.Payload(&it.p)
			}
			pl.eng.FlushAudio()
			pl.queued.Add(-1)
			pl.lastCap, pl.lastWall = it.p.Time, it.enq
			pl.pool.Put(it.buf)
		case now := <-tick.C:
			// Idle sources: advance the capture clock with the wall clock
			// (scaled like the replay) so that call timers still fire.
			if !pl.lastCap.IsZero() && now.Sub(pl.lastWall) > time.Second {
				pl.cur.Store(now.UnixNano())
				pl.eng.Tick(pl.lastCap.Add(time.Duration(float64(now.Sub(pl.lastWall)) * pl.speed)))
			}
			pl.stats()
		}
	}
}

// stats copies the engine's counters into the metrics. Engine goroutine.
func (pl *pipeline) stats() {
	st := pl.eng.Stats()
	var n uint64
	for _, v := range st.DecodeErrors {
		n += v
	}
	if n > pl.errs {
		pl.m.decodeErrs.Add(n - pl.errs)
		pl.errs = n
	}
	pl.m.active.Set(float64(len(pl.nums)))
}

// peekSIP remembers the numbers of each SIP INVITE so that verdicts, which
// the engine reports by Call-ID only, carry the called number the API
// matches registrations on. Engine goroutine.
func (pl *pipeline) peekSIP(p *capture.Payload) {
	if p.Time.Sub(pl.sweep) > time.Minute {
		pl.sweep = p.Time
		for id, n := range pl.nums {
			if p.Time.Sub(n.at) > time.Hour {
				delete(pl.nums, id)
			}
		}
	}
	if p.Transport == capture.SCTP || !sip.LooksLikeSIP(p.Data) || !bytes.HasPrefix(p.Data, []byte("INVITE ")) {
		return
	}
	m := &pl.sipm
	if err := m.Decode(p.Data); err != nil || m.CallID == "" || m.ToTag != "" {
		return
	}
	if _, ok := pl.nums[m.CallID]; ok || len(pl.nums) >= 1<<20 {
		return
	}
	called := m.RequestURIUser
	if called == "" {
		called = m.ToUser
	}
	pl.nums[strings.Clone(m.CallID)] = numbers{called: strings.Clone(sip.Digits(called)), calling: strings.Clone(sip.Digits(m.FromUser)), at: p.Time}
}

// verdict translates the engine's event for the API. Engine goroutine.
func (pl *pipeline) verdict(v engine.VerdictEvent) {
	// The engine gives the numbers: pl.nums belongs to the engine
	// goroutine, and with audio workers this runs on theirs.
	n := numbers{called: v.Called, calling: v.Calling}
	pl.sink.Verdict(callctl.Verdict{Kind: v.Kind, CallID: v.CallID, Called: n.called, Calling: n.calling, At: v.At,
		Answer: v.Answer, Class: v.Class, Confidence: v.Confidence, Reason: v.Reason, MS: v.MS, Provisional: v.Provisional, Revised: v.Revised})
	pl.m.verdicts.Inc()
	pl.m.verdictLatency.Observe(time.Since(time.Unix(0, pl.cur.Load())).Seconds())
}

// call publishes a finished call. Engine goroutine.
func (pl *pipeline) call(c *outcome.Call) {
	delete(pl.nums, c.CallID)
	pl.m.calls.Inc()
	pl.sink.Call(c)
	if pl.store != nil {
		if err := pl.store.WriteCall(c); err != nil && pl.logged.Add(1) <= 50 {
			pl.log.Error("store", "call_id", c.CallID, "err", err)
		}
	}
}

func (pl *pipeline) captureError(de *capture.DecodeError) {
	pl.m.captureErrs.Inc()
	if pl.logged.Add(1) <= 50 {
		pl.log.Warn("decode error", "file", de.File, "frame", de.Frame, "layer", de.Layer, "err", de.Err)
	}
}

// replayFile reads a capture file as if it were live: payloads are paced
// by their capture times divided by speed (0: as fast as the engine
// takes them).
func (pl *pipeline) replayFile(ctx context.Context, path string, speed float64) error {
	rd, err := capture.Open(path, capture.DefaultConfig())
	if err != nil {
		return err
	}
	var first time.Time
	start := time.Now()
	stopped := false
	err = rd.Run(func(p *capture.Payload) {
		if stopped {
			return
		}
		if speed > 0 {
			if first.IsZero() {
				first = p.Time
			}
			due := start.Add(time.Duration(float64(p.Time.Sub(first)) / speed))
			if d := time.Until(due); d > time.Millisecond {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					stopped = true
					return
				}
			}
		}
		if ctx.Err() != nil {
			stopped = true
			return
		}
		pl.offer(p, true)
	}, pl.captureError)
	pl.log.Info("pcap replayed", "file", path, "packets", rd.Stats().Packets, "stopped_early", stopped)
	return err
}

// followFile reads a pcap file as it grows, until ctx is done.
func (pl *pipeline) followFile(ctx context.Context, path string, poll time.Duration) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	rd, err := capture.NewReader(path, &followReader{ctx: ctx, f: f, poll: poll}, capture.DefaultConfig())
	if err != nil {
		return err
	}
	return rd.Run(func(p *capture.Payload) { pl.offer(p, true) }, pl.captureError)
}

// followReader reads a file that is still being written: at its end it
// waits for more data, and reports io.EOF only when ctx is done.
type followReader struct {
	ctx  context.Context
	f    *os.File
	poll time.Duration
}

func (r *followReader) Read(p []byte) (int, error) {
	for {
		n, err := r.f.Read(p)
		if n > 0 {
			return n, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return 0, err
		}
		select {
		case <-r.ctx.Done():
			return 0, io.EOF
		case <-time.After(r.poll):
		}
	}
}

// parseKeyLines parses the --api-key lines.
func parseKeyLines(lines []string) ([]callctl.Key, error) {
	var keys []callctl.Key
	for _, l := range lines {
		k, err := callctl.ParseKey(l)
		if err != nil {
			return nil, fmt.Errorf("api key: %w", err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// loadKeys reads the API keys file and adds the fixed keys, in the order
// the reloader uses.
func loadKeys(path string, fixed []callctl.Key) ([]callctl.Key, error) {
	var keys []callctl.Key
	if path != "" {
		k, err := callctl.LoadKeyFile(path)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k...)
	}
	keys = append(keys, fixed...)
	if len(keys) == 0 {
		return nil, errors.New("no API keys: give --api-keys-file or --api-key (every endpoint but /healthz needs one)")
	}
	return keys, nil
}

// parseServeFlags applies, in order of increasing precedence, the --config
// file (YAML or JSON), CALLSIGHT_<FLAG> environment variables, and the
// command line.
func parseServeFlags(fs *flag.FlagSet, args, env []string) error {
	cfgPath := ""
	rest := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		if v, ok := strings.CutPrefix(strings.TrimLeft(a, "-"), "config="); ok && strings.HasPrefix(a, "-") {
			cfgPath = v
			continue
		}
		if (a == "--config" || a == "-config") && i+1 < len(args) {
			cfgPath = args[i+1]
			i++
			continue
		}
		rest = append(rest, a)
	}
	if cfgPath != "" {
		if err := applySettingsFile(fs, cfgPath); err != nil {
			return usageError{err}
		}
	}
	envNames := map[string]string{}
	fs.VisitAll(func(f *flag.Flag) {
		envNames["CALLSIGHT_"+strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))] = f.Name
	})
	sort.Strings(env)
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if name := envNames[k]; ok && name != "" && name != "config" {
			if err := fs.Set(name, v); err != nil {
				return usageError{fmt.Errorf("environment %s: %w", k, err)}
			}
		}
	}
	return parseFlags(fs, rest)
}

// applySettingsFile sets flags from a YAML or JSON settings file.
func applySettingsFile(fs *flag.FlagSet, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var settings []setting
	if t := bytes.TrimSpace(b); len(t) > 0 && t[0] == '{' {
		settings, err = parseJSONSettings(t)
	} else {
		settings, err = parseYAMLSettings(b)
	}
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	for _, s := range settings {
		if s.key == "config" {
			continue
		}
		if fs.Lookup(s.key) == nil {
			return fmt.Errorf("config %s: line %d: unknown setting %q", path, s.line, s.key)
		}
		if err := fs.Set(s.key, s.value); err != nil {
			return fmt.Errorf("config %s: line %d: %s: %w", path, s.line, s.key, err)
		}
	}
	return nil
}

// setting is one key: value of a settings file; a list gives one setting
// per item.
type setting struct {
	key, value string
	line       int
}

func settingKey(k string) string { return strings.ReplaceAll(strings.TrimSpace(k), "_", "-") }

func parseJSONSettings(b []byte) ([]setting, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	var out []setting
	var add func(prefix string, v any) error
	add = func(key string, v any) error {
		switch v := v.(type) {
		case string:
			out = append(out, setting{key: key, value: v})
		case bool:
			out = append(out, setting{key: key, value: strconv.FormatBool(v)})
		case float64:
			out = append(out, setting{key: key, value: strconv.FormatFloat(v, 'f', -1, 64)})
		case []any:
			for _, x := range v {
				if err := add(key, x); err != nil {
					return err
				}
			}
		case map[string]any:
			for k, x := range v {
				if err := add(key+"-"+settingKey(k), x); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("setting %q: want a string, number, boolean, list or object", key)
		}
		return nil
	}
	for k, v := range m {
		if err := add(settingKey(k), v); err != nil {
			return nil, err
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out, nil
}

// parseYAMLSettings reads the YAML subset serve needs: "key: value" lines,
// one level of nesting ("webhook:" then indented "secret: x" is the
// setting webhook-secret), and lists of scalars ("pcap:" then indented
// "- a.pcap" lines, or "[a, b]"). Comments start with #; values may be
// single- or double-quoted. Anchors, multi-line strings and deeper nesting
// are not supported and are reported as errors.
func parseYAMLSettings(b []byte) ([]setting, error) {
	var out []setting
	sc := bufio.NewScanner(bytes.NewReader(b))
	parent, parentIndent := "", -1
	n := 0
	for sc.Scan() {
		n++
		raw := strings.TrimRight(sc.Text(), " \t\r")
		line := stripComment(raw)
		if strings.TrimSpace(line) == "" || strings.TrimSpace(line) == "---" {
			continue
		}
		if strings.Contains(line, "\t") && strings.TrimLeft(line, " ") != strings.TrimLeft(line, " \t") {
			return nil, fmt.Errorf("line %d: tabs are not allowed for indentation", n)
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		body := strings.TrimSpace(line)
		if indent == 0 {
			parent, parentIndent = "", -1
		} else if parent == "" || indent <= parentIndent {
			return nil, fmt.Errorf("line %d: unexpected indentation", n)
		}
		if item, ok := strings.CutPrefix(body, "- "); ok || body == "-" {
			if parent == "" {
				return nil, fmt.Errorf("line %d: list item outside a list", n)
			}
			v, err := yamlScalar(item)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			out = append(out, setting{key: parent, value: v, line: n})
			continue
		}
		k, v, ok := strings.Cut(body, ":")
		if !ok || strings.TrimSpace(k) == "" || (v != "" && v[0] != ' ') {
			return nil, fmt.Errorf("line %d: want key: value", n)
		}
		key := settingKey(k)
		v = strings.TrimSpace(v)
		if indent > 0 {
			key = parent + "-" + key
			if v == "" {
				return nil, fmt.Errorf("line %d: nesting deeper than one level is not supported", n)
			}
		} else if v == "" {
			parent, parentIndent = key, indent
			continue
		}
		if strings.HasPrefix(v, "[") {
			items, err := yamlFlowList(v)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			for _, it := range items {
				out = append(out, setting{key: key, value: it, line: n})
			}
			continue
		}
		s, err := yamlScalar(v)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, setting{key: key, value: s, line: n})
	}
	return out, sc.Err()
}

// stripComment removes a # comment that is not inside quotes.
func stripComment(s string) string {
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0:
			if c == q {
				q = 0
			}
		case c == '"' || c == '\'':
			q = c
		case c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return s[:i]
		}
	}
	return s
}

func yamlScalar(v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		var s string
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			return "", errors.New("bad double-quoted string")
		}
		return s, nil
	}
	if len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'' {
		return strings.ReplaceAll(v[1:len(v)-1], "''", "'"), nil
	}
	if strings.ContainsAny(v[:min(1, len(v))], "&*!|>{[") {
		return "", fmt.Errorf("unsupported YAML value %q", v)
	}
	return v, nil
}

func yamlFlowList(v string) ([]string, error) {
	if !strings.HasSuffix(v, "]") {
		return nil, errors.New("unterminated [ list")
	}
	inner := strings.TrimSpace(v[1 : len(v)-1])
	if inner == "" {
		return nil, nil
	}
	var out []string
	for _, part := range strings.Split(inner, ",") {
		s, err := yamlScalar(part)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// control runs f on the engine goroutine. It waits for room in the queue:
// session events are rare and must not be lost.
func (pl *pipeline) control(f func(*engine.Engine)) {
	pl.in <- item{ctl: f, enq: time.Now()}
}

// offerAudio queues one RTP packet of a directly fed call (SIPREC), copied;
// a full queue drops it and counts it.
func (pl *pipeline) offerAudio(callID string, now time.Time, data []byte) {
	bp := pl.pool.Get().(*[]byte)
	*bp = append((*bp)[:0], data...)
	it := item{p: capture.Payload{Time: now, Transport: capture.UDP, Data: *bp}, buf: bp, enq: now, audio: callID}
	pl.m.payloads.Inc()
	pl.tryQueue(it)
}

// startSIPREC runs the SIPREC recording server: each recording session's
// callee stream is analysed as the original call's audio, and the verdict
// is published under the original call's Call-ID (or the recording's, when
// the metadata names none).
func startSIPREC(ctx context.Context, o serveOptions, pl *pipeline, log *slog.Logger, stdout io.Writer, wg *sync.WaitGroup) error {
	network, addr, ok := strings.Cut(o.sipRec, ":")
	if !ok || (network != "udp" && network != "tcp") {
		return usageError{fmt.Errorf("siprec %q: want udp:HOST:PORT or tcp:HOST:PORT", o.sipRec)}
	}
	cfg := siprec.DefaultConfig()
	ip, err := netip.ParseAddr(o.sipRecMedia)
	if err != nil {
		return usageError{fmt.Errorf("siprec-media %q: %w", o.sipRecMedia, err)}
	}
	cfg.MediaAddr = ip
	lo, hi, ok := strings.Cut(o.sipRecPorts, "-")
	pmin, err1 := strconv.Atoi(lo)
	pmax, err2 := strconv.Atoi(hi)
	if !ok || err1 != nil || err2 != nil || pmin < 1024 || pmax > 65535 || pmin >= pmax {
		return usageError{fmt.Errorf("siprec-ports %q: want LOW-HIGH within 1024-65535", o.sipRecPorts)}
	}
	cfg.PortMin, cfg.PortMax = uint16(pmin), uint16(pmax)
	cfg.Now = time.Now
	cfg.Log = log
	// The session table is shared by the server's goroutines.
	var mu sync.Mutex
	type rec struct {
		call   string
		callee int // the stream index of the callee's audio, -1 unknown
	}
	sessions := map[string]rec{}
	srv, err := siprec.New(cfg, siprec.Handler{
		OnSession: func(si *siprec.SessionInfo) {
			call := si.ID
			if len(si.OriginalCallIDs) > 0 {
				call = si.OriginalCallIDs[0]
			}
			callee := -1
			for _, st := range si.Streams {
				if st.Role == siprec.RoleCallee {
					callee = st.Index
				}
			}
			if callee < 0 && len(si.Streams) > 1 {
				callee = si.Streams[1].Index
			}
			mu.Lock()
			_, known := sessions[si.ID]
			sessions[si.ID] = rec{call: call, callee: callee}
			mu.Unlock()
			if !known {
				called, calling, at := sip.Digits(si.Callee), sip.Digits(si.Caller), si.Time
				pl.control(func(e *engine.Engine) { e.OpenAudio(call, called, calling, at) })
			}
		},
		OnEnd: func(id string, at time.Time) {
			mu.Lock()
			r, ok := sessions[id]
			delete(sessions, id)
			mu.Unlock()
			if ok {
				pl.control(func(e *engine.Engine) { e.CloseAudio(r.call, at) })
			}
		},
		OnPacket: func(p *siprec.Packet) {
			mu.Lock()
			r, ok := sessions[p.Session]
			mu.Unlock()
			if ok && p.Stream == r.callee {
				pl.offerAudio(r.call, p.Time, p.Data)
			}
		},
	})
	if err != nil {
		return usageError{err}
	}
	// Bind now, so that a port in use stops the start with a clear
	// message.
	var serve func() error
	var bound net.Addr
	if network == "tcp" {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("siprec %s: %w", o.sipRec, err)
		}
		bound = ln.Addr()
		serve = func() error { return srv.ServeTCP(ctx, ln) }
	} else {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return fmt.Errorf("siprec %s: %w", o.sipRec, err)
		}
		bound = pc.LocalAddr()
		serve = func() error { return srv.Serve(ctx, pc) }
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := serve(); err != nil && ctx.Err() == nil {
			log.Error("siprec", "addr", bound.String(), "err", err)
		}
	}()
	fmt.Fprintf(stdout, "callsight serve: SIPREC on %s://%s\n", network, bound)
	log.Info("siprec listening", "network", network, "addr", bound.String(), "media", o.sipRecMedia, "ports", o.sipRecPorts)
	return nil
}

// loadGreetings reads the known greetings saved by an earlier run. A
// missing file is a first start; a damaged one is reported and what could
// be read is kept.
func loadGreetings(g *amd.Greetings, path string, log *slog.Logger) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		log.Info("known greetings: no file yet, starting empty", "file", path)
		return
	}
	if err != nil {
		log.Error("known greetings: not read", "file", path, "err", err)
		return
	}
	defer f.Close()
	if _, err := g.ReadFrom(bufio.NewReader(f)); err != nil {
		log.Error("known greetings: file damaged", "file", path, "err", err, "kept", g.Len())
		return
	}
	log.Info("known greetings: read", "file", path, "greetings", g.Len())
}

// saveGreetings writes the known greetings to path atomically: a
// temporary file beside it, synced, then renamed over it.
func saveGreetings(g *amd.Greetings, path string, log *slog.Logger) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err == nil {
		_, err = g.WriteTo(tmp)
		if err == nil {
			err = tmp.Sync()
		}
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil {
			err = os.Rename(tmp.Name(), path)
		}
		if err != nil {
			os.Remove(tmp.Name())
		}
	}
	if err != nil {
		log.Error("known greetings: not saved", "file", path, "err", err)
		return
	}
	log.Debug("known greetings: saved", "file", path, "greetings", g.Len())
}
