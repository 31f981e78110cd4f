package push

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"time"
)

// deliver POSTs n until the receiver takes it (2xx), refuses it for good (a 4xx other than
// 408 and 429), the tries run out, or the hook closes.
func (h *Hook) deliver(n Notice) {
	body, err := json.Marshal(n)
	if err != nil {
		h.log.Error("push: encoding a notice", "err", err)
		return
	}
	for attempt := 1; ; attempt++ {
		status, err := h.post(n.ID, body)
		switch {
		case err == nil && status < 300:
			h.m.notices.WithLabelValues("sent").Inc()
			return
		case err == nil && !retryable(status):
			h.m.notices.WithLabelValues("rejected").Inc()
			h.log.Warn("push: receiver refused a notice", "id", n.ID, "status", status)
			return
		case attempt >= h.cfg.MaxAttempts:
			h.m.notices.WithLabelValues("failed").Inc()
			h.log.Warn("push: giving up on a notice", "id", n.ID, "attempts", attempt, "status", status, "err", err)
			return
		}
		h.m.retries.Inc()
		t := time.NewTimer(h.backoff(attempt))
		select {
		case <-t.C:
		case <-h.ctx.Done():
			t.Stop()
			h.m.notices.WithLabelValues("abandoned").Inc()
			return
		}
	}
}

// retryable reports whether a status is worth another try: the receiver's failures, its
// rate limit and request timeout.
func retryable(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests || status == http.StatusRequestTimeout
}

// backoff is the wait after the attempt-th failure: doubling from BaseDelay up to MaxDelay,
// of which a random half is taken off, so receivers that come back are not hit by every
// node's retries at once.
func (h *Hook) backoff(attempt int) time.Duration {
	d := h.cfg.BaseDelay << min(attempt-1, 30)
	if d > h.cfg.MaxDelay || d <= 0 {
		d = h.cfg.MaxDelay
	}
	return d/2 + rand.N(d/2+1)
}

// post makes one signed request; the signature is fresh on every try.
func (h *Hook) post(id string, body []byte) (int, error) {
	ctx, cancel := context.WithTimeout(h.ctx, h.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fechatter-push/1")
	req.Header.Set(HeaderDelivery, id)
	req.Header.Set(HeaderSignature, Sign(h.secret, h.cfg.Now(), body))
	start := time.Now()
	resp, err := h.cfg.Client.Do(req)
	h.m.latency.Observe(time.Since(start).Seconds())
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}
