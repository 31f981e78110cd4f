package rest

import (
	"context"
	"slices"

	"github.com/fechatter/fechatter"
	"github.com/gofiber/fiber/v2"
)

func (s *Server) listChats(c *fiber.Ctx) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	chats, err := s.cfg.Store.ChatsForUser(ctx, currentUser(c).ID)
	if err != nil {
		return err
	}
	if chats == nil {
		chats = []fechatter.ChatSummary{}
	}
	return c.JSON(fiber.Map{"chats": chats})
}

type createChatRequest struct {
	Kind      fechatter.ChatKind `json:"kind"`
	Name      string             `json:"name"`
	MemberIDs []int64            `json:"member_ids"`
	Private   bool               `json:"private"`
}

func (r *createChatRequest) validate(self int64) error {
	if !r.Kind.Valid() {
		return fechatter.Errorf(fechatter.EInvalid, "field \"kind\" must be direct, group or channel")
	}
	if len(r.MemberIDs) > 1000 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"member_ids\" lists more than 1000 users; add them in batches")
	}
	ids := r.MemberIDs[:0:0]
	for _, id := range r.MemberIDs {
		if id <= 0 {
			return fechatter.Errorf(fechatter.EInvalid, "field \"member_ids\" holds an invalid id")
		}
		if id != self && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	r.MemberIDs = ids
	switch r.Kind {
	case fechatter.ChatDirect:
		if len(ids) != 1 {
			return fechatter.Errorf(fechatter.EInvalid, "a direct chat has exactly one other member in \"member_ids\"")
		}
		r.Name, r.Private = "", true
	case fechatter.ChatChannel:
		name, err := requireText("name", r.Name, fechatter.MaxChatName)
		if err != nil {
			return err
		}
		r.Name = name
	case fechatter.ChatGroup:
		r.Private = true
		if r.Name != "" {
			name, err := requireText("name", r.Name, fechatter.MaxChatName)
			if err != nil {
				return err
			}
			r.Name = name
		}
	}
	return nil
}

func (s *Server) createChat(c *fiber.Ctx) error {
	me := currentUser(c)
	var req createChatRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if err := req.validate(me.ID); err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	chat, created, err := s.cfg.Store.CreateChat(ctx, fechatter.CreateChatParams{
		WorkspaceID: me.WorkspaceID, CreatorID: me.ID, Kind: req.Kind, Name: req.Name,
		Private: req.Private, MemberIDs: req.MemberIDs,
	})
	if err != nil {
		return err
	}
	if !created {
		return c.JSON(chat)
	}
	s.cfg.Notifier.ChatJoined(chat, chat.MemberIDs)
	s.trackUser(c, me, fechatter.UsageEvent{Kind: fechatter.UsageChatCreated, ChatID: chat.ID, Code: string(chat.Kind),
		Count: int64(len(chat.MemberIDs))})
	return c.Status(fiber.StatusCreated).JSON(chat)
}

// visibleChat loads a chat the caller may see: a member, or any workspace user for a public
// channel. It returns the caller's membership too (zero Role when not a member).
func (s *Server) visibleChat(c *fiber.Ctx) (fechatter.Chat, fechatter.Member, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return fechatter.Chat{}, fechatter.Member{}, err
	}
	me := currentUser(c)
	ctx, cancel := s.ctx(c)
	defer cancel()
	chat, err := s.workspaceChat(ctx, id, me.WorkspaceID)
	if err != nil {
		return fechatter.Chat{}, fechatter.Member{}, err
	}
	m, err := s.cfg.Store.Member(ctx, id, me.ID)
	switch {
	case err == nil:
		return chat, m, nil
	case fechatter.ErrorCode(err) != fechatter.ENotFound:
		return fechatter.Chat{}, fechatter.Member{}, err
	case chat.Kind == fechatter.ChatChannel && !chat.Private:
		return chat, fechatter.Member{}, nil
	}
	// A private chat one is not in is as unknown as another workspace's.
	return fechatter.Chat{}, fechatter.Member{}, chatNotFound(id)
}

// chatNotFound is the one answer for a chat id the caller may not know of: one that does not
// exist, another workspace's, a private chat they are not in. Word for word the same, so the
// answer never tells a real id from a made-up one.
func chatNotFound(id int64) error {
	return fechatter.Errorf(fechatter.ENotFound, "chat %d not found", id)
}

// workspaceChat loads chat id of workspace ws; any other chat, existing or not, is chatNotFound.
func (s *Server) workspaceChat(ctx context.Context, id, ws int64) (fechatter.Chat, error) {
	chat, err := s.cfg.Store.Chat(ctx, id)
	if fechatter.ErrorCode(err) == fechatter.ENotFound || (err == nil && chat.WorkspaceID != ws) {
		return fechatter.Chat{}, chatNotFound(id)
	}
	return chat, err
}

// memberChat loads a chat the caller is a member of: visible non-members (a public channel's
// workspace) get 403 naming what they would need to join for.
func (s *Server) memberChat(c *fiber.Ctx, what string) (fechatter.Chat, error) {
	chat, m, err := s.visibleChat(c)
	if err != nil {
		return fechatter.Chat{}, err
	}
	if m.Role == "" {
		return fechatter.Chat{}, fechatter.Errorf(fechatter.EForbidden, "join chat %d to %s", chat.ID, what)
	}
	return chat, nil
}

func (s *Server) getChat(c *fiber.Ctx) error {
	chat, _, err := s.visibleChat(c)
	if err != nil {
		return err
	}
	return c.JSON(chat)
}

type updateChatRequest struct {
	Name     *string `json:"name"`
	Topic    *string `json:"topic"`
	Private  *bool   `json:"private"`
	Archived *bool   `json:"archived"`
}

func (s *Server) updateChat(c *fiber.Ctx) error {
	chat, m, err := s.visibleChat(c)
	if err != nil {
		return err
	}
	if !m.Role.CanManage() {
		return fechatter.Errorf(fechatter.EForbidden, "only the chat's owner or admins may change it")
	}
	var req updateChatRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if chat.Kind == fechatter.ChatDirect && (req.Name != nil || req.Private != nil) {
		return fechatter.Errorf(fechatter.EInvalid, "a direct chat has no name or visibility to change")
	}
	if req.Name != nil {
		name, err := requireText("name", *req.Name, fechatter.MaxChatName)
		if err != nil {
			return err
		}
		req.Name = &name
	}
	if req.Archived != nil && !*req.Archived && chat.Archived && !fechatter.CanUnarchive(chat, currentUser(c).Role, m.Role) {
		return fechatter.Errorf(fechatter.EForbidden, "a workspace admin archived this chat; only a workspace admin can un-archive it")
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	updated, err := s.cfg.Store.UpdateChat(ctx, chat.ID, fechatter.ChatUpdate{Name: req.Name, Topic: req.Topic, Private: req.Private,
		Archived: req.Archived, ByAdmin: currentUser(c).Role.CanManage()})
	if err != nil {
		return err
	}
	if req.Archived != nil && *req.Archived != chat.Archived {
		action := "chat.archive"
		if !*req.Archived {
			action = "chat.unarchive"
		}
		s.audit(c, action, "chat", chat.ID, nil)
	}
	return c.JSON(updated)
}

type addMembersRequest struct {
	UserIDs []int64 `json:"user_ids"`
}

func (s *Server) addMembers(c *fiber.Ctx) error {
	chat, m, err := s.visibleChat(c)
	if err != nil {
		return err
	}
	var req addMembersRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	if len(req.UserIDs) == 0 || len(req.UserIDs) > 1000 {
		return fechatter.Errorf(fechatter.EInvalid, "field \"user_ids\" must list 1 to 1000 users")
	}
	me := currentUser(c)
	selfJoin := len(req.UserIDs) == 1 && req.UserIDs[0] == me.ID && chat.Kind == fechatter.ChatChannel && !chat.Private
	switch {
	case chat.Kind == fechatter.ChatDirect:
		return fechatter.Errorf(fechatter.EInvalid, "a direct chat always has exactly two members")
	case chat.Archived:
		return fechatter.Errorf(fechatter.EForbidden, "chat %d is archived", chat.ID)
	case !selfJoin && !m.Role.CanManage():
		return fechatter.Errorf(fechatter.EForbidden, "only the chat's owner or admins may add members")
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	var evs []fechatter.Event
	err = s.cfg.Notifier.Change(ctx, chat.ID, func(ctx context.Context) (_ []fechatter.Event, err error) {
		evs, err = s.cfg.Store.AddMembers(ctx, chat.ID, me.ID, req.UserIDs)
		return evs, err
	})
	if err != nil {
		return err
	}
	added := make([]int64, len(evs))
	for i, ev := range evs {
		added[i] = ev.UserID
	}
	if len(added) > 0 {
		if chat, err = s.cfg.Store.Chat(ctx, chat.ID); err != nil {
			return err
		}
		s.cfg.Notifier.ChatJoined(chat, added)
		s.audit(c, "chat.members_add", "chat", chat.ID, fiber.Map{"user_ids": added})
		for _, uid := range added {
			s.track(fechatter.UsageEvent{Kind: fechatter.UsageMemberJoined, WorkspaceID: me.WorkspaceID, UserID: uid, ChatID: chat.ID})
		}
	}
	return c.JSON(fiber.Map{"added": added, "chat": chat})
}

func (s *Server) removeMember(c *fiber.Ctx) error {
	chat, m, err := s.visibleChat(c)
	if err != nil {
		return err
	}
	uid, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	me := currentUser(c)
	switch {
	case chat.Kind == fechatter.ChatDirect:
		return fechatter.Errorf(fechatter.EInvalid, "a direct chat always has exactly two members")
	case uid == chat.OwnerID:
		return fechatter.Errorf(fechatter.EForbidden, "the chat's owner cannot be removed")
	case uid != me.ID && !m.Role.CanManage():
		return fechatter.Errorf(fechatter.EForbidden, "only the chat's owner or admins may remove members")
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	// The member_left event reaches the member's sockets in seq order, even on a node that
	// misses the chat_left notice, which is the fast path.
	err = s.cfg.Notifier.Change(ctx, chat.ID, func(ctx context.Context) ([]fechatter.Event, error) {
		ev, err := s.cfg.Store.RemoveMember(ctx, chat.ID, uid, me.ID)
		if err != nil {
			return nil, err
		}
		return []fechatter.Event{ev}, nil
	})
	if err != nil {
		return err
	}
	s.cfg.Notifier.ChatLeft(chat.ID, uid)
	s.track(fechatter.UsageEvent{Kind: fechatter.UsageMemberLeft, WorkspaceID: me.WorkspaceID, UserID: uid, ChatID: chat.ID})
	if uid != me.ID {
		s.audit(c, "chat.member_remove", "chat", chat.ID, fiber.Map{"user_id": uid})
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (s *Server) messages(c *fiber.Ctx) error {
	chat, err := s.memberChat(c, "read its history")
	if err != nil {
		return err
	}
	const maxSeq = 1 << 53
	before, err := queryInt(c, "before", 0, 1, maxSeq)
	if err != nil {
		return err
	}
	after, err := queryInt(c, "after", 0, 0, maxSeq)
	if err != nil {
		return err
	}
	if before > 0 && c.Query("after") != "" {
		return fechatter.Errorf(fechatter.EInvalid, "use either \"before\" or \"after\", not both")
	}
	limit, err := queryInt(c, "limit", fechatter.DefaultHistory, 1, fechatter.MaxHistoryLimit)
	if err != nil {
		return err
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	thread, err := queryInt(c, "thread_id", 0, 1, maxSeq)
	if err != nil {
		return err
	}
	around, err := queryInt(c, "around", 0, 1, maxSeq)
	if err != nil {
		return err
	}
	if around > 0 {
		if before > 0 || c.Query("after") != "" {
			return fechatter.Errorf(fechatter.EInvalid, "use \"around\" alone, without \"before\" or \"after\"")
		}
		return s.messagesAround(c, fechatter.MessageQuery{ChatID: chat.ID, ThreadID: thread, Limit: int(limit)}, around)
	}
	msgs, more, err := s.cfg.Store.Messages(ctx, fechatter.MessageQuery{ChatID: chat.ID, ThreadID: thread, Before: before, After: after, Forward: c.Query("after") != "", Limit: int(limit)})
	if err != nil {
		return err
	}
	if msgs == nil {
		msgs = []fechatter.Message{}
	}
	return c.JSON(fiber.Map{"messages": msgs, "has_more": more})
}

// messagesAround answers ?around=<seq>: the page of about limit messages centred on seq (the
// message with that seq, when it exists, and the ones just before and after it), with
// has_more for older ones and has_newer for newer ones. Search hits open their chat this way.
func (s *Server) messagesAround(c *fiber.Ctx, q fechatter.MessageQuery, seq int64) error {
	ctx, cancel := s.ctx(c)
	defer cancel()
	limit := q.Limit
	older := q
	older.Before, older.Limit = seq+1, max(1, (limit+1)/2)
	msgs, more, err := s.cfg.Store.Messages(ctx, older)
	if err != nil {
		return err
	}
	newer := q
	newer.After, newer.Forward, newer.Limit = seq, true, max(1, limit-older.Limit)
	after, newerMore, err := s.cfg.Store.Messages(ctx, newer)
	if err != nil {
		return err
	}
	page := append(append([]fechatter.Message{}, msgs...), after...)
	return c.JSON(fiber.Map{"messages": page, "has_more": more, "has_newer": newerMore})
}

type memberRoleRequest struct {
	Role fechatter.Role `json:"role"`
}

// setMemberRole answers PATCH /chats/{id}/members/{user_id}: the chat's owner makes a member an
// admin (who may then add and remove members and delete messages) or a member again.
func (s *Server) setMemberRole(c *fiber.Ctx) error {
	chat, m, err := s.visibleChat(c)
	if err != nil {
		return err
	}
	uid, err := pathID(c, "user_id")
	if err != nil {
		return err
	}
	var req memberRoleRequest
	if err := decode(c, &req); err != nil {
		return err
	}
	switch {
	case req.Role != fechatter.RoleAdmin && req.Role != fechatter.RoleMember:
		return fechatter.Errorf(fechatter.EInvalid, "field \"role\" must be admin or member")
	case m.Role != fechatter.RoleOwner:
		return fechatter.Errorf(fechatter.EForbidden, "only the chat's owner appoints admins")
	case chat.Kind == fechatter.ChatDirect:
		return fechatter.Errorf(fechatter.EInvalid, "a direct chat has no admins")
	}
	ctx, cancel := s.ctx(c)
	defer cancel()
	if err := s.cfg.Store.SetMemberRole(ctx, chat.ID, uid, req.Role); err != nil {
		return err
	}
	s.audit(c, "chat.member_role", "chat", chat.ID, fiber.Map{"user_id": uid, "role": req.Role})
	member, err := s.cfg.Store.Member(ctx, chat.ID, uid)
	if err != nil {
		return err
	}
	return c.JSON(member)
}
