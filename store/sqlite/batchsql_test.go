package sqlite

import (
	"context"
	"strings"
	"testing"
)

// TestBatchStatementsProbeIndexes requires every statement of a batch of sends to loop over
// its JSON rows and reach each table through an index: a plan that scans messages, chats or
// members would make a send cost as much as the table is large.
func TestBatchStatementsProbeIndexes(t *testing.T) {
	db := openTemp(t)
	ctx := context.Background()
	args := map[string][]any{
		sqlBatchSent:     {`[[1,"c1"],[2,"c2"]]`},
		sqlBatchAccess:   {`[[1,1],[2,2]]`},
		sqlBatchSeq:      {`[[1,2],[2,1]]`},
		sqlBatchMessages: {`[[1,1,1,"c1","hi",0,""]]`, 1},
		sqlBatchEvents:   {`[[1,1,1]]`, 1},
	}
	for _, q := range batchStatements() {
		rows, err := db.write.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, args[q]...)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if len(plan) == 0 || !strings.HasPrefix(plan[0], "SCAN k ") {
			t.Errorf("%s\ndoes not loop over its rows first:\n%s", q, strings.Join(plan, "\n"))
		}
		// An INSERT's plan also lists the foreign-key actions SQLite compiles for a delete
		// (SCAN saved, SCAN events): they never run on an insert.
		for _, step := range plan {
			for _, table := range []string{"m", "c", "u", "messages", "chats", "members", "users"} {
				if strings.HasPrefix(step, "SCAN "+table+" ") || step == "SCAN "+table {
					t.Errorf("%s\nscans %s:\n%s", q, table, strings.Join(plan, "\n"))
				}
			}
		}
	}
}
