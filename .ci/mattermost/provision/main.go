// Command provision prepares a fresh Mattermost server for Maillage's
// end-to-end test: the first user (who becomes system administrator), a
// team, three members, the bot account and its access token. It writes
// what the test needs as JSON (tokens included: a throw-away test server
// on loopback only).
//
//	go run ./provision -url http://127.0.0.1:8065 -out accounts.json
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/mattermost/mattermost/server/public/model"
)

type account struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Token    string `json:"token"`
}

type accounts struct {
	URL     string    `json:"url"`
	TeamID  string    `json:"team_id"`
	Admin   account   `json:"admin"`
	Bot     account   `json:"bot"`
	Members []account `json:"members"`
}

const password = "Maillage-e2e-Passw0rd!"

func main() {
	url := flag.String("url", "", "server URL")
	out := flag.String("out", "", "output JSON file")
	flag.Parse()
	if *url == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: provision -url URL -out FILE")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	acc, err := provision(ctx, *url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "provision:", err)
		os.Exit(1)
	}
	data, _ := json.MarshalIndent(acc, "", "  ")
	if err := os.WriteFile(*out, data, 0o600); err != nil {
		fmt.Fprintln(os.Stderr, "provision:", err)
		os.Exit(1)
	}
}

func login(ctx context.Context, url, username string) (*model.Client4, account, error) {
	c := model.NewAPIv4Client(url)
	u, _, err := c.Login(ctx, username, password)
	if err != nil {
		return nil, account{}, fmt.Errorf("login %s: %w", username, err)
	}
	return c, account{ID: u.Id, Username: u.Username, Token: c.AuthToken}, nil
}

func provision(ctx context.Context, url string) (*accounts, error) {
	anon := model.NewAPIv4Client(url)
	if _, _, err := anon.CreateUser(ctx, &model.User{Username: "admin", Email: "admin@example.test", Password: password}); err != nil {
		return nil, fmt.Errorf("first user: %w", err)
	}
	admin, adminAcc, err := login(ctx, url, "admin")
	if err != nil {
		return nil, err
	}
	team, _, err := admin.CreateTeam(ctx, &model.Team{Name: "territorialis", DisplayName: "Territorialis", Type: model.TeamOpen})
	if err != nil {
		return nil, fmt.Errorf("team: %w", err)
	}
	acc := &accounts{URL: url, TeamID: team.Id, Admin: adminAcc}
	for _, name := range []string{"alice", "bruno", "chloe"} {
		u, _, err := admin.CreateUser(ctx, &model.User{
			Username: name, Email: name + "@example.test", Password: password, Locale: "fr",
		})
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", name, err)
		}
		if _, _, err := admin.AddTeamMember(ctx, team.Id, u.Id); err != nil {
			return nil, fmt.Errorf("adding %s to the team: %w", name, err)
		}
		_, a, err := login(ctx, url, name)
		if err != nil {
			return nil, err
		}
		acc.Members = append(acc.Members, a)
	}
	b, _, err := admin.CreateBot(ctx, &model.Bot{Username: "maillage", DisplayName: "Maillage", Description: "Réseau des DGS"})
	if err != nil {
		return nil, fmt.Errorf("bot: %w", err)
	}
	if _, _, err := admin.AddTeamMember(ctx, team.Id, b.UserId); err != nil {
		return nil, fmt.Errorf("adding the bot to the team: %w", err)
	}
	tok, _, err := admin.CreateUserAccessToken(ctx, b.UserId, "maillage e2e")
	if err != nil {
		return nil, fmt.Errorf("bot token: %w", err)
	}
	if tok.Token == "" {
		return nil, errors.New("bot token: empty")
	}
	acc.Bot = account{ID: b.UserId, Username: b.Username, Token: tok.Token}
	return acc, nil
}
