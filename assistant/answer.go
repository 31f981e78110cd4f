package assistant

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter"
	"github.com/fechatter/fechatter/openai"
	"github.com/google/uuid"
)

// answer is one answer streaming on this node.
type answer struct {
	req     Request
	bot     fechatter.User
	msg     fechatter.Message
	prompt  prompt
	started time.Time
	ctx     context.Context
	cancel  context.CancelCauseFunc

	doneCh chan struct{} // closed once the answer's end is stored
}

func (a *answer) done() <-chan struct{} { return a.doneCh }

// finishTimeout bounds storing an answer's end (see Config.SweepGrace).
const finishTimeout = 5 * time.Second

// errTooLong stops a model that writes past what one message holds.
var errTooLong = errors.New("assistant: the answer reached the message size limit")

// run streams the model's answer into a.msg and stores its end, whatever happens.
func (s *Service) run(a *answer) {
	defer s.wg.Done()
	defer func() {
		s.release(a)
		s.m.running.Dec()
		close(a.doneCh)
	}()
	ctx, cancel := context.WithTimeout(a.ctx, s.cfg.AnswerTimeout)
	defer cancel()
	var text strings.Builder
	var firstToken time.Duration
	st := &streamer{s: s, chatID: a.msg.ChatID, msgID: a.msg.ID}
	runes := 0
	res, err := s.cfg.Model.Stream(ctx, a.prompt.request(s.cfg.MaxTokens), func(d string) error {
		if firstToken == 0 {
			firstToken = time.Since(a.started)
			s.m.firstToken.Observe(firstToken.Seconds())
		}
		if runes += utf8.RuneCountInString(d); runes > fechatter.MaxTextRunes-200 {
			return errTooLong
		}
		text.WriteString(d)
		st.update(text.String())
		return nil
	})
	st.stop()
	final, state := text.String(), fechatter.StateComplete
	cause := context.Cause(a.ctx)
	switch {
	case errors.Is(cause, errCanceled):
		state = fechatter.StateCanceled
	case errors.Is(err, errTooLong):
		final += "\n\n_(cut short: the answer reached the message size limit)_"
	case err != nil:
		state = fechatter.StateFailed
		s.log.Warn("assistant: answer failed", "chat_id", a.msg.ChatID, "message_id", a.msg.ID, "err", err)
		if final == "" {
			final = "_The assistant could not answer: " + reason(err, cause) + "._"
		}
	default:
		final += a.prompt.sources(final)
	}
	if utf8.RuneCountInString(final) > fechatter.MaxTextRunes {
		final = string([]rune(final)[:fechatter.MaxTextRunes])
	}
	// The end is stored even when the service is closing: a fresh context, bounded.
	fctx, fcancel := context.WithTimeout(context.Background(), finishTimeout)
	defer fcancel()
	if _, ferr := s.finish(fctx, a.msg.ChatID, a.msg.ID, final, state); ferr != nil {
		if fechatter.ErrorCode(ferr) != fechatter.EConflict { // EConflict: canceled or swept elsewhere
			s.log.Error("assistant: storing the answer failed; the sweeper will mark it failed", "message_id", a.msg.ID, "err", ferr)
		}
	}
	elapsed := time.Since(a.started)
	s.m.answers.WithLabelValues(stateLabel(state)).Inc()
	s.m.tokens.Add(float64(res.Usage.CompletionTokens))
	s.m.duration.Observe(elapsed.Seconds())
	s.track(a, res, state, err, elapsed)
}

func reason(err, cause error) string {
	var oe *openai.Error
	switch {
	case errors.Is(cause, errShutdown):
		return "the server restarted"
	case errors.Is(err, context.DeadlineExceeded):
		return "it took too long"
	case errors.Is(err, openai.ErrIdle), errors.Is(err, openai.ErrTruncated):
		return "the model stopped responding"
	case errors.As(err, &oe) && oe.Status == 429:
		return "the model is rate limited, try again later"
	default:
		return "the model failed"
	}
}

func stateLabel(s fechatter.MessageState) string {
	if s == fechatter.StateComplete {
		return "complete"
	}
	return string(s)
}

// track emits the bot_response analytics event (fechatter.BotResponse builds it): model,
// tokens and latency, never text.
func (s *Service) track(a *answer, res openai.Result, state fechatter.MessageState, err error, elapsed time.Duration) {
	if s.cfg.Usage == nil {
		return
	}
	ev := fechatter.BotResponse{WorkspaceID: a.req.Asker.WorkspaceID, UserID: a.req.Asker.ID, ChatID: a.msg.ChatID,
		Trigger: string(a.req.Kind), Latency: elapsed, Model: s.cfg.Model.Model(), Outcome: outcome(state, err),
		TokensIn: int64(res.Usage.PromptTokens), TokensOut: int64(res.Usage.CompletionTokens)}.Usage()
	ev.ID, ev.At, ev.Source = uuid.NewString(), time.Now().UTC(), fechatter.SourceServer
	s.cfg.Usage.Track(ev)
}

// outcome is an answer's end as a bot_response outcome.
func outcome(state fechatter.MessageState, err error) string {
	switch {
	case state == fechatter.StateCanceled:
		return fechatter.BotCanceled
	case state != fechatter.StateFailed:
		return fechatter.BotOK
	case errors.Is(err, context.DeadlineExceeded):
		return fechatter.BotTimeout
	default:
		return fechatter.BotError
	}
}
