package postgres

import "github.com/fechatter/fechatter"

// What drives a search: the chats always go into the tsquery, so the GIN scan yields only the
// messages the user may read and the heap is read for those alone. Letting rare words drive
// (their posting list, then each row's chat) was tried, with word frequencies from the tsv
// column's statistics: the planner then chose plans that read far more rows on 1M messages
// (docs/benchmarks.md#search), so the one predictable plan stays. A text search with its chats
// in the tsquery runs newest id block first (searchByBlocks); the forced plan runs searchSQL.
func chatsDrive(q fechatter.MessageSearch) bool { return !forceWordsDrive || q.Text.Empty() }

// forceWordsDrive makes searches check each candidate's chat on its row instead; tests set it
// to check that both plans agree.
var forceWordsDrive bool
