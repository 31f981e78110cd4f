package rest

import (
	apidoc "github.com/fechatter/fechatter/api"
	"github.com/gofiber/fiber/v2"
)

// docs serves the machine-readable API documents, without authentication: the OpenAPI 3.1
// document of this API and the AsyncAPI 3 document of the socket protocol.
func (s *Server) docs(r fiber.Router) {
	serve := func(doc func() []byte) fiber.Handler {
		return func(c *fiber.Ctx) error {
			c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
			return c.Send(doc())
		}
	}
	r.Get("/openapi.json", serve(apidoc.OpenAPI))
	r.Get("/asyncapi.json", serve(apidoc.AsyncAPI))
}
