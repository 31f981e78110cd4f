package loadtest

import "testing"

// A send the node keeps refusing as overloaded stays in the outbox however often (a client's
// outbox keeps it until the node takes it); only refusals for other reasons (rate_limited, a
// dropped socket) are bounded, by maxRetries of their own. An answer to a send that is not
// pending (a copy sent again after a reconnect, whose original was acked) is not retried.
func TestOverloadRefusalsDoNotUseUpOtherRetries(t *testing.T) {
	r := &runner{pending: map[int64]pendingSend{}}
	r.remember(1, nil, []byte("send"))
	for i := range 3 * maxRetries {
		if _, ok := r.retrying(1, true); !ok {
			t.Fatalf("overload refusal %d: the send was given up", i+1)
		}
	}
	for i := range maxRetries {
		if _, ok := r.retrying(1, false); !ok {
			t.Fatalf("after %d overload refusals, other refusal %d gave the send up; want %d allowed", 3*maxRetries, i+1, maxRetries)
		}
	}
	if _, ok := r.retrying(1, false); ok {
		t.Fatalf("refused %d times for other reasons than overload and still retried", maxRetries+1)
	}
	if r.tries(2) >= 0 {
		t.Fatal("a send never remembered reads as pending")
	}
}
