package loadtest

import "testing"

// An open-socket resume makes the node send again what was in flight when it was asked: those
// copies, in order from the resume's seq, are refetched, not duplicates; a copy outside that
// stream still is one, and without a resume every copy is.
func TestOpenSocketResumeCopiesAreNotDuplicates(t *testing.T) {
	type step struct {
		seq int64
		new bool
	}
	for _, tc := range []struct {
		name                 string
		before               []step // delivered before the resume
		resume               bool
		steps                []step
		refetched, duplicate int64
	}{
		{"in flight, then the resume's copies, then live", nil, true,
			[]step{{6, true}, {7, true}, {6, false}, {7, false}, {8, true}, {9, true}}, 2, 0},
		{"a copy after the stream moved on", nil, true,
			[]step{{6, true}, {6, false}, {7, true}, {6, false}}, 1, 1},
		{"the stream fills a hole", []step{{7, true}}, true,
			[]step{{8, true}, {6, true}, {7, false}, {8, false}, {9, true}}, 2, 0},
		{"no resume", nil, false,
			[]step{{6, true}, {7, true}, {6, false}}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &runner{}
			c := &conn{r: r, cursors: []chatCursor{{id: 1, seq: 5, top: 5}}}
			for i, s := range tc.before {
				if got := c.advance(1, s.seq); got != s.new {
					t.Fatalf("before, step %d (seq %d): new = %v, want %v", i, s.seq, got, s.new)
				}
			}
			if tc.resume {
				c.mu.Lock()
				c.resumeMapLocked()
				c.expectReplayLocked()
				c.mu.Unlock()
			}
			for i, s := range tc.steps {
				if got := c.advance(1, s.seq); got != s.new {
					t.Fatalf("step %d (seq %d): new = %v, want %v", i, s.seq, got, s.new)
				}
			}
			if got, dup := r.st.refetched.Load(), r.st.duplicates.Load(); got != tc.refetched || dup != tc.duplicate {
				t.Fatalf("refetched %d duplicates %d; want %d and %d", got, dup, tc.refetched, tc.duplicate)
			}
		})
	}
}
