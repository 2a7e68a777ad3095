package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/callsight/callsight/analytics"
)

// cmdSchema prints the analytics DDL for a server version, optionally for
// a cluster.
func cmdSchema(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("schema", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cluster := fs.String("cluster", "", "write ON CLUSTER DDL with Replicated tables and Distributed tables over them")
	server := fs.String("server-version", "", "target server version, e.g. 18.16 (default: a current release, every feature)")
	ttl := fs.Int("ttl-days", 0, "expire rows older than this many days (0: keep forever)")
	database := fs.String("database", "", "qualify the tables with this database (needed with --cluster outside the default database: each host runs ON CLUSTER DDL in its default one)")
	fs.String("config", "", "JSON file of flag values")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	o := analytics.SchemaOptions{Features: analytics.Modern, Cluster: *cluster, TTLDays: *ttl, Database: *database}
	if *server != "" {
		v, err := analytics.ParseVersion(*server)
		if err != nil {
			return usageError{err}
		}
		o.Features = analytics.FeaturesFor(v)
	}
	stmts, err := analytics.Schema(o)
	if err != nil {
		return usageError{err}
	}
	for _, s := range stmts {
		fmt.Fprintf(stdout, "%s;\n\n", s)
	}
	return nil
}
