package analytics

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/callsight/callsight/outcome"
)

// server is a ClickHouse server reached through clickhouse-go's native
// protocol.
type server struct {
	conn driver.Conn
	db   string
	ver  Version
	feat Features
}

const callColumns = `call_id, tenant, campaign, calling, called, start_time, alert_time, answer_time, end_time,
outcome, q850, sip_status, pdd_ms, duration_ms, released_by, cause_name, cause_class, cause_location,
cause_source, mapping_profile, isup_cause, sipi_cause, reason_cause, causes_value, causes_source,
leg_kinds, opc, dpc, cic, ni, trunk, codec, media_packets, media_loss_pct, media_jitter_ms,
amd_class, amd_confidence, beep_end_ms, decided_ms, evidence_at, evidence_source, evidence_what`

const legColumns = `call_id, start_time, leg, kind, sip_call_id, opc, dpc, cic, ni, media_side, media_addr, media_type, media_codec`

const eventColumns = `ts, file, frame, proto, type, code, method, status, cseq_method, call_id, opc, dpc, cic, cic_range, cause, network, carrier, reasons`

const netEventColumns = `ts, file, frame, proto, type, opc, dpc, cic, cic_range, cause`

// openServer connects to the server named by a clickhouse:// DSN, creates
// the database when missing and reads the server's version.
func openServer(ctx context.Context, dsn string, cfg Config) (*server, error) {
	opt, err := clickhouse.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("analytics: store %s: %w", Redact(dsn), err)
	}
	db := opt.Auth.Database
	if db == "" {
		db = "default"
	}
	if !identRE.MatchString(db) {
		return nil, fmt.Errorf("analytics: database name %q: want letters, digits and _", db)
	}
	if opt.DialTimeout == 0 || opt.DialTimeout > cfg.DialTimeout {
		opt.DialTimeout = cfg.DialTimeout
	}
	opt.ReadTimeout = cfg.QueryTimeout
	opt.MaxOpenConns = cfg.Concurrency + 2
	opt.Auth.Database = "default"
	c, err := clickhouse.Open(opt)
	if err != nil {
		return nil, fmt.Errorf("analytics: store %s: %w", Redact(dsn), err)
	}
	create := "CREATE DATABASE IF NOT EXISTS " + db
	if cfg.Cluster != "" {
		// On every host of the cluster, before the ON CLUSTER tables in it.
		create += " ON CLUSTER " + cfg.Cluster
	}
	if err := c.Exec(ctx, create); err != nil {
		c.Close()
		return nil, fmt.Errorf("analytics: store %s: %w", Redact(dsn), err)
	}
	c.Close()
	opt.Auth.Database = db
	if c, err = clickhouse.Open(opt); err != nil {
		return nil, fmt.Errorf("analytics: store %s: %w", Redact(dsn), err)
	}
	s := &server{conn: c, db: db}
	var v string
	if err := c.QueryRow(ctx, "SELECT version()").Scan(&v); err != nil {
		c.Close()
		return nil, fmt.Errorf("analytics: store %s: %w", Redact(dsn), err)
	}
	if s.ver, err = ParseVersion(v); err != nil {
		c.Close()
		return nil, err
	}
	if !s.ver.AtLeast(18, 14) {
		c.Close()
		return nil, fmt.Errorf("analytics: server %s is older than 18.14: %w", s.ver, ErrUnsupported)
	}
	s.feat = FeaturesFor(s.ver)
	return s, nil
}

// Redact hides the password of a store spec (a DSN) for messages and logs.
func Redact(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	p := strings.Index(dsn, "://")
	if at < 0 || p < 0 || at < p {
		return dsn
	}
	userinfo := dsn[p+3 : at]
	if u, _, ok := strings.Cut(userinfo, ":"); ok {
		return dsn[:p+3] + u + ":***" + dsn[at:]
	}
	return dsn
}

func (s *server) features() Features { return s.feat }
func (s *server) version() Version   { return s.ver }

func (s *server) exec(ctx context.Context, q string) error {
	return s.conn.Exec(ctx, stripComments(q))
}

func (s *server) close() error { return s.conn.Close() }

// query runs q and renders every value as ClickHouse's text formats do, so
// the server and chDB give the same strings.
func (s *server) query(ctx context.Context, q string) (*Table, error) {
	rows, err := s.conn.Query(ctx, stripComments(q))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	t := &Table{Columns: rows.Columns()}
	types := rows.ColumnTypes()
	for rows.Next() {
		vals := make([]any, len(types))
		for i, ct := range types {
			vals[i] = newScanTarget(ct.ScanType())
		}
		if err := rows.Scan(vals...); err != nil {
			return nil, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = formatValue(v)
		}
		t.Rows = append(t.Rows, row)
	}
	return t, rows.Err()
}

func tptr(t *outcome.Time) *time.Time {
	if t == nil {
		return nil
	}
	return &t.Time
}

func newScanTarget(t reflect.Type) any { return reflect.New(t).Interface() }

// deref follows pointers to the value; nil for a NULL.
func deref(v any) any {
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	return rv.Interface()
}

func strs(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// formatValue renders a scanned value as ClickHouse's TabSeparated format
// would, with NULL as the empty string.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case *string:
		return *x
	case *float64:
		return strconv.FormatFloat(*x, 'f', -1, 64)
	case *float32:
		return strconv.FormatFloat(float64(*x), 'f', -1, 32)
	case *time.Time:
		return x.UTC().Format("2006-01-02 15:04:05")
	}
	rv := deref(v)
	if rv == nil {
		return ""
	}
	switch y := rv.(type) {
	case float64:
		return strconv.FormatFloat(y, 'f', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(y), 'f', -1, 32)
	case time.Time:
		return y.UTC().Format("2006-01-02 15:04:05")
	case string:
		return y
	}
	return fmt.Sprint(rv)
}
