package assistant

import (
	"context"
	"time"

	"github.com/fechatter/fechatter"
)

// sweep marks answers that no node is writing any more as failed: at start (a node that
// restarts after a crash cleans up after itself) and every SweepInterval.
func (s *Service) sweep() {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.SweepInterval)
	defer t.Stop()
	for {
		s.sweepOnce()
		select {
		case <-s.ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sweepOnce fails the answers started more than AnswerTimeout + SweepGrace ago that are
// still streaming, and returns how many it failed.
func (s *Service) sweepOnce() int {
	ctx, cancel := context.WithTimeout(s.ctx, 30*time.Second)
	defer cancel()
	stale, err := s.cfg.Store.StaleAnswers(ctx, s.cfg.Now().Add(-s.cfg.AnswerTimeout-s.cfg.SweepGrace), 100)
	if err != nil {
		s.log.Warn("assistant: sweep", "err", err)
		return 0
	}
	n := 0
	for _, m := range stale {
		s.mu.Lock()
		_, mine := s.running[m.ID]
		s.mu.Unlock()
		if mine {
			continue
		}
		text := m.Text
		if text == "" {
			text = "_The assistant could not finish this answer: the server stopped._"
		}
		if _, err := s.finish(ctx, m.ChatID, m.ID, text, fechatter.StateFailed); err == nil {
			n++
			s.m.swept.Inc()
			s.log.Info("assistant: answer left streaming marked failed", "chat_id", m.ChatID, "message_id", m.ID)
		} else if fechatter.ErrorCode(err) != fechatter.EConflict {
			s.log.Warn("assistant: sweep", "message_id", m.ID, "err", err)
		}
	}
	return n
}
