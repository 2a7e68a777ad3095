package analytics

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// zooKeeperJar is Debian's ZooKeeper (package zookeeper); its manifest
// names the jars it needs.
const zooKeeperJar = "/usr/share/java/zookeeper.jar"

// startZooKeeper runs a standalone ZooKeeper on a free port with a
// temporary data directory, for the replicated tables and the ON CLUSTER
// DDL queue of 18.16 (which has no Keeper of its own).
func startZooKeeper(t *testing.T) int {
	t.Helper()
	java, err := exec.LookPath("java")
	if _, serr := os.Stat(zooKeeperJar); err != nil || serr != nil {
		requireOrSkip(t, "ZooKeeper not installed (Debian packages zookeeper and a Java runtime)")
	}
	port, dir := freePort(t), t.TempDir()
	cmd := exec.Command(java, "-Xmx256m", "-Dzookeeper.admin.enableServer=false", "-cp", zooKeeperJar,
		"org.apache.zookeeper.server.ZooKeeperServerMain", strconv.Itoa(port), dir)
	cmd.Dir = dir
	log, err := os.Create(filepath.Join(dir, "zookeeper.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		log.Close()
	})
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond); err == nil {
			c.Close()
			return port
		}
	}
	out, _ := os.ReadFile(log.Name())
	t.Fatalf("ZooKeeper did not listen on %d: %s", port, out)
	return 0
}

// clusterXML is the config of one replica of the one-shard, two-replica
// cluster callsight_test.
func clusterXML(zk, p1, p2 int, replica string, interserver int) string {
	return fmt.Sprintf(`
    <zookeeper><node><host>127.0.0.1</host><port>%d</port></node></zookeeper>
    <remote_servers><callsight_test><shard><internal_replication>true</internal_replication>
        <replica><host>127.0.0.1</host><port>%d</port></replica>
        <replica><host>127.0.0.1</host><port>%d</port></replica>
    </shard></callsight_test></remote_servers>
    <macros><shard>1</shard><replica>%s</replica></macros>
    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <interserver_http_port>%d</interserver_http_port>
`, zk, p1, p2, replica, interserver)
}

// TestClusterSchema: the ON CLUSTER schema (`callsight schema --cluster`,
// Config.Cluster) on a real cluster of two 18.16 replicas of one shard
// coordinated by ZooKeeper. A writer on the first creates the database
// and tables on both (the distributed DDL queue), writes the corpus
// through the Distributed tables, and the second replica holds every
// call, leg and event too (replication); the tables read through either
// replica hold what the JSONL says, and every report agrees on both.
func TestClusterSchema(t *testing.T) {
	zk := startZooKeeper(t)
	p1, p2 := freePort(t), freePort(t)
	s1 := startClickHouseOn(t, p1, clusterXML(zk, p1, p2, "r1", freePort(t)))
	s2 := startClickHouseOn(t, p2, clusterXML(zk, p1, p2, "r2", freePort(t)))
	calls, events := loadCorpus(t)
	cfg := testConfig(t)
	cfg.Cluster = "callsight_test"
	st := writeAll(t, s1.dsn("clu"), cfg, calls, events)
	if st.InsertedCalls != int64(len(calls)) || st.DroppedRows != 0 || st.SpooledRows != 0 {
		t.Fatalf("stats %+v, want %d calls inserted, none spooled or dropped", st, len(calls))
	}
	// Inserts into a Distributed table reach the shard in the background,
	// and the other replica fetches the parts: wait for both.
	want := strconv.Itoa(len(calls))
	for _, s := range []*chServer{s1, s2} {
		if got := poll(t, s.dsn("clu"), "SELECT count() FROM calls_local FINAL", want, 90*time.Second); got != want {
			t.Fatalf("replica on %d: %s calls in calls_local, want %s", s.port, got, want)
		}
	}
	for _, s := range []*chServer{s1, s2} {
		for q, want := range map[string]string{
			"SELECT count() FROM legs_local FINAL":             strconv.Itoa(legCount(calls)),
			"SELECT count() FROM signaling_events_local FINAL": strconv.Itoa(len(events)),
		} {
			if got := poll(t, s.dsn("clu"), q, want, 60*time.Second); got != want {
				t.Errorf("replica on %d: %s = %s, want %s", s.port, q, got, want)
			}
		}
		checkStore(t, s.dsn("clu"), calls, events)
	}
	// What `callsight schema --cluster callsight_test --database printed
	// --server-version 18.16` prints, run statement by statement on the
	// first replica as clickhouse-client would, creates every table on
	// both.
	v, err := ParseVersion("18.16")
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := Schema(SchemaOptions{Features: FeaturesFor(v), Cluster: "callsight_test", Database: "printed"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, q := range append([]string{"CREATE DATABASE IF NOT EXISTS printed ON CLUSTER callsight_test"}, stmts...) {
		if _, err := Query(ctx, s1.dsn("default"), stripComments(q), ReportParams{}); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, s := range []*chServer{s1, s2} {
		if got, want := query1(t, s.dsn("default"), "SELECT count() FROM system.tables WHERE database = 'printed'"), strconv.Itoa(2*len(Tables)+1); got != want {
			t.Errorf("replica on %d: %s tables in the printed schema's database, want %s (local, Distributed, the view)", s.port, got, want)
		}
	}
	for _, name := range Reports() {
		var tables []*Table
		for _, s := range []*chServer{s1, s2} {
			tb, err := Report(context.Background(), s.dsn("clu"), name, ReportParams{})
			if err != nil {
				t.Fatalf("report %s on %d: %v", name, s.port, err)
			}
			tables = append(tables, tb)
		}
		if d := cmp.Diff(tables[0], tables[1]); d != "" {
			t.Errorf("report %s: the replicas differ (-first +second):\n%s", name, d)
		}
		if len(tables[0].Rows) == 0 {
			t.Errorf("report %s: no rows from the corpus", name)
		}
	}
}

// poll runs q until it gives want or d has passed, and returns its last
// value.
func poll(t *testing.T, spec, q, want string, d time.Duration) string {
	t.Helper()
	got := ""
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if got = query1(t, spec, q); got == want {
			break
		}
	}
	return got
}
