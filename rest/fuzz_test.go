package rest

import (
	"testing"

	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Every JSON body the API binds: any bytes decode (and pass the request's own checks) or are
// refused with invalid_input; never a panic, never another error.
func FuzzBind(f *testing.F) {
	targets := []func() any{
		func() any { return &signupRequest{} }, func() any { return &loginRequest{} }, func() any { return &refreshRequest{} },
		func() any { return &createChatRequest{} }, func() any { return &updateChatRequest{} }, func() any { return &addMembersRequest{} },
		func() any { return &memberRoleRequest{} }, func() any { return &inviteRequest{} }, func() any { return &invitePreviewRequest{} },
		func() any { return &reactRequest{} }, func() any { return &sendRequest{} }, func() any { return &passwordRequest{} },
		func() any { return &seqRequest{} }, func() any { return &workspaceRequest{} }, func() any { return &adminUserRequest{} },
	}
	for i, s := range []string{`{"email":"a@b.io","password":"correct horse battery","fullname":"A","workspace":"w"}`,
		`{"refresh_token":"x"}`, `{"kind":"group","name":"n","member_ids":[1,2]}`, `{"name":null}`, `{"user_ids":[-1]}`,
		`{"role":"admin"}`, `{"role":"member","max_uses":1}`, `{"token":""}`, `{"emoji":"👍"}`, `{"client_id":"x","text":"hi"}`,
		`{"current_password":"a","new_password":"b"}`, `{"seq":-1}`, `{"name":"W"}`, `{"disabled":true}`, `[1]`, ``} {
		f.Add(uint8(i), []byte(s))
	}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		c := app.AcquireCtx(&fasthttp.RequestCtx{})
		defer app.ReleaseCtx(c)
		c.Request().SetBody(body)
		v := targets[int(which)%len(targets)]()
		var err error
		if r, ok := v.(interface{ validate() error }); ok {
			err = bind(c, r)
		} else {
			err = decode(c, v)
		}
		if err != nil && fechatter.ErrorCode(err) != fechatter.EInvalid {
			t.Fatalf("%T from %q: error %v is not invalid_input", v, body, err)
		}
	})
}
