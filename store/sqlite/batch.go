package sqlite

import (
	"context"
	"database/sql"

	"github.com/fechatter/fechatter"
)

// SendBatch runs the sends in one write transaction; they all commit together. A send that
// fails on its own (not a member, a client_id reused elsewhere, ...) fails in its checks,
// before it writes anything, so it needs no savepoint; a failure of the engine fails the batch.
func (db *DB) SendBatch(ctx context.Context, ps []fechatter.SendParams) []fechatter.SendResult {
	res := make([]fechatter.SendResult, len(ps))
	now := db.clock()
	ctx = withStmts(ctx, db.stmts)
	err := db.update(ctx, func(tx *sql.Tx) error {
		for i, p := range ps {
			if err := validSend(p); err != nil {
				res[i] = fechatter.SendResult{Err: err}
				continue
			}
			ev, created, err := send(ctx, tx, p, now)
			if err != nil && fechatter.ErrorCode(err) == fechatter.EInternal {
				return err
			}
			res[i] = fechatter.SendResult{Event: ev, Created: created, Err: err}
		}
		return nil
	})
	if err != nil {
		failBatch(res, err)
	}
	return res
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
