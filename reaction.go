package fechatter

import "slices"

// ReactionSet aggregates reaction rows (message, emoji, user), read in the order they were
// made, into each message's Reactions: emoji in order of first use, Count of everyone,
// UserIDs of the first MaxReactionUsers. Both stores use it, so the shape cannot drift.
type ReactionSet struct {
	by map[int64][]Reaction
}

// Add records one user's emoji on a message.
func (s *ReactionSet) Add(messageID int64, emoji string, userID int64) {
	if s.by == nil {
		s.by = map[int64][]Reaction{}
	}
	rs := s.by[messageID]
	i := slices.IndexFunc(rs, func(r Reaction) bool { return r.Emoji == emoji })
	if i < 0 {
		rs = append(rs, Reaction{Emoji: emoji})
		i = len(rs) - 1
	}
	rs[i].Count++
	if len(rs[i].UserIDs) < MaxReactionUsers {
		rs[i].UserIDs = append(rs[i].UserIDs, userID)
	}
	s.by[messageID] = rs
}

// Of returns a message's reactions, nil when it has none.
func (s *ReactionSet) Of(messageID int64) []Reaction { return s.by[messageID] }
