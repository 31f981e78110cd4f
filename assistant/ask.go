package assistant

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter"
	"github.com/google/uuid"
)

// Kind is what the asker wants.
type Kind string

const (
	KindAsk       Kind = "ask"       // answer Text from the chat and what the asker may search
	KindSummarize Kind = "summarize" // summarise what the asker has not read (or the latest)
	KindTranslate Kind = "translate" // translate MessageID into Lang
)

// MaxQuestion bounds a question's length in characters.
const MaxQuestion = 2000

// Request is one question.
type Request struct {
	Asker     fechatter.User
	Kind      Kind
	ChatID    int64  // ask, summarize: the chat (translate: taken from the message)
	ThreadID  int64  // answer in this thread
	Text      string // ask: the question
	MessageID int64  // translate: the message
	Lang      string // translate: the target language, as people write it ("French", "de")
}

func (r *Request) validate() error {
	r.Text, r.Lang = strings.TrimSpace(r.Text), strings.TrimSpace(r.Lang)
	switch r.Kind {
	case KindAsk:
		if r.Text == "" {
			return fechatter.Errorf(fechatter.EInvalid, "field \"text\" is required: what to ask")
		}
		if utf8.RuneCountInString(r.Text) > MaxQuestion {
			return fechatter.Errorf(fechatter.ETooLarge, "a question has at most %d characters", MaxQuestion)
		}
	case KindSummarize:
	case KindTranslate:
		if r.Lang == "" || utf8.RuneCountInString(r.Lang) > 40 || strings.ContainsAny(r.Lang, "\n\r") {
			return fechatter.Errorf(fechatter.EInvalid, "field \"lang\" must name a language (at most 40 characters)")
		}
	default:
		return fechatter.Errorf(fechatter.EInvalid, "unknown assistant command %q", r.Kind)
	}
	return nil
}

// Ask starts an answer and returns its message, still streaming: the text follows as stream
// events and a final message_edited event. Errors: ENotFound when the asker is not in the
// chat, EForbidden when the assistant is not a member there or is turned off, ERateLimited when a
// daily quota is spent (until the next UTC midnight) or while the asker's previous answer still streams.
func (s *Service) Ask(ctx context.Context, r Request) (fechatter.Message, error) {
	if err := r.validate(); err != nil {
		return fechatter.Message{}, err
	}
	bot, err := s.bot(ctx, r.Asker.WorkspaceID)
	if err != nil {
		return fechatter.Message{}, err
	}
	if r.Kind == KindTranslate {
		m, err := s.cfg.Store.Message(ctx, r.MessageID)
		if err != nil {
			return fechatter.Message{}, err
		}
		r.ChatID, r.ThreadID = m.ChatID, m.ThreadID
	}
	if _, err := s.cfg.Store.Member(ctx, r.ChatID, r.Asker.ID); err != nil {
		return fechatter.Message{}, err // ENotFound: nothing about the chat leaks
	}
	if _, err := s.cfg.Store.Member(ctx, r.ChatID, bot.ID); fechatter.ErrorCode(err) == fechatter.ENotFound {
		return fechatter.Message{}, fechatter.Errorf(fechatter.EForbidden, "the assistant is not a member of this chat; add it first")
	} else if err != nil {
		return fechatter.Message{}, err
	}
	prompt, err := s.prompt(ctx, r, bot)
	if err != nil {
		return fechatter.Message{}, err
	}
	a, err := s.reserve(r, bot)
	if err != nil {
		return fechatter.Message{}, err
	}
	ev, err := s.start(ctx, r, bot)
	if err != nil {
		s.release(a)
		return fechatter.Message{}, err
	}
	a.msg, a.prompt = ev.Message, prompt
	s.mu.Lock()
	s.running[a.msg.ID] = a
	s.mu.Unlock()
	s.m.running.Inc()
	s.wg.Add(1)
	go s.run(a)
	return ev.Message, nil
}

// reserve takes a slot for r's answer: one running answer per asker, Concurrency per node.
func (s *Service) reserve(r Request, bot fechatter.User) (*answer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fechatter.Errorf(fechatter.EUnavailable, "the server is shutting down; ask again in a moment")
	}
	if _, busy := s.askers[r.Asker.ID]; busy {
		return nil, fechatter.RateLimited(2*time.Second, "the assistant is still answering your last question")
	}
	if len(s.askers) >= s.cfg.Concurrency {
		return nil, fechatter.RateLimited(5*time.Second, "the assistant is busy")
	}
	a := &answer{req: r, bot: bot, started: time.Now(), doneCh: make(chan struct{})}
	a.ctx, a.cancel = context.WithCancelCause(s.ctx)
	s.askers[r.Asker.ID] = 0
	return a, nil
}

func (s *Service) release(a *answer) {
	a.cancel(nil)
	s.mu.Lock()
	delete(s.askers, a.req.Asker.ID)
	if a.msg.ID != 0 {
		delete(s.running, a.msg.ID)
	}
	s.mu.Unlock()
}

// start stores the streaming message through the chat's worker.
func (s *Service) start(ctx context.Context, r Request, bot fechatter.User) (fechatter.Event, error) {
	now := s.cfg.Now().UTC()
	p := fechatter.AnswerParams{ChatID: r.ChatID, BotID: bot.ID, AskerID: r.Asker.ID, ClientID: uuid.NewString(),
		ThreadID: r.ThreadID, Since: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC),
		UserQuota: max(s.cfg.UserQuota, 0), WorkspaceQuota: max(s.cfg.WorkspaceQuota, 0)}
	var ev fechatter.Event
	err := s.cfg.Hub.Change(ctx, r.ChatID, func(ctx context.Context) ([]fechatter.Event, error) {
		var err error
		ev, err = s.cfg.Store.StartAnswer(ctx, p)
		if err != nil {
			return nil, err
		}
		return []fechatter.Event{ev}, nil
	})
	return ev, err
}

// Cancel stops a streaming answer: its asker may, or an owner or admin of its chat. The
// answer keeps the text it had and ends canceled. On the node that runs it the model stream
// stops at once; on another node the message ends at once and the stream at its end.
func (s *Service) Cancel(ctx context.Context, user fechatter.User, messageID int64) (fechatter.Message, error) {
	m, err := s.cfg.Store.Message(ctx, messageID)
	if err != nil {
		return fechatter.Message{}, err
	}
	mem, err := s.cfg.Store.Member(ctx, m.ChatID, user.ID)
	if err != nil {
		return fechatter.Message{}, err
	}
	if m.AskerID == 0 {
		return fechatter.Message{}, fechatter.Errorf(fechatter.EInvalid, "message %d is not an assistant answer", messageID)
	}
	if m.AskerID != user.ID && !mem.Role.CanManage() {
		return fechatter.Message{}, fechatter.Errorf(fechatter.EForbidden, "only the asker or a chat admin may stop an answer")
	}
	if m.State != fechatter.StateStreaming {
		return fechatter.Message{}, fechatter.ErrAnswerEnded()
	}
	s.mu.Lock()
	a := s.running[messageID]
	s.mu.Unlock()
	if a != nil {
		a.cancel(errCanceled)
		select {
		case <-a.done():
			return s.cfg.Store.Message(ctx, messageID)
		case <-ctx.Done():
			return fechatter.Message{}, ctx.Err()
		}
	}
	ev, err := s.finish(ctx, m.ChatID, messageID, "", fechatter.StateCanceled)
	return ev.Message, err
}

// finish stores an answer's end through the chat's worker.
func (s *Service) finish(ctx context.Context, chatID, messageID int64, text string, state fechatter.MessageState) (fechatter.Event, error) {
	var ev fechatter.Event
	err := s.cfg.Hub.Change(ctx, chatID, func(ctx context.Context) ([]fechatter.Event, error) {
		var err error
		ev, err = s.cfg.Store.FinishAnswer(ctx, fechatter.FinishParams{ChatID: chatID, MessageID: messageID, Text: text, State: state})
		if err != nil {
			return nil, err
		}
		return []fechatter.Event{ev}, nil
	})
	return ev, err
}
