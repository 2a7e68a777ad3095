package analytics

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"text/template"
)

//go:embed sql/schema/*.sql sql/reports/*.sql
var sqlFiles embed.FS

// ErrUnsupported is returned for a server too old for the schema or an
// option it cannot honour.
var ErrUnsupported = errors.New("analytics: unsupported")

// Version is a ClickHouse server version, such as 18.16.1 or 25.8.2.
type Version struct{ Major, Minor, Patch int }

// ParseVersion parses the output of SELECT version().
func ParseVersion(s string) (Version, error) {
	var v Version
	parts := strings.SplitN(strings.TrimSpace(s), ".", 4)
	if len(parts) < 2 {
		return v, fmt.Errorf("analytics: version %q: %w", s, ErrUnsupported)
	}
	n := []*int{&v.Major, &v.Minor, &v.Patch}
	for i := 0; i < len(parts) && i < 3; i++ {
		x, err := strconv.Atoi(parts[i])
		if err != nil {
			return v, fmt.Errorf("analytics: version %q: %w", s, ErrUnsupported)
		}
		*n[i] = x
	}
	return v, nil
}

// AtLeast reports whether v is major.minor or later.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// String returns the version as major.minor.patch.
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// Features are the schema features a server supports.
type Features struct {
	// DateTime64 is millisecond times (20.1+); otherwise DateTime, seconds.
	DateTime64 bool
	// LowCardinality dictionary-encodes label columns (19.x+ without the
	// experimental setting).
	LowCardinality bool
	// Codecs are per-column compression codecs (19.11+).
	Codecs bool
	// TTL expires old rows (19.6+).
	TTL bool
	// CompactParts stores small parts in one file (20.3+).
	CompactParts bool
}

// FeaturesFor returns what a server of version v supports.
func FeaturesFor(v Version) Features {
	return Features{
		DateTime64:     v.AtLeast(20, 1),
		LowCardinality: v.AtLeast(19, 11),
		Codecs:         v.AtLeast(19, 11),
		TTL:            v.AtLeast(19, 11),
		CompactParts:   v.AtLeast(20, 3),
	}
}

// Modern is every feature: current servers and chDB.
var Modern = Features{DateTime64: true, LowCardinality: true, Codecs: true, TTL: true, CompactParts: true}

// SchemaOptions choose how the DDL is written.
type SchemaOptions struct {
	// Features the target server supports; the zero value is the oldest
	// supported server (18.16).
	Features Features
	// Cluster, when set, writes ON CLUSTER DDL: Replicated*MergeTree tables
	// named NAME_local and Distributed tables NAME over them.
	Cluster string
	// TTLDays expires rows older than this many days (0: keep forever).
	TTLDays int
	// Database, when set, qualifies every table name. ON CLUSTER DDL needs
	// it outside the default database: each host runs the statements in
	// its default database, where a bare name would be looked up.
	Database string
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Validate reports a cluster name that is not a plain identifier or a
// negative TTL.
func (o SchemaOptions) Validate() error {
	if o.Cluster != "" && !identRE.MatchString(o.Cluster) {
		return fmt.Errorf("analytics: cluster name %q: want letters, digits and _", o.Cluster)
	}
	if o.Database != "" && !identRE.MatchString(o.Database) {
		return fmt.Errorf("analytics: database name %q: want letters, digits and _", o.Database)
	}
	if o.TTLDays < 0 {
		return fmt.Errorf("analytics: ttl %d days: want 0 or more", o.TTLDays)
	}
	return nil
}

// Tables lists the tables the schema creates, in creation order.
var Tables = []string{"calls", "legs", "signaling_events", "network_events", "calls_hourly"}

// Schema returns the DDL statements, in order, for the given options.
func Schema(o SchemaOptions) ([]string, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	names, err := fs.Glob(sqlFiles, "sql/schema/*.sql")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	suffix := ""
	if o.Cluster != "" {
		suffix = "_local"
	}
	qual := func(name string) string {
		if o.Database == "" {
			return name
		}
		return o.Database + "." + name
	}
	funcs := template.FuncMap{
		"table": func(name string) string { return qual(name + suffix) },
		"name":  func(name string) string { return qual(name) },
		"onCluster": func() string {
			if o.Cluster == "" {
				return ""
			}
			return "ON CLUSTER " + o.Cluster
		},
		"time": func() string {
			if o.Features.DateTime64 {
				return "DateTime64(3, 'UTC')"
			}
			return "DateTime('UTC')"
		},
		"lc": func(t string) string {
			if o.Features.LowCardinality {
				return "LowCardinality(" + t + ")"
			}
			return t
		},
		"codec": func(c string) string {
			if o.Features.Codecs {
				return "CODEC(" + c + ")"
			}
			return ""
		},
		"ttl": func(col string) string {
			if o.TTLDays == 0 || !o.Features.TTL {
				return ""
			}
			return fmt.Sprintf("TTL toDateTime(%s) + INTERVAL %d DAY", col, o.TTLDays)
		},
		// settings are the table settings of the row tables. Parts of up
		// to 256 MiB (uncompressed) are compact, one file instead of two
		// per column: an insert of 100,000 calls then costs about half
		// the CPU (the server's default is 10 MiB, below one batch).
		// Merges make the larger parts reports read wide as usual.
		"settings": func() string {
			if !o.Features.CompactParts {
				return ""
			}
			return "SETTINGS min_bytes_for_wide_part = 268435456"
		},
		"engine": func(engine, table string) string {
			if o.Cluster == "" {
				return engine
			}
			zk := "callsight" // the path in ZooKeeper: one per database
			if o.Database != "" {
				zk = o.Database
			}
			return fmt.Sprintf("Replicated%s('/clickhouse/tables/{shard}/%s/%s', '{replica}')", engine, zk, table)
		},
	}
	var out []string
	for _, n := range names {
		b, err := sqlFiles.ReadFile(n)
		if err != nil {
			return nil, err
		}
		t, err := template.New(n).Funcs(funcs).Parse(string(b))
		if err != nil {
			return nil, fmt.Errorf("analytics: %s: %w", n, err)
		}
		var sb strings.Builder
		if err := t.Execute(&sb, o); err != nil {
			return nil, fmt.Errorf("analytics: %s: %w", n, err)
		}
		out = append(out, tidy(sb.String()))
	}
	if o.Cluster != "" {
		keys := map[string]string{"calls": "cityHash64(call_id)", "legs": "cityHash64(call_id)",
			"signaling_events": "cityHash64(file, frame)", "network_events": "cityHash64(opc, dpc, cic)", "calls_hourly": "rand()"}
		db := "currentDatabase()"
		if o.Database != "" {
			db = "'" + o.Database + "'"
		}
		for _, t := range Tables {
			out = append(out, fmt.Sprintf("-- %s: the cluster-wide view of %s_local on every shard.\n"+
				"CREATE TABLE IF NOT EXISTS %s ON CLUSTER %s AS %s\nENGINE = Distributed(%s, %s, %s_local, %s)",
				t, t, qual(t), o.Cluster, qual(t+"_local"), o.Cluster, db, t, keys[t]))
		}
	}
	return out, nil
}

// tidy drops trailing spaces and blank lines that empty template actions
// leave behind.
func tidy(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if l == "" {
			continue
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// stripComments removes -- comment lines, for drivers that want one bare
// statement.
func stripComments(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "--") {
			continue
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
