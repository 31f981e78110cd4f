// Package presencetest is the conformance suite every presence backend must
// pass. A backend's tests call Run with a factory of fresh trackers.
package presencetest

import (
	"context"
	"sync"
	"testing"
	"time"
)

// Tracker is the method set the suite exercises.
type Tracker interface {
	Connect(ctx context.Context, userID int64) (becameOnline bool, err error)
	Disconnect(ctx context.Context, userID int64) (wentOffline bool, err error)
	Online(ctx context.Context, userIDs []int64) (map[int64]bool, error)
	Run(ctx context.Context) error
}

// NewTracker returns a fresh, empty tracker and a function that releases it.
// The factory starts whatever background work the tracker needs (its Run);
// cleanup stops it.
type NewTracker func(t *testing.T) (tr Tracker, cleanup func())

// Run runs the suite against trackers made by newTracker.
func Run(t *testing.T, newTracker NewTracker) {
	tests := []struct {
		name string
		fn   func(t *testing.T, tr Tracker)
	}{
		{"ConnectDisconnect", testConnectDisconnect},
		{"MultipleTabsOneUser", testMultipleTabs},
		{"UsersAreIndependent", testUsersIndependent},
		{"OnlineManyIDs", testOnlineMany},
		{"UnmatchedDisconnect", testUnmatchedDisconnect},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr, cleanup := newTracker(t)
			defer cleanup()
			tc.fn(t, tr)
		})
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func connect(t *testing.T, tr Tracker, id int64, want bool) {
	t.Helper()
	got, err := tr.Connect(ctx(t), id)
	if err != nil {
		t.Fatalf("Connect(%d): %v", id, err)
	}
	if got != want {
		t.Fatalf("Connect(%d) becameOnline = %v, want %v", id, got, want)
	}
}

func disconnect(t *testing.T, tr Tracker, id int64, want bool) {
	t.Helper()
	got, err := tr.Disconnect(ctx(t), id)
	if err != nil {
		t.Fatalf("Disconnect(%d): %v", id, err)
	}
	if got != want {
		t.Fatalf("Disconnect(%d) wentOffline = %v, want %v", id, got, want)
	}
}

// wantOnline checks Online(ids) against want (IDs missing from want must be offline).
func wantOnline(t *testing.T, tr Tracker, ids []int64, want map[int64]bool) {
	t.Helper()
	got, err := tr.Online(ctx(t), ids)
	if err != nil {
		t.Fatalf("Online: %v", err)
	}
	for _, id := range ids {
		if got[id] != want[id] {
			t.Fatalf("Online[%d] = %v, want %v", id, got[id], want[id])
		}
	}
}

func testConnectDisconnect(t *testing.T, tr Tracker) {
	wantOnline(t, tr, []int64{1}, nil)
	connect(t, tr, 1, true)
	wantOnline(t, tr, []int64{1}, map[int64]bool{1: true})
	disconnect(t, tr, 1, true)
	wantOnline(t, tr, []int64{1}, nil)
	connect(t, tr, 1, true) // online again after going offline
	disconnect(t, tr, 1, true)
}

func testMultipleTabs(t *testing.T, tr Tracker) {
	connect(t, tr, 7, true)
	connect(t, tr, 7, false)
	connect(t, tr, 7, false)
	disconnect(t, tr, 7, false)
	wantOnline(t, tr, []int64{7}, map[int64]bool{7: true})
	disconnect(t, tr, 7, false)
	wantOnline(t, tr, []int64{7}, map[int64]bool{7: true})
	disconnect(t, tr, 7, true)
	wantOnline(t, tr, []int64{7}, nil)
}

func testUsersIndependent(t *testing.T, tr Tracker) {
	connect(t, tr, 1, true)
	connect(t, tr, 2, true)
	disconnect(t, tr, 1, true)
	wantOnline(t, tr, []int64{1, 2}, map[int64]bool{2: true})
	disconnect(t, tr, 2, true)
}

func testOnlineMany(t *testing.T, tr Tracker) {
	const n = 2500 // more than one Redis batch
	ids := make([]int64, 0, n)
	want := map[int64]bool{}
	for i := int64(1); i <= n; i++ {
		ids = append(ids, i)
		if i%3 == 0 {
			connect(t, tr, i, true)
			want[i] = true
		}
	}
	ids = append(ids, 3, 4) // duplicates are fine
	got, err := tr.Online(ctx(t), ids)
	if err != nil {
		t.Fatalf("Online: %v", err)
	}
	for _, id := range ids {
		if got[id] != want[id] {
			t.Fatalf("Online[%d] = %v, want %v", id, got[id], want[id])
		}
	}
	if len(got) != n {
		t.Fatalf("Online returned %d entries, want %d (one per distinct ID)", len(got), n)
	}
	for id := range want {
		disconnect(t, tr, id, true)
	}
	wantOnline(t, tr, ids, nil)
}

func testUnmatchedDisconnect(t *testing.T, tr Tracker) {
	disconnect(t, tr, 99, false)
	connect(t, tr, 99, true) // the stray disconnect did not make the count negative
	disconnect(t, tr, 99, true)
}

// testConcurrent connects and disconnects many tabs of few users from many
// goroutines; exactly one becameOnline and one wentOffline per user per
// online period is not checkable under interleaving, but the end state is.
func testConcurrent(t *testing.T, tr Tracker) {
	const users, tabs = 8, 16
	c := ctx(t)
	var wg sync.WaitGroup
	errs := make(chan error, users*tabs*2)
	for u := int64(1); u <= users; u++ {
		for range tabs {
			wg.Go(func() {
				for range 5 {
					if _, err := tr.Connect(c, u); err != nil {
						errs <- err
					}
					if _, err := tr.Disconnect(c, u); err != nil {
						errs <- err
					}
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent: %v", err)
	}
	ids := []int64{1, 2, 3, 4, 5, 6, 7, 8}
	wantOnline(t, tr, ids, nil)
	connect(t, tr, 3, true)
	wantOnline(t, tr, ids, map[int64]bool{3: true})
	disconnect(t, tr, 3, true)
}
