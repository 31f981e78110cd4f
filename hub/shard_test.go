package hub

import (
	"testing"
)

// A connection joining a room learns the highest seq the room already dispatched, so an event
// that slipped between its read of the chat and its join is caught up at once.
func TestShardAddReportsWhatTheRoomDispatched(t *testing.T) {
	var s shard
	s.init()
	subs, unsubs := 0, 0
	subscribe := func(int64) (func(), error) { subs++; return func() { unsubs++ }, nil }
	a, b := &Client{}, &Client{}
	if fresh, last, err := s.add(7, a, subscribe); err != nil || !fresh || last != 0 {
		t.Fatalf("first add: fresh=%v last=%d err=%v", fresh, last, err)
	}
	got := 0
	s.each(7, 5, func(*Client) { got++ })
	s.each(7, 3, func(*Client) { got++ }) // an older seq never lowers the mark
	if fresh, last, _ := s.add(7, b, subscribe); fresh || last != 5 {
		t.Fatalf("second add: fresh=%v last=%d, want false 5", fresh, last)
	}
	if subs != 1 || got != 2 || s.count(7) != 2 {
		t.Fatalf("subs=%d dispatched=%d members=%d", subs, got, s.count(7))
	}
	// the subscription ends with the room's last member, once
	s.remove(7, a)
	if unsubs != 0 {
		t.Fatal("unsubscribed while a member is left")
	}
	s.remove(7, b)
	s.remove(7, b)
	if unsubs != 1 || s.count(7) != 0 {
		t.Fatalf("unsubscribes=%d members=%d after the last left, want 1 0", unsubs, s.count(7))
	}
}
