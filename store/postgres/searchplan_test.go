package postgres_test

import (
	"testing"

	"github.com/fechatter/fechatter/store/postgres"
	"github.com/fechatter/fechatter/store/storetest"
)

// TestSearchPlansAgree requires the plan the store chooses and the plan with the words driving to
// return the same hits in the same order.
func TestSearchPlansAgree(t *testing.T) {
	requirePG(t)
	storetest.PlansAgree(t, open(t, postgres.Options{}), postgres.ForceWordsDrive)
}
