package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter/loadtest"
)

// run connects every user, publishes for the room scenario, waits for the deliveries and
// prints the table.
func run(ctx context.Context, cfg config, out io.Writer) error {
	st := &stats{}
	before := sample(cfg.serverPID)
	conns, connErrs, connTime := connectAll(ctx, cfg)
	loaded := sample(cfg.serverPID)
	rctx, stopReads := context.WithCancel(ctx)
	var readers sync.WaitGroup
	for _, c := range conns {
		if c != nil {
			readers.Go(func() { c.read(rctx, st) })
		}
	}
	defer func() {
		stopReads()
		for _, c := range conns {
			if c != nil {
				c.ws.CloseNow()
			}
		}
		readers.Wait()
	}()
	up := len(conns) - int(connErrs)
	fmt.Fprintf(out, "connections       %d ready, %d errors, %.1f s (%.0f/s)\n",
		up, connErrs, connTime.Seconds(), float64(up)/connTime.Seconds())
	if up > 0 && before.RSSKB > 0 {
		fmt.Fprintf(out, "server rss        %d KB idle → %d KB loaded: %.1f KB per connection\n",
			before.RSSKB, loaded.RSSKB, float64(loaded.RSSKB-before.RSSKB)/float64(up))
		fmt.Fprintf(out, "server cpu        %.0f µs/connect\n", (loaded.CPUSeconds-before.CPUSeconds)*1e6/float64(up))
	}
	if cfg.scenario == "idle" {
		return nil
	}
	start := sample(cfg.serverPID)
	published, expect, took := publishAll(ctx, cfg, conns, st)
	drain(ctx, st, expect)
	end := sample(cfg.serverPID)
	d := st.deliveries.Load()
	fmt.Fprintf(out, "sends             %d written, %d acked (%.0f/s), %d errors\n",
		published, st.acks.Load(), float64(st.acks.Load())/took.Seconds(), st.pubErrors.Load())
	fmt.Fprintf(out, "ack latency       %s\n", st.ackLatency.Summary())
	fmt.Fprintf(out, "deliveries        %d of %d expected (%.0f/s)\n", d, expect, float64(d)/took.Seconds())
	fmt.Fprintf(out, "delivery latency  %s\n", st.latency.Summary())
	if d > 0 && cfg.serverPID > 0 {
		cpu := end.CPUSeconds - start.CPUSeconds
		fmt.Fprintf(out, "server cpu        %.2f s measured: %.1f µs/delivery, %.1f µs/send\n",
			cpu, cpu*1e6/float64(d), cpu*1e6/float64(max(1, st.acks.Load())))
	}
	if d != expect {
		return fmt.Errorf("%d deliveries of %d expected", d, expect)
	}
	return nil
}

func sample(pid int) loadtest.ProcSample {
	if pid <= 0 {
		return loadtest.ProcSample{}
	}
	s, _ := loadtest.ReadProc(pid)
	return s
}

// connectAll dials every user with cfg.workers dials in flight.
func connectAll(ctx context.Context, cfg config) ([]*peerConn, int64, time.Duration) {
	conns := make([]*peerConn, cfg.users)
	var next, errs atomic.Int64
	var wg sync.WaitGroup
	var firstErr sync.Once
	start := time.Now()
	for range cfg.workers {
		wg.Go(func() {
			for {
				u := int(next.Add(1) - 1)
				if u >= cfg.users || ctx.Err() != nil {
					return
				}
				dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				c, err := dial(dctx, cfg, u)
				cancel()
				if err != nil {
					errs.Add(1)
					firstErr.Do(func() { fmt.Fprintln(os.Stderr, "peer-load: first connect error:", err) })
					continue
				}
				conns[u] = c
			}
		})
	}
	wg.Wait()
	return conns, errs.Load(), time.Since(start)
}

// publishAll runs the schedule: publication i goes to room i % rooms from the room's members
// in turn, at cfg.rate over cfg.duration. It returns how many it wrote and how many
// deliveries they owe (one to each connected member of the room, the publisher included).
func publishAll(ctx context.Context, cfg config, conns []*peerConn, st *stats) (int, int64, time.Duration) {
	members := make([]int64, cfg.rooms)
	for _, c := range conns {
		if c != nil {
			members[c.room]++
		}
	}
	pad := strings.Repeat("x", max(0, cfg.textSize-20))
	total := int(cfg.rate * cfg.duration.Seconds())
	interval := time.Duration(float64(time.Second) / cfg.rate)
	start := time.Now()
	var expect int64
	written := 0
	for i := range total {
		room := i % cfg.rooms
		size := min(cfg.members, cfg.users-room*cfg.members)
		c := conns[room*cfg.members+(i/cfg.rooms)%size]
		if c == nil {
			continue
		}
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 200*time.Microsecond {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return written, expect, time.Since(start)
			}
		}
		go c.publish(ctx, st, pad, due)
		written++
		expect += members[room]
	}
	return written, expect, time.Since(start)
}

// drain waits until every delivery arrived or nothing moved for 3 s.
func drain(ctx context.Context, st *stats, expect int64) {
	st.lastMove.Store(time.Now().UnixNano())
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for st.deliveries.Load() < expect {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if now.Sub(time.Unix(0, st.lastMove.Load())) > 3*time.Second {
				return
			}
		}
	}
}
