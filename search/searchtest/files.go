package searchtest

import (
	"fmt"
	"testing"

	"github.com/fechatter/fechatter"
)

// sendFiles uploads files of the given names to chat as from, and sends them with text.
func (f *fx) sendFiles(chat fechatter.Chat, from fechatter.User, text string, names ...string) fechatter.Message {
	f.t.Helper()
	var ids []int64
	for _, name := range names {
		f.n++
		file, err := f.h.Store.CreateFile(f.ctx, fechatter.File{ChatID: chat.ID, UploaderID: from.ID, Name: name, Size: 10,
			ContentType: "application/pdf", SHA256: fmt.Sprintf("%064x", f.n)}, 0)
		f.ok(err, "CreateFile")
		ids = append(ids, file.ID)
	}
	f.n++
	ev, _, err := f.h.Store.Send(f.ctx, fechatter.SendParams{ChatID: chat.ID, SenderID: from.ID,
		ClientID: fmt.Sprintf("client-%d", f.n), Text: text, FileIDs: ids})
	f.ok(err, "Send with files")
	return ev.Message
}

// Search finds a message by the names of its attached files as by its text: words, the
// prefix, exclusions; a deleted message's files are found no more.
func testFileNames(t *testing.T, f *fx) {
	alice, bob, carol := f.user("Alice Smith"), f.user("Bob Jones"), f.user("Carol White")
	team := f.chat(fechatter.ChatGroup, "team", true, alice, bob)
	other := f.chat(fechatter.ChatGroup, "other", true, alice, carol)
	report := f.sendFiles(team, alice, "here it is", "quarterly-report.pdf")
	both := f.sendFiles(team, bob, "numbers attached", "budget_2026.xlsx", "Résumé final.docx")
	plain := f.send(team, alice, "the report is late")
	secret := f.sendFiles(other, alice, "for carol", "quarterly-secret.pdf")
	f.sync()
	f.want(bob, "quarterly", report)
	f.want(bob, "quart", report) // the last word is a prefix
	f.want(bob, "report pdf", report)
	f.want(bob, "report", report, plain)
	f.want(bob, "report -quarterly", plain)
	f.want(bob, "budget", both)
	f.want(bob, "resume final", both)
	f.want(bob, "numbers resume", both) // text and a file name together
	f.want(bob, "from:@bob docx", both)
	f.want(carol, "quarterly", secret) // only the files of her chats
	_, err := f.h.Store.Delete(f.ctx, fechatter.DeleteParams{ChatID: team.ID, MessageID: report.ID, ActorID: alice.ID})
	f.ok(err, "Delete")
	f.sync()
	f.want(bob, "quarterly")
	f.want(bob, "report", plain)
}
