package hub

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/fechatter/fechatter"
)

// sender turns the sends of all connections into batches: each worker takes whatever is
// waiting (up to maxBatch), stores it in one transaction, publishes the committed events in
// seq order and only then answers the waiting connections. Under load many sends share one
// commit; alone, a send goes through at once. Chats are spread over workers by ID, so one
// chat's events are always committed and published by the same worker, in order, and two
// workers never wait on each other's chat locks. Every other change to a chat's timeline (an
// edit, a delete, a reaction, a pin, a member joining or leaving) runs on that same worker
// too, between batches, so a chat's events reach NATS in seq order and receivers never see a
// gap they would have to read back from the store.
//
// The queues are bounded (Config.SendQueue per worker) and a send never waits to get into
// one: past capacity it is refused at once (see admit).
type sender struct {
	h        *Hub
	queues   []chan *sendReq
	maxBatch int
	busy     []atomic.Int64 // per worker: when its batch in progress started (Unix ns), 0 when idle
	took     []atomic.Int64 // per worker: how long its last batch took (ns)
}

type sendReq struct {
	p    fechatter.SendParams
	op   Change // a timeline change other than a send; p is unused then
	done chan fechatter.SendResult
	at   time.Time // when it was queued
	data []byte    // a created message's event as published, set before done
}

// Change is a change to one chat's timeline: it commits and returns the events to publish, in
// seq order (none when nothing changed).
// An alias, so that callers' interfaces can name the plain func type.
type Change = func(ctx context.Context) ([]fechatter.Event, error)

func newSender(h *Hub, workers, maxBatch, queueLen int) *sender {
	s := &sender{h: h, queues: make([]chan *sendReq, workers), maxBatch: maxBatch,
		busy: make([]atomic.Int64, workers), took: make([]atomic.Int64, workers)}
	for i := range s.queues {
		s.queues[i] = make(chan *sendReq, queueLen)
	}
	return s
}

func (s *sender) worker(chatID int64) int { return int(uint64(chatID) % uint64(len(s.queues))) }

// wait estimates how long a send queued now on worker w would wait for its commit: the rest
// of the batch in progress plus one batch time per maxBatch sends ahead of it.
func (s *sender) wait(w int, now time.Time) time.Duration {
	var d time.Duration
	if b := s.busy[w].Load(); b != 0 {
		d = now.Sub(time.Unix(0, b))
	}
	return d + time.Duration(len(s.queues[w])/s.maxBatch)*time.Duration(s.took[w].Load())
}

// queued is the number of requests waiting in all queues.
func (s *sender) queued() int {
	n := 0
	for _, q := range s.queues {
		n += len(q)
	}
	return n
}

// maxWait is the longest wait of any worker.
func (s *sender) maxWait(now time.Time) time.Duration {
	var d time.Duration
	for w := range s.queues {
		d = max(d, s.wait(w, now))
	}
	return d
}

// backlog is the longest wait in any worker's queue beyond the batch in progress: one batch
// time per maxBatch sends queued.
func (s *sender) backlog() time.Duration {
	var d time.Duration
	for w, q := range s.queues {
		d = max(d, time.Duration(len(q)/s.maxBatch)*time.Duration(s.took[w].Load()))
	}
	return d
}

// admit refuses a change a user asked for (a send, an edit, a delete, a reaction, a pin) at
// once when the node is behind by more than its budget: it would only wait, and make every
// change after it wait longer. what names it in the metric and the message.
func (s *sender) admit(w int, now time.Time, what string) error {
	l := s.h.load
	if l.budget <= 0 {
		return nil
	}
	late := max(l.lateness(now), s.wait(w, now))
	if late > l.budget {
		s.h.m.refused.WithLabelValues(what, "late").Inc()
		return fechatter.Overloaded(retryAfter(late), refusedWhat[what])
	}
	if !l.pace.allow(now) {
		s.h.m.refused.WithLabelValues(what, "pace").Inc()
		return fechatter.Overloaded(retryAfter(late), refusedWhat[what])
	}
	return nil
}

// refusedWhat is the start of a refusal's message, by what was refused.
var refusedWhat = map[string]string{"send": "message not sent", "change": "change not made"}

// offer queues r on worker w without waiting: a full queue refuses it at once, whatever the
// budget.
func (s *sender) offer(w int, r *sendReq, what string) error {
	select {
	case s.queues[w] <- r:
		return nil
	default:
		s.h.m.refused.WithLabelValues(what, "full").Inc()
		return fechatter.Overloaded(retryAfter(s.wait(w, time.Now())), refusedWhat[what])
	}
}

// start runs the workers until the hub's context ends.
func (s *sender) start() {
	for w, q := range s.queues {
		s.h.goBackground(func() { s.work(w, q) })
	}
}

// send charges p to its sender's send limit, stores it through a worker and waits for the
// outcome.
// A send refused for overload is not charged to the sender's limit.
func (s *sender) send(ctx context.Context, p fechatter.SendParams) (fechatter.SendResult, []byte) {
	w, now := s.worker(p.ChatID), time.Now()
	if err := s.admit(w, now, "send"); err != nil {
		return fechatter.SendResult{Err: err}, nil
	}
	if err := s.h.admitSend(ctx, p.SenderID); err != nil {
		return fechatter.SendResult{Err: err}, nil
	}
	r := &sendReq{p: p, done: make(chan fechatter.SendResult, 1), at: now}
	if err := s.offer(w, r, "send"); err != nil {
		return fechatter.SendResult{Err: err}, nil
	}
	select {
	case res := <-r.done:
		return res, r.data
	case <-ctx.Done():
		// The batch may still commit: the client retries with the same client_id and gets
		// the stored message.
		return fechatter.SendResult{Err: ctx.Err()}, nil
	}
}

// busyIdle: a worker idle for less than this many times its last batch's duration counts as
// busy and yields before filling its next batch. With sends arriving at random, another one
// is then very likely within a commit (98 % once the rate reaches one per batch time); a
// worker woken once a second by a quiet room's sends never yields. (Exactly its last batch
// time, tried first, left too many single-send batches at 5,000 sends/s, and each made the
// next threshold shorter still.)
const busyIdle = 4

func (s *sender) work(w int, q chan *sendReq) {
	batch := make([]*sendReq, 0, s.maxBatch)
	params := make([]fechatter.SendParams, 0, s.maxBatch)
	var idleFrom time.Time // when the last batch ended
	var took time.Duration // how long it took
	for {
		select {
		case <-s.h.ctx.Done():
			return
		case r := <-q:
			batch = append(batch[:0], r)
		}
		// A busy worker (idle for less than busyIdle times its last batch took) yields once
		// before filling the batch. The connection whose send woke it made it the next
		// goroutine its P runs (Go's runnext), ahead of the connections about to queue theirs;
		// without the yield, on a node with one P (a server pinned to a core) nearly every
		// batch was the one send that woke it, each paying a commit of its own, until a stall
		// let hundreds pile up.
		// An idle worker does not yield: there the runnable goroutines are other work (a
		// room's deliveries, presence), and waiting behind them only delays the send
		// (docs/benchmarks.md#group-commit-that-groups).
		if time.Since(idleFrom) < busyIdle*took {
			runtime.Gosched()
		}
	fill:
		for len(batch) < s.maxBatch {
			select {
			case r := <-q:
				batch = append(batch, r)
			default:
				break fill
			}
		}
		now := time.Now()
		if !batch[0].at.IsZero() {
			waited := now.Sub(batch[0].at)
			s.h.load.commit.observe(waited, now)
			// A send that arrived during the batch before waited for it (the store's
			// latency); what waited longer waited for a backlog (pacingBy).
			s.h.load.backlog.observe(max(0, waited-took), now)
		}
		s.busy[w].Store(now.UnixNano())
		s.run(batch, params[:0])
		idleFrom = time.Now()
		took = idleFrom.Sub(now)
		s.took[w].Store(int64(took))
		s.busy[w].Store(0)
	}
}

// run commits a batch in queue order: consecutive sends together, each other change alone.
func (s *sender) run(batch []*sendReq, params []fechatter.SendParams) {
	from := 0
	for i, r := range batch {
		if r.op == nil {
			continue
		}
		if i > from {
			s.commit(batch[from:i], params)
		}
		s.change(r)
		from = i + 1
	}
	if from < len(batch) {
		s.commit(batch[from:], params)
	}
}

// change runs one non-send change and publishes its events before answering.
func (s *sender) change(r *sendReq) {
	ctx, cancel := context.WithTimeout(s.h.ctx, storeTimeout)
	defer cancel()
	evs, err := r.op(ctx)
	if err == nil {
		for _, ev := range evs {
			s.h.publish(ev)
		}
	}
	res := fechatter.SendResult{Err: err, Created: len(evs) > 0}
	if len(evs) > 0 {
		res.Event = evs[len(evs)-1]
	}
	r.done <- res
}

func (s *sender) commit(batch []*sendReq, params []fechatter.SendParams) {
	params = params[:0]
	for _, r := range batch {
		params = append(params, r.p)
	}
	ctx, cancel := context.WithTimeout(s.h.ctx, storeTimeout)
	defer cancel()
	start := time.Now()
	res := s.h.cfg.Store.SendBatch(ctx, params)
	s.h.m.batchSize.Observe(float64(len(batch)))
	s.h.m.commitLatency.Observe(time.Since(start).Seconds())
	for i, r := range res {
		if r.Err == nil && r.Created {
			batch[i].data = s.h.publish(r.Event)
			s.h.notifyMentions(r.Event)
			if s.h.cfg.Push != nil {
				s.h.cfg.Push.Message(r.Event.Message)
			}
			s.h.observe(r.Event)
		}
	}
	for i, r := range batch {
		r.done <- res[i]
	}
}

// Send stores a message as the WebSocket send does (batched, published after commit) for
// callers outside a socket, such as the REST API.
func (h *Hub) Send(ctx context.Context, p fechatter.SendParams) fechatter.SendResult {
	res, _ := h.sends.send(ctx, p)
	return res
}

// Change runs a change to chatID's timeline on the chat's worker, in order with its sends, and
// publishes the events it returns. The error is the change's own; ctx bounds the wait. It
// waits for room in the queue: for the node's own changes (members joining or leaving, the
// assistant's answer), which must not be lost to load. A change a user asks for goes through
// UserChange.
func (h *Hub) Change(ctx context.Context, chatID int64, op Change) error {
	r := &sendReq{op: op, done: make(chan fechatter.SendResult, 1), at: time.Now()}
	select {
	case h.sends.queues[h.sends.worker(chatID)] <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	return h.sends.await(ctx, r)
}

// UserChange is Change for a change a user asked for (an edit, a delete, a reaction, a pin):
// admitted by the same rule as a send, so past capacity it is refused at once with a retryable
// "overloaded" error and nothing changed, instead of queueing.
func (h *Hub) UserChange(ctx context.Context, chatID int64, op Change) error {
	s := h.sends
	w, now := s.worker(chatID), time.Now()
	if err := s.admit(w, now, "change"); err != nil {
		return err
	}
	r := &sendReq{op: op, done: make(chan fechatter.SendResult, 1), at: now}
	if err := s.offer(w, r, "change"); err != nil {
		return err
	}
	return s.await(ctx, r)
}

func (s *sender) await(ctx context.Context, r *sendReq) error {
	select {
	case res := <-r.done:
		return res.Err
	case <-ctx.Done():
		return ctx.Err()
	}
}
