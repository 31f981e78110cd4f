package sqlite

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/store/sendbatch"
)

// SendBatch runs the sends in one write transaction; they all commit together. Its statements
// are per batch, not per send (one idempotency lookup, one access check, one seq update, one
// insert of messages and one of events, each over a JSON array of the batch's rows), because
// a statement is what costs in SQLite: its own VDBE run through database/sql and, for an
// insert into messages, a savepoint that makes the FTS5 index flush what it holds to a new
// segment. A send that fails on its own (not a member, a client_id reused elsewhere, ...)
// fails in the checks, before anything is written, so it needs no savepoint; a failure of the
// engine fails the batch. The single write connection means no other transaction can store
// one of the batch's client ids meanwhile.
func (db *DB) SendBatch(ctx context.Context, ps []fechatter.SendParams) []fechatter.SendResult {
	res := make([]fechatter.SendResult, len(ps))
	for i, p := range ps {
		res[i].Err = validSend(p)
	}
	now := db.clock()
	ctx = withStmts(ctx, db.stmts)
	if err := db.update(ctx, func(tx *sql.Tx) error { return sendBatch(ctx, tx, ps, res, now) }); err != nil {
		failBatch(res, err)
	}
	return res
}

// Send appends a message, or returns the one the sender already sent with p.ClientID.
func (db *DB) Send(ctx context.Context, p fechatter.SendParams) (fechatter.Event, bool, error) {
	r := db.SendBatch(ctx, []fechatter.SendParams{p})[0]
	return r.Event, r.Created, r.Err
}

func validSend(p fechatter.SendParams) error {
	if p.ClientID == "" {
		return invalid("client_id is required")
	}
	return fechatter.CheckSend(p.Text, p.FileIDs)
}

// failBatch gives err to every send of a batch whose transaction failed, but for those that
// had failed on their own: nothing of the batch was stored.
func failBatch(res []fechatter.SendResult, err error) {
	for i := range res {
		if res[i].Err == nil || fechatter.ErrorCode(res[i].Err) == fechatter.EInternal {
			res[i] = fechatter.SendResult{Err: err}
		}
	}
}

// sendBatch fills res for every send still without an error, in the batch's order: a chat's
// new seqs follow the order of its sends in ps.
func sendBatch(ctx context.Context, tx *sql.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, now time.Time) error {
	valid := sendbatch.Pending(res)
	if len(valid) == 0 {
		return nil
	}
	if err := resolveSent(ctx, tx, ps, res, valid); err != nil {
		return err
	}
	todo, resends := sendbatch.Split(ps, res, valid)
	if err := checkWritable(ctx, tx, ps, res, todo); err != nil {
		return err
	}
	todo = slices.DeleteFunc(todo, func(i int) bool { return res[i].Err != nil })
	extras, err := resolveBatchExtras(ctx, tx, ps, res, todo)
	if err != nil {
		return err
	}
	todo = slices.DeleteFunc(todo, func(i int) bool { return res[i].Err != nil })
	if err := insertBatch(ctx, tx, ps, res, todo, extras, now); err != nil {
		return err
	}
	resends.Answer(ps, res)
	return nil
}

// extra is what a send adds besides its message: the thread it joins, whom it mentions and
// the files it carries. Most sends have none, and cost no statement for it.
type extra struct {
	thread int64
	msg    fechatter.Message // its Mentions and Broadcast
	files  []fechatter.File
}

func (x extra) none() bool {
	return x.thread == 0 && len(x.msg.Mentions) == 0 && x.msg.Broadcast == "" && len(x.files) == 0
}

// resolveBatchExtras works out each send's thread, mentions and files with the one-send
// helpers (statements only for the sends that have them); a send replying outside its chat or
// naming a file it may not attach (or one an earlier send of the batch took) fails on its own.
func resolveBatchExtras(ctx context.Context, tx *sql.Tx, ps []fechatter.SendParams, res []fechatter.SendResult, todo []int) (map[int]extra, error) {
	out := map[int]extra{}
	taken := map[int64]bool{}
	for _, i := range todo {
		p := ps[i]
		x := extra{msg: fechatter.Message{ChatID: p.ChatID, Text: p.Text}}
		if err := resolveExtras(ctx, tx, &x.msg, p.ThreadID); err != nil {
			if fechatter.ErrorCode(err) == fechatter.EInternal {
				return nil, err
			}
			res[i].Err = err
			continue
		}
		x.thread = x.msg.ThreadID
		files, err := claimFiles(ctx, tx, p.ChatID, p.SenderID, p.FileIDs)
		if err == nil && slices.ContainsFunc(files, func(f fechatter.File) bool { return taken[f.ID] }) {
			err = fechatter.ErrBadFiles()
		}
		if err != nil {
			if fechatter.ErrorCode(err) == fechatter.EInternal {
				return nil, err
			}
			res[i].Err = err
			continue
		}
		for _, f := range files {
			taken[f.ID] = true
		}
		x.files = files
		if !x.none() {
			out[i] = x
		}
	}
	return out, nil
}
