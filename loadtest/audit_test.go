package loadtest_test

import (
	"context"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/loadtest"
)

// The final audit tells late from lost: a delivery lost live but replayed on resume is a gap
// and not missing; one the server never delivers, live or replayed, is missing. Every refused
// send is retried with its client_id and accepted; a connection the server closed with 1012
// comes back with resume and misses nothing; the time series adds up.
func TestAuditTellsLateFromLost(t *testing.T) {
	t.Parallel()
	const users = 4
	h := &fakeHub{
		refuse:     func(_ string, tries int) bool { return tries == 1 },            // every send refused once
		dropLive:   func(user int, seq int64) bool { return seq == 3 && user <= 1 }, // late for users 0 and 1…
		dropReplay: func(user int, seq int64) bool { return seq == 3 && user == 1 }, // …lost for user 1
		closeAt:    func(user int, seq int64) bool { return seq == 5 && user == 2 },
	}
	res := runOverload(t, users, h, 40, 500*time.Millisecond)
	var b strings.Builder
	res.WriteTable(&b)
	res.WriteSeries(&b)
	t.Log("\n" + b.String() + res.OverloadRow())

	const sends = 20
	if res.Sends != sends || res.Acks != sends || res.SendErrors != 0 {
		t.Fatalf("sends %d acks %d errors %d; want %d acked", res.Sends, res.Acks, res.SendErrors, sends)
	}
	if res.ErrorCodes["overloaded"] != sends || res.RetriedAccepted != sends {
		t.Fatalf("overloaded %d, refused then accepted %d; want %d each", res.ErrorCodes["overloaded"], res.RetriedAccepted, sends)
	}
	if res.Missing != 1 {
		t.Fatalf("missing %d after the audit, want 1 (seq 3 of user 1; user 0 got it on resume)", res.Missing)
	}
	if res.Gaps < 2 {
		t.Fatalf("gaps %d, want the two live losses counted", res.Gaps)
	}
	if res.Closes["close 1012"] != 1 || res.Rejoins < 1 {
		t.Fatalf("closes %v rejoins %d; want one 1012 and its rejoin", res.Closes, res.Rejoins)
	}
	if want := int64(sends*users - 1); res.Deliveries != want || res.Duplicates != 0 {
		t.Fatalf("deliveries %d duplicates %d; want %d and 0", res.Deliveries, res.Duplicates, want)
	}
	var offered, accepted, refused, lat int64
	for _, bk := range res.Series {
		offered, accepted, refused = offered+bk.Offered, accepted+bk.Accepted, refused+bk.Refused
		lat += bk.AcceptLatency.Count()
	}
	if offered != sends || accepted != sends || refused != sends || lat != res.Deliveries {
		t.Fatalf("series: offered %d accepted %d refused %d accept latencies %d", offered, accepted, refused, lat)
	}
	if p := strings.Join(res.Problems(), "; "); !strings.Contains(p, "1 acked events never reached a member") {
		t.Fatalf("problems %q should report the lost event", p)
	}
}

// A connection refused for overload holds its sends and probes with one at a time, once per
// hint: while the node refuses everything, it costs the node about one refusal per hint, not
// one per pending send; once a probe is acked the held sends go out and are all accepted.
func TestRefusedConnectionHoldsItsSends(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var first time.Time
	h := &fakeHub{refuse: func(string, int) bool { // everything refused for the first 400 ms
		mu.Lock()
		defer mu.Unlock()
		if first.IsZero() {
			first = time.Now()
		}
		return time.Since(first) < 400*time.Millisecond
	}}
	res := runOverload(t, 1, h, 50, 600*time.Millisecond)
	const sends = 30
	if res.Sends != sends || res.Acks != sends || res.SendErrors != 0 || res.Held != 0 {
		t.Fatalf("sends %d acks %d errors %d held %d; want %d acked", res.Sends, res.Acks, res.SendErrors, res.Held, sends)
	}
	// 20 sends fall in the refusing 400 ms; a hint of 20-40 ms allows at most 20 probes, and
	// the sends written before the first refusal came back add a few more.
	if n := res.ErrorCodes["overloaded"]; n < 1 || n > 25 {
		t.Fatalf("%d refusals; want one per probe, not one per held send and hint", n)
	}
	if res.Duplicates != 0 || res.Gaps != 0 || res.Missing != 0 {
		t.Fatalf("duplicates %d gaps %d missing %d", res.Duplicates, res.Gaps, res.Missing)
	}
}

// runOverload runs the overload scenario at rate for d against the fake hub h with users users.
func runOverload(t *testing.T, users int, h *fakeHub, rate float64, d time.Duration) *loadtest.Result {
	t.Helper()
	seed, url := startFakeHub(t, users, h)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	// The drain allows 15 s for the last answers: with the whole suite running on two cores
	// (load average 6–7) a refusal's back-off, a 1012 close and its resume can take seconds.
	// (The sends CI found unanswered were another matter: a close that took a send's ack with
	// it, which the generator now sends again after the rejoin; TestSendUnansweredAtACloseIsSentAgain.)
	res, err := loadtest.Run(ctx, loadtest.Config{Scenario: loadtest.Overload, URL: url, Seed: seed,
		Rate: rate, Duration: d, Drain: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A send whose ack went with the socket the server closed is sent again after the rejoin, with
// its client_id, and answered once by the hub's idempotency: every send acked, nothing missing,
// no duplicate.
func TestSendUnansweredAtACloseIsSentAgain(t *testing.T) {
	t.Parallel()
	const users, sends = 3, 20
	var once sync.Once
	h := &fakeHub{closeBeforeAck: func(string) bool {
		fire := false
		once.Do(func() { fire = true })
		return fire
	}}
	res := runOverload(t, users, h, 40, 500*time.Millisecond)
	if res.Sends != sends || res.Acks != sends || res.SendErrors != 0 {
		t.Fatalf("sends %d acks %d errors %d; want %d acked", res.Sends, res.Acks, res.SendErrors, sends)
	}
	if res.Closes["close 1012"] != 1 || res.Rejoins != 1 {
		t.Fatalf("closes %v rejoins %d; want one 1012 and its rejoin", res.Closes, res.Rejoins)
	}
	if res.Deliveries != sends*users || res.Duplicates != 0 || res.Missing != 0 {
		t.Fatalf("deliveries %d duplicates %d missing %d; want %d, 0, 0", res.Deliveries, res.Duplicates, res.Missing, sends*users)
	}
}

// A socket whose node vanished (no close frame: SIGKILL) is closed by the generator as soon as
// its read fails. coder/websocket leaves a failed read's descriptor to the garbage collector,
// and a generator holding 14,000 sockets of a killed node ran out of descriptors while its
// rejoins dialled (the process limit is 20,000 here). Not parallel: it counts the process's
// descriptors, with the collector off.
func TestDroppedSocketsReleaseTheirDescriptors(t *testing.T) {
	const users = 8
	fds := func() int {
		ents, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skip("no /proc/self/fd on this system:", err)
		}
		return len(ents)
	}
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	h := &fakeHub{dropAt: func(_ int, seq int64) bool { return seq == 3 }}
	seed, url := startFakeHub(t, users, h)
	base := fds()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := loadtest.Run(ctx, loadtest.Config{Scenario: loadtest.Room, URL: url, Seed: seed,
		Rate: 40, Duration: 300 * time.Millisecond, Drain: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rejoins != users || res.Deliveries != res.Acks*users {
		t.Fatalf("rejoins %d, deliveries %d of %d acks; want every socket dropped once and rejoined, nothing missing",
			res.Rejoins, res.Deliveries, res.Acks)
	}
	deadline := time.Now().Add(5 * time.Second)
	for n := fds(); n > base; n = fds() {
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors open after the run, %d before it: the dropped sockets were never closed", n, base)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
