package assistant

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/fechatter/fechatter"
)

// Observe looks at a message this node committed; the hub calls it on its send worker, so it
// only queues (a full queue drops the message from the assistant's view, counted).
func (s *Service) Observe(ev fechatter.Event) {
	if ev.Kind != fechatter.EventMessage || ev.Message.AskerID != 0 || strings.TrimSpace(ev.Message.Text) == "" {
		return
	}
	select {
	case s.events <- ev:
	default:
		s.m.dropped.Inc()
	}
}

func (s *Service) watch() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case ev := <-s.events:
			s.consider(ev)
		}
	}
}

var mentionTokenRE = regexp.MustCompile(`<@\d+>`)

// consider answers a message that mentions a bot or is sent in a direct chat with one.
func (s *Service) consider(ev fechatter.Event) {
	ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
	defer cancel()
	m := ev.Message
	if s.botID(ctx, m.SenderID) {
		return
	}
	mentioned := false
	for _, id := range m.Mentions {
		if s.botID(ctx, id) {
			mentioned = true
		}
	}
	if !mentioned && !s.directWithBot(ctx, m.ChatID) {
		return
	}
	asker, err := s.cfg.Store.User(ctx, m.SenderID)
	if err != nil {
		s.log.Warn("assistant: asker", "user_id", m.SenderID, "err", err)
		return
	}
	q := strings.TrimSpace(mentionTokenRE.ReplaceAllStringFunc(m.Text, func(tok string) string {
		if id := tokenID(tok); id != 0 && s.botID(ctx, id) {
			return ""
		}
		return tok
	}))
	r := Request{Asker: asker, Kind: KindAsk, ChatID: m.ChatID, ThreadID: m.ThreadID, Text: q}
	if q == "" {
		r.Kind = KindSummarize
	}
	if _, err := s.Ask(ctx, r); err != nil {
		s.log.Info("assistant: not answering", "chat_id", m.ChatID, "message_id", m.ID, "code", fechatter.ErrorCode(err), "err", err)
	}
}

func tokenID(tok string) int64 {
	ids, _ := fechatter.ParseMentions(tok)
	if len(ids) == 1 {
		return ids[0]
	}
	return 0
}

// botID reports whether id is a bot user (cached: a user's kind never changes).
func (s *Service) botID(ctx context.Context, id int64) bool {
	s.mu.Lock()
	bot, ok := s.isBot[id]
	s.mu.Unlock()
	if ok {
		return bot
	}
	u, err := s.cfg.Store.User(ctx, id)
	if err != nil {
		return false
	}
	s.mu.Lock()
	s.isBot[id] = u.Bot
	s.mu.Unlock()
	return u.Bot
}

// directWithBot reports whether the chat is a direct chat with a bot (cached: a chat's kind
// and a direct chat's members never change).
func (s *Service) directWithBot(ctx context.Context, chatID int64) bool {
	s.mu.Lock()
	bot, ok := s.dmBot[chatID]
	s.mu.Unlock()
	if ok {
		return bot != 0
	}
	c, err := s.cfg.Store.Chat(ctx, chatID)
	if err != nil {
		return false
	}
	var found int64
	if c.Kind == fechatter.ChatDirect {
		for _, id := range c.MemberIDs {
			if s.botID(ctx, id) {
				found = id
			}
		}
	}
	s.mu.Lock()
	s.dmBot[chatID] = found
	s.mu.Unlock()
	return found != 0
}
