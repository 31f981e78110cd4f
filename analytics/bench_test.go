package analytics_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/analytics"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func sample(i int) fechatter.UsageEvent {
	return fechatter.UsageEvent{Kind: fechatter.UsageMessageSent, WorkspaceID: 1, UserID: int64(1 + i%100),
		ChatID: int64(1 + i%20), Code: "ws", Size: 42, DurationMs: 1.5}
}

// streamMsgs is how many messages the stream holds.
func streamMsgs(b testing.TB, js jetstream.JetStream, name string) uint64 {
	info, err := js.Stream(context.Background(), name)
	if err != nil {
		b.Fatal(err)
	}
	return info.CachedInfo().State.Msgs
}

// BenchmarkTrack is the cost of an event on the hub: "off" is Track without ClickHouse
// (a counter), "hotpath" is Track as a send pays it with ClickHouse on (a copy into the
// buffer), "stream" is the whole cost of an event in CPU time (Track, JSON, the JetStream
// publish to the embedded NATS and its ack), events waited for until they are stored.
//
//	go test -run '^$' -bench Track -benchtime 200000x ./analytics/
func BenchmarkTrack(b *testing.B) {
	b.Run("off", func(b *testing.B) {
		em, _ := analytics.NewEmitter(analytics.EmitterConfig{Metrics: analytics.NewMetrics(nil)})
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			em.Track(sample(i))
			i++
		}
	})
	for _, name := range []string{"hotpath", "stream"} {
		b.Run(name, func(b *testing.B) {
			nc := embeddedNATS(b)
			stream, subject := "BENCH_"+randomName(), "b"+randomName()+".usage"
			if err := analytics.EnsureStream(context.Background(), nc, analytics.StreamConfig{Name: stream, Subject: subject}); err != nil {
				b.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			em, err := analytics.NewEmitter(analytics.EmitterConfig{NATS: nc, Subject: subject, Metrics: analytics.NewMetrics(reg), Buffer: 1 << 20})
			if err != nil {
				b.Fatal(err)
			}
			js, _ := jetstream.New(nc)
			b.ReportAllocs()
			cpu := cpuTime()
			b.ResetTimer()
			for i := range b.N {
				em.Track(sample(i))
			}
			if name == "hotpath" {
				b.StopTimer()
				em.Close()
				return
			}
			for streamMsgs(b, js, stream)+uint64(gathered(b, reg, "fechatter_analytics_dropped_total")) < uint64(b.N) {
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/event")
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			b.ReportMetric(gathered(b, reg, "fechatter_analytics_dropped_total"), "dropped")
			em.Close()
		})
	}
}

// BenchmarkClickHouseWrite is the consumer's throughput: b.N events waiting in the stream,
// written to ClickHouse in batches of 1,000 and acknowledged.
//
//	go test -run '^$' -bench ClickHouseWrite -benchtime 200000x ./analytics/
func BenchmarkClickHouseWrite(b *testing.B) {
	nc := embeddedNATS(b)
	ch := openClickHouse(b)
	stream, subject := "BENCH_"+randomName(), "b"+randomName()+".usage"
	if err := analytics.EnsureStream(context.Background(), nc, analytics.StreamConfig{Name: stream, Subject: subject}); err != nil {
		b.Fatal(err)
	}
	em, err := analytics.NewEmitter(analytics.EmitterConfig{NATS: nc, Subject: subject, Buffer: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	for i := range b.N {
		em.Track(sample(i))
	}
	em.Close()
	reg := prometheus.NewRegistry()
	b.ResetTimer()
	cpu := cpuTime()
	cons, err := analytics.StartConsumer(context.Background(), analytics.ConsumerConfig{
		NATS: nc, Stream: stream, Sink: ch, Metrics: analytics.NewMetrics(reg), MaxWait: 50 * time.Millisecond})
	if err != nil {
		b.Fatal(err)
	}
	for gathered(b, reg, "fechatter_analytics_inserted_total") < float64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	cons.Close()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/event")
}
