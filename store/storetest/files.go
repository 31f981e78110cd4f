package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter"
)

func fileCases() []testCase {
	return []testCase{
		{"FilesAttach", testFilesAttach},
		{"FilesAccess", testFilesAccess},
		{"FilesQuota", testFilesQuota},
		{"FilesSweepAndBlobs", testFilesSweepAndBlobs},
		{"FilesBatch", testFilesBatch},
		{"FilesSearch", testFilesSearch},
	}
}

func (f *fx) upload(chatID, uploader int64, name, sha string) fechatter.File {
	f.t.Helper()
	file, err := f.s.CreateFile(f.ctx, fechatter.File{ChatID: chatID, UploaderID: uploader, Name: name, Size: 100,
		ContentType: "image/png", SHA256: sha, Width: 10, Height: 20, Thumbnail: true}, 0)
	f.ok(err, "CreateFile")
	if file.ID == 0 || file.WorkspaceID == 0 || file.CreatedAt.IsZero() || file.MessageID != 0 {
		f.t.Fatalf("CreateFile = %+v", file)
	}
	return file
}

func (f *fx) sendFiles(chatID, sender int64, clientID, text string, ids ...int64) (fechatter.Event, error) {
	ev, _, err := f.s.Send(f.ctx, fechatter.SendParams{ChatID: chatID, SenderID: sender, ClientID: clientID, Text: text, FileIDs: ids})
	return ev, err
}

func fileIDs(files []fechatter.File) []int64 {
	ids := make([]int64, len(files))
	for i, f := range files {
		ids[i] = f.ID
	}
	return ids
}

func testFilesAttach(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	other := f.group(tm.alice, tm.carol)
	a := f.upload(g.ID, tm.alice.ID, "a.png", "aa")
	b := f.upload(g.ID, tm.alice.ID, "b.pdf", "bb")
	bobs := f.upload(g.ID, tm.bob.ID, "bob.png", "cc")
	elsewhere := f.upload(other.ID, tm.alice.ID, "x.png", "dd")

	for name, ids := range map[string][]int64{
		"someone else's upload": {bobs.ID}, "another chat's upload": {elsewhere.ID}, "an unknown file": {b.ID + 1000},
	} {
		_, err := f.sendFiles(g.ID, tm.alice.ID, "bad "+name, "", ids...)
		f.code(err, fechatter.EInvalid, "attach "+name)
	}
	_, err := f.sendFiles(g.ID, tm.alice.ID, "empty", "  ")
	f.code(err, fechatter.EInvalid, "empty message without files")

	// A message may be files only; its files come back in the order sent.
	ev, err := f.sendFiles(g.ID, tm.alice.ID, "files-1", "", b.ID, a.ID)
	f.ok(err, "send files")
	if got := fileIDs(ev.Message.Files); !slices.Equal(got, []int64{b.ID, a.ID}) || ev.Message.Files[0].MessageID != ev.Message.ID ||
		ev.Message.Files[1].Width != 10 || ev.Message.Files[0].Name != "b.pdf" {
		t.Fatalf("sent files = %+v", ev.Message.Files)
	}
	// Resending the same client_id answers the original; a file goes to one message only.
	again, created, err := s.Send(f.ctx, fechatter.SendParams{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "files-1", FileIDs: []int64{b.ID, a.ID}})
	f.ok(err, "resend")
	if created || again.Message.ID != ev.Message.ID || len(again.Message.Files) != 2 {
		t.Fatalf("resend = %+v created=%v", again, created)
	}
	_, err = f.sendFiles(g.ID, tm.alice.ID, "files-2", "again", a.ID)
	f.code(err, fechatter.EInvalid, "attach an attached file")

	// Events (replay) and history carry the files.
	evs := f.events(g.ID)
	if len(evs) != 1 || !slices.Equal(fileIDs(evs[0].Message.Files), []int64{b.ID, a.ID}) {
		t.Fatalf("events = %+v", evs)
	}
	msgs, _, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 10})
	f.ok(err, "Messages")
	if len(msgs) != 1 || len(msgs[0].Files) != 2 || msgs[0].Files[1].SHA256 != "aa" {
		t.Fatalf("history = %+v", msgs)
	}

	// Deleting the message takes its files out of view: history, replay and downloads.
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: ev.Message.ID, ActorID: tm.alice.ID})
	f.ok(err, "Delete")
	msgs, _, err = s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 10})
	f.ok(err, "Messages")
	if len(msgs) != 1 || len(msgs[0].Files) != 0 {
		t.Fatalf("history after delete = %+v", msgs)
	}
	for _, e := range f.events(g.ID) {
		if len(e.Message.Files) != 0 {
			t.Fatalf("replayed event after delete = %+v", e)
		}
	}
	_, err = s.FileForUser(f.ctx, a.ID, tm.bob.ID)
	f.code(err, fechatter.ENotFound, "download a deleted message's file")
}

func testFilesAccess(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob, tm.carol)
	file := f.upload(g.ID, tm.alice.ID, "plan.pdf", "aa")
	_, err := s.CreateFile(f.ctx, fechatter.File{ChatID: g.ID, UploaderID: tm.zed.ID, Name: "x", Size: 1, ContentType: "text/plain", SHA256: "zz"}, 0)
	f.code(err, fechatter.ENotFound, "upload by a stranger")

	// Unattached: its uploader only.
	got, err := s.FileForUser(f.ctx, file.ID, tm.alice.ID)
	f.ok(err, "FileForUser uploader")
	if got.Name != "plan.pdf" || got.ChatID != g.ID || got.Size != 100 {
		t.Fatalf("FileForUser = %+v", got)
	}
	_, err = s.FileForUser(f.ctx, file.ID, tm.bob.ID)
	f.code(err, fechatter.ENotFound, "unattached file for another member")

	_, err = f.sendFiles(g.ID, tm.alice.ID, "m1", "the plan", file.ID)
	f.ok(err, "send")
	_, err = s.FileForUser(f.ctx, file.ID, tm.bob.ID)
	f.ok(err, "FileForUser member")
	_, err = s.FileForUser(f.ctx, file.ID, tm.zed.ID)
	f.code(err, fechatter.ENotFound, "FileForUser stranger")
	f.removeMember(g.ID, tm.carol.ID)
	_, err = s.FileForUser(f.ctx, file.ID, tm.carol.ID)
	f.code(err, fechatter.ENotFound, "FileForUser removed member")
	f.ok(s.SetUserDisabled(f.ctx, tm.bob.ID, true), "disable")
	_, err = s.FileForUser(f.ctx, file.ID, tm.bob.ID)
	f.code(err, fechatter.ENotFound, "FileForUser disabled member")

	// An unattached upload can be taken back by its uploader only.
	spare := f.upload(g.ID, tm.alice.ID, "spare", "aa")
	f.code(s.DeleteFile(f.ctx, spare.ID, tm.carol.ID), fechatter.ENotFound, "DeleteFile by another")
	f.code(s.DeleteFile(f.ctx, file.ID, tm.alice.ID), fechatter.ENotFound, "DeleteFile of an attached file")
	f.ok(s.DeleteFile(f.ctx, spare.ID, tm.alice.ID), "DeleteFile")
}

func testFilesQuota(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	mk := func(size int64) (fechatter.File, error) {
		return s.CreateFile(f.ctx, fechatter.File{ChatID: g.ID, UploaderID: tm.alice.ID, Name: "f", Size: size, ContentType: "text/plain", SHA256: "s"}, 250)
	}
	_, err := mk(200)
	f.ok(err, "within quota")
	_, err = mk(51)
	f.code(err, fechatter.EQuota, "over quota")
	_, err = mk(50)
	f.ok(err, "up to quota")
	used, err := s.WorkspaceFileBytes(f.ctx, tm.alice.WorkspaceID)
	f.ok(err, "WorkspaceFileBytes")
	if used != 250 {
		t.Fatalf("used = %d, want 250", used)
	}
	archived := true
	_, err = s.UpdateChat(f.ctx, g.ID, fechatter.ChatUpdate{Archived: &archived})
	f.ok(err, "archive")
	_, err = s.CreateFile(f.ctx, fechatter.File{ChatID: g.ID, UploaderID: tm.alice.ID, Name: "f", Size: 1, ContentType: "text/plain", SHA256: "t"}, 0)
	f.code(err, fechatter.EForbidden, "upload to an archived chat")
}

func testFilesSweepAndBlobs(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	kept := f.upload(g.ID, tm.alice.ID, "kept", "shared")
	loose := f.upload(g.ID, tm.bob.ID, "loose", "shared") // the same bytes: one blob
	f.upload(g.ID, tm.bob.ID, "lonely", "lonely")
	_, err := f.sendFiles(g.ID, tm.alice.ID, "m1", "", kept.ID)
	f.ok(err, "send")

	n, err := s.SweepFiles(f.ctx, time.Now().Add(-time.Hour), 100)
	f.ok(err, "SweepFiles, nothing old")
	if n != 0 {
		t.Fatalf("swept %d young files", n)
	}
	n, err = s.SweepFiles(f.ctx, time.Now().Add(time.Hour), 100)
	f.ok(err, "SweepFiles")
	if n != 2 {
		t.Fatalf("swept %d files, want the 2 unattached", n)
	}
	_, err = s.FileForUser(f.ctx, loose.ID, tm.bob.ID)
	f.code(err, fechatter.ENotFound, "a swept file")
	orphans, err := s.OrphanBlobs(f.ctx, 100)
	f.ok(err, "OrphanBlobs")
	if !slices.Equal(orphans, []string{"lonely"}) {
		t.Fatalf("orphans = %v, want [lonely] (shared is still attached)", orphans)
	}

	// DeleteBlob deletes only what no file refers to, and rolls back when del fails.
	calls := 0
	ok, err := s.DeleteBlob(f.ctx, "shared", func() error { calls++; return nil })
	f.ok(err, "DeleteBlob of a used blob")
	if ok || calls != 0 {
		t.Fatalf("DeleteBlob(shared) = %v, del called %d times", ok, calls)
	}
	boom := errors.New("storage down")
	if _, err := s.DeleteBlob(f.ctx, "lonely", func() error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("DeleteBlob with failing del: %v", err)
	}
	if orphans, _ = s.OrphanBlobs(f.ctx, 100); len(orphans) != 1 {
		t.Fatalf("a failed delete forgot the blob: %v", orphans)
	}
	ok, err = s.DeleteBlob(f.ctx, "lonely", func() error { calls++; return nil })
	f.ok(err, "DeleteBlob")
	if !ok || calls != 1 {
		t.Fatalf("DeleteBlob(lonely) = %v, del called %d times", ok, calls)
	}
	// The same bytes uploaded again are a new blob.
	again := f.upload(g.ID, tm.bob.ID, "lonely again", "lonely")
	if orphans, _ = s.OrphanBlobs(f.ctx, 100); len(orphans) != 0 {
		t.Fatalf("orphans = %v after a new upload %d", orphans, again.ID)
	}
	// Deleting the message orphans its blob.
	msgs, _, err := s.Messages(f.ctx, fechatter.MessageQuery{ChatID: g.ID, Limit: 10})
	f.ok(err, "Messages")
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: msgs[0].ID, ActorID: tm.alice.ID})
	f.ok(err, "Delete")
	if orphans, _ = s.OrphanBlobs(f.ctx, 100); !slices.Equal(orphans, []string{"shared"}) {
		t.Fatalf("orphans after delete = %v", orphans)
	}
}

func testFilesBatch(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	a := f.upload(g.ID, tm.alice.ID, "a", "aa")
	b := f.upload(g.ID, tm.alice.ID, "b", "bb")
	res := s.SendBatch(f.ctx, []fechatter.SendParams{
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "b1", FileIDs: []int64{a.ID}},
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "b2", Text: "same file", FileIDs: []int64{a.ID}},
		{ChatID: g.ID, SenderID: tm.bob.ID, ClientID: "b3", Text: "not mine", FileIDs: []int64{b.ID}},
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "b4", Text: "with b", FileIDs: []int64{b.ID}},
		{ChatID: g.ID, SenderID: tm.alice.ID, ClientID: "b5", Text: "plain"},
	})
	f.ok(res[0].Err, "batch send 1")
	f.code(res[1].Err, fechatter.EInvalid, "batch send 2 takes a taken file")
	f.code(res[2].Err, fechatter.EInvalid, "batch send 3 attaches another's file")
	f.ok(res[3].Err, "batch send 4")
	f.ok(res[4].Err, "batch send 5")
	if !slices.Equal(fileIDs(res[0].Event.Message.Files), []int64{a.ID}) || !slices.Equal(fileIDs(res[3].Event.Message.Files), []int64{b.ID}) ||
		len(res[4].Event.Message.Files) != 0 {
		t.Fatalf("batch = %+v", res)
	}
	evs := f.events(g.ID)
	if len(evs) != 3 || len(evs[0].Message.Files) != 1 || len(evs[1].Message.Files) != 1 || len(evs[2].Message.Files) != 0 {
		t.Fatalf("events = %+v", evs)
	}
}

func testFilesSearch(t *testing.T, s fechatter.Store) {
	f := newFx(t, s)
	tm := f.team()
	g := f.group(tm.alice, tm.bob)
	file := f.upload(g.ID, tm.alice.ID, "quarterly-report.pdf", "aa")
	m, err := f.sendFiles(g.ID, tm.alice.ID, "m1", "here it is", file.ID)
	f.ok(err, "send")
	f.send(g.ID, tm.alice.ID, "m2", "no attachment")
	base := fechatter.MessageSearch{UserID: tm.bob.ID, ChatIDs: []int64{g.ID}, Recent: true}
	for _, q := range []fechatter.TextQuery{words("quarterly"), words("report", "pdf"), {Prefix: "quart"}} {
		base.Text = q
		if got := f.search(base); !slices.Equal(got, []int64{m.Message.ID}) {
			t.Fatalf("search %+v = %v, want [%d]", q, got, m.Message.ID)
		}
	}
	// A reindex (search/meili) reads the names from ScanMessages.
	scanned, _, err := s.ScanMessages(f.ctx, m.Message.ID-1, 1)
	f.ok(err, "ScanMessages")
	if len(scanned) != 1 || len(scanned[0].Files) != 1 || scanned[0].Files[0].Name != "quarterly-report.pdf" {
		t.Fatalf("ScanMessages = %+v, want the message with its file", scanned)
	}
	_, err = s.Delete(f.ctx, fechatter.DeleteParams{ChatID: g.ID, MessageID: m.Message.ID, ActorID: tm.alice.ID})
	f.ok(err, "Delete")
	base.Text = words("quarterly")
	if got := f.search(base); len(got) != 0 {
		t.Fatalf("search after delete = %v", got)
	}
}
