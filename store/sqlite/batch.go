package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/fechatter/fechatter"
)

// SendBatch runs the sends in one write transaction, each under its own savepoint so a send
// that fails leaves the others intact; they all commit together.
func (db *DB) SendBatch(ctx context.Context, ps []fechatter.SendParams) []fechatter.SendResult {
	res := make([]fechatter.SendResult, len(ps))
	now := db.clock()
	err := db.update(ctx, func(tx *sql.Tx) error {
		for i, p := range ps {
			res[i] = fechatter.SendResult{}
			if err := validSend(p); err != nil {
				res[i].Err = err
				continue
			}
			if _, err := tx.ExecContext(ctx, `SAVEPOINT send`); err != nil {
				return fmt.Errorf("sqlite: savepoint: %w", err)
			}
			ev, created, err := send(ctx, tx, p, now)
			if err != nil {
				if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO send`); rerr != nil {
					return fmt.Errorf("sqlite: rollback to savepoint: %w", rerr)
				}
				if fechatter.ErrorCode(err) == fechatter.EInternal {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE send`); err != nil {
				return fmt.Errorf("sqlite: release savepoint: %w", err)
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
	return checkText(p.Text)
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
