// etcd-load: the etcd load generator of bench/cluster/run.sh. It drives etcd through clientv3, etcd's own Go
// client (the way etcd's `benchmark put` tool drives it), with the load of the Java load generator
// (bench/cluster/src, LoadPhase): closed-loop clients, each with its own client and so its own gRPC
// connection, kept from the first phase to the last; a warm-up of puts that is not recorded, then a put phase,
// then a phase of linearizable gets over the same key space. It appends one row per measured phase to the
// results file, in the Java load generator's format, so one table holds every system.
//
// Built in GOPATH mode from Debian's golang-etcd-server-dev sources (run.sh does it), with no module downloads.
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.etcd.io/etcd/clientv3"
)

const keyBytes = 8

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

type phase struct {
	write    bool
	length   time.Duration
	measured bool
	end      time.Time
}

// clientRun is one client's record of each phase; owned by its goroutine until the WaitGroup is done.
type clientRun struct {
	latencyMicros [][]int64
	errors        []int64
}

func main() {
	var endpoints, pids stringList
	flag.Var(&endpoints, "endpoint", "HOST:PORT of an etcd member (repeatable)")
	flag.Var(&pids, "pid", "server process whose CPU time is charged to the phases (repeatable)")
	system := flag.String("system", "etcd", "system label of the result rows")
	results := flag.String("results", "", "results file (TSV) the rows are appended to")
	clients := flag.Int("clients", 50, "closed-loop clients")
	keys := flag.Int("keys", 100000, "key space (8-digit keys)")
	valueBytes := flag.Int("value-bytes", 100, "value size")
	warmup := flag.Int("warmup-seconds", 10, "unrecorded warm-up of puts")
	writeSeconds := flag.Int("write-seconds", 20, "measured put phase")
	readSeconds := flag.Int("read-seconds", 20, "measured get phase")
	clockTicks := flag.Int64("clock-ticks-per-second", 100, "getconf CLK_TCK")
	writeStarted := flag.String("write-started", "", "file created when the measured put phase starts")
	flag.Parse()
	if len(endpoints) == 0 || *results == "" {
		fail("--endpoint HOST:PORT (at least once) and --results FILE are required")
	}
	if *clients < 1 || *keys < 1 || *keys > 100000000 || *valueBytes < 1 {
		fail(fmt.Sprintf("need clients >= 1, 1 <= keys <= 10^8, value bytes >= 1; got %d, %d, %d", *clients, *keys, *valueBytes))
	}
	phases := []*phase{
		{write: true, length: seconds(*warmup)},
		{write: true, length: seconds(*writeSeconds), measured: true},
		{write: false, length: seconds(*readSeconds), measured: true},
	}
	conns := make([]*clientv3.Client, *clients)
	for i := range conns {
		c, err := clientv3.New(clientv3.Config{Endpoints: withScheme(endpoints), DialTimeout: 10 * time.Second})
		if err != nil {
			fail("cannot connect to etcd: " + err.Error())
		}
		defer c.Close()
		conns[i] = c
	}
	runs := make([]*clientRun, *clients)
	start := make(chan struct{})
	var done sync.WaitGroup
	for i := range runs {
		runs[i] = &clientRun{latencyMicros: make([][]int64, len(phases)), errors: make([]int64, len(phases))}
		done.Add(1)
		go runClient(conns[i], runs[i], phases, rand.New(rand.NewSource(int64(i)*7919)), *keys, *valueBytes, start, &done)
	}
	begin := time.Now()
	boundary := begin
	for _, p := range phases {
		boundary = boundary.Add(p.length)
		p.end = boundary
	}
	cpuAt := []int64{cpuMicros(pids, *clockTicks)}
	close(start)
	for i, p := range phases {
		time.Sleep(time.Until(p.end))
		cpuAt = append(cpuAt, cpuMicros(pids, *clockTicks))
		if i == 0 && *writeStarted != "" {
			if err := os.WriteFile(*writeStarted, nil, 0o644); err != nil {
				fail("cannot create --write-started file: " + err.Error())
			}
		}
	}
	done.Wait()
	var rows []string
	for i, p := range phases {
		if !p.measured {
			continue
		}
		from := begin
		if i > 0 {
			from = phases[i-1].end
		}
		row := resultRow(*system, p, runs, i, p.end.Sub(from).Seconds(), cpuAt[i+1]-cpuAt[i], len(pids) > 0)
		fmt.Println(row)
		rows = append(rows, row)
	}
	f, err := os.OpenFile(*results, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		fail("cannot open results file: " + err.Error())
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(rows, "\n") + "\n"); err != nil {
		fail("cannot write results file: " + err.Error())
	}
}

// runClient sends one request at a time until the last phase ends; a request belongs to the phase in which
// it was sent.
func runClient(c *clientv3.Client, run *clientRun, phases []*phase, random *rand.Rand, keySpace, valueBytes int,
	start chan struct{}, done *sync.WaitGroup) {
	defer done.Done()
	value := make([]byte, valueBytes)
	for i := range value {
		value[i] = byte('a' + random.Intn(26))
	}
	key := make([]byte, keyBytes)
	<-start
	current := 0
	for {
		nextKey(random, keySpace, key)
		sent := time.Now()
		for current < len(phases) && !sent.Before(phases[current].end) {
			current++
		}
		if current == len(phases) {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var err error
		if phases[current].write {
			_, err = c.Put(ctx, string(key), string(value))
		} else {
			_, err = c.Get(ctx, string(key))
		}
		cancel()
		if err != nil {
			if run.errors[current] == 0 {
				fmt.Fprintf(os.Stderr, "etcd-load: first error of a client in phase %d: %v\n", current, err)
			}
			run.errors[current]++
			continue
		}
		run.latencyMicros[current] = append(run.latencyMicros[current], time.Since(sent).Microseconds())
	}
}

// resultRow is the Java load generator's row: system, source, phase, ops, errors, seconds, ops/s, p50 µs,
// p99 µs, server CPU µs per op ("-" when no server process was measured).
func resultRow(system string, p *phase, runs []*clientRun, i int, secs float64, cpu int64, cpuMeasured bool) string {
	var latencies []int64
	var errors int64
	for _, r := range runs {
		latencies = append(latencies, r.latencyMicros[i]...)
		errors += r.errors[i]
	}
	sort.Slice(latencies, func(a, b int) bool { return latencies[a] < latencies[b] })
	ops := int64(len(latencies))
	cpuPerOp := "-"
	if cpuMeasured && ops > 0 {
		cpuPerOp = fmt.Sprintf("%.1f", float64(cpu)/float64(ops))
	}
	label := "read"
	if p.write {
		label = "write"
	}
	return strings.Join([]string{system, "loadgen", label, strconv.FormatInt(ops, 10), strconv.FormatInt(errors, 10),
		fmt.Sprintf("%.2f", secs), fmt.Sprintf("%.0f", float64(ops)/secs),
		strconv.FormatInt(percentile(latencies, 50), 10), strconv.FormatInt(percentile(latencies, 99), 10), cpuPerOp}, "\t")
}

// percentile is the smallest recorded value that at least p% of the values do not exceed (as HdrHistogram's
// getValueAtPercentile), 0 for no values.
func percentile(sorted []int64, p float64) int64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(float64(len(sorted))*p/100+0.999999) - 1
	if rank < 0 {
		rank = 0
	}
	return sorted[rank]
}

func nextKey(random *rand.Rand, keySpace int, key []byte) {
	n := random.Intn(keySpace)
	for i := keyBytes - 1; i >= 0; i-- {
		key[i] = byte('0' + n%10)
		n /= 10
	}
}

// cpuMicros sums user + system time of the processes from /proc/PID/stat (fields 14 and 15, proc(5)).
func cpuMicros(pids []string, clockTicks int64) int64 {
	var ticks int64
	for _, pid := range pids {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil {
			fail("cannot read CPU time of server process " + pid + " (has it exited?): " + err.Error())
		}
		// The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndex(s, ")")+1:])
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		ticks += utime + stime
	}
	return ticks * 1000000 / clockTicks
}

func withScheme(endpoints []string) []string {
	urls := make([]string, len(endpoints))
	for i, e := range endpoints {
		urls[i] = "http://" + e
	}
	return urls
}

func seconds(n int) time.Duration { return time.Duration(n) * time.Second }

func fail(message string) {
	fmt.Fprintln(os.Stderr, "etcd-load: "+message)
	os.Exit(2)
}
