package sqlite_test

import (
	"testing"

	"github.com/fechatter/fechatter/store/sqlite"
	"github.com/fechatter/fechatter/store/storetest"
)

// TestSearchPlansAgree requires the plan the store chooses and the plan with the chats in the MATCH to
// return the same hits in the same order.
func TestSearchPlansAgree(t *testing.T) {
	storetest.PlansAgree(t, open(t, sqlite.Options{}), sqlite.ForceChatsDrive)
}

// TestSearchRankingAgreesWithBM25 requires searches of one term, ranked in Go without bm25's
// IDF, to return what bm25's ranking returns, in the same order.
func TestSearchRankingAgreesWithBM25(t *testing.T) {
	storetest.PlansAgree(t, open(t, sqlite.Options{}), sqlite.ForceBM25)
}
