// A relying party built on go-oidc (v2, Debian's golang-github-coreos-go-oidc-dev) and golang.org/x/oauth2
// (Debian's golang-golang-x-oauth2-dev): the stack oauth2-proxy builds on. Used unmodified; this file is only
// the glue the interop driver talks to (see interop/README.md for the contract of /login, /callback, ...).
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	oidc "github.com/coreos/go-oidc"
	"golang.org/x/oauth2"
)

type clientConf struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
	Alg    string `json:"alg"`
}

type pending struct {
	client   string
	verifier string
	nonce    string
}

var (
	mu       sync.Mutex
	pendings = map[string]pending{}
	tokens   = map[string]*oauth2.Token{}
)

func random() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func reply(w http.ResponseWriter, v map[string]interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, err error) {
	reply(w, map[string]interface{}{"ok": false, "error": err.Error()})
}

func main() {
	issuer := os.Getenv("ISSUER")
	port := os.Getenv("PORT")
	base := "http://localhost:" + port
	var clients map[string]clientConf
	if err := json.Unmarshal([]byte(os.Getenv("CLIENTS")), &clients); err != nil {
		log.Fatalf("CLIENTS: %v", err)
	}
	ctx := context.Background()
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		log.Fatalf("discovery: %v", err)
	}
	config := func(name string) (*oauth2.Config, clientConf, error) {
		c, ok := clients[name]
		if !ok {
			return nil, c, fmt.Errorf("no client %q", name)
		}
		// Endpoint.AuthStyle is left to auto-detection, as oauth2-proxy leaves it: for a public client
		// x/oauth2 first tries an Authorization header with an empty password.
		return &oauth2.Config{
			ClientID:     c.ID,
			ClientSecret: c.Secret,
			Endpoint:     provider.Endpoint(),
			RedirectURL:  base + "/callback",
			Scopes:       []string{oidc.ScopeOpenID, "profile", "email", oidc.ScopeOfflineAccess},
		}, c, nil
	}
	verifier := func(c clientConf) *oidc.IDTokenVerifier {
		return provider.Verifier(&oidc.Config{ClientID: c.ID, SupportedSigningAlgs: []string{c.Alg}})
	}

	http.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("c")
		conf, _, err := config(name)
		if err != nil {
			fail(w, err)
			return
		}
		state, nonce, pkce := random(), random(), random()+random()
		sum := sha256.Sum256([]byte(pkce))
		mu.Lock()
		pendings[state] = pending{client: name, verifier: pkce, nonce: nonce}
		mu.Unlock()
		http.Redirect(w, r, conf.AuthCodeURL(state, oidc.Nonce(nonce),
			oauth2.SetAuthURLParam("code_challenge", base64.RawURLEncoding.EncodeToString(sum[:])),
			oauth2.SetAuthURLParam("code_challenge_method", "S256")), http.StatusFound)
	})

	http.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		mu.Lock()
		p, ok := pendings[q.Get("state")]
		delete(pendings, q.Get("state"))
		mu.Unlock()
		if !ok {
			fail(w, fmt.Errorf("unknown state"))
			return
		}
		if e := q.Get("error"); e != "" {
			fail(w, fmt.Errorf("authorization error %s: %s", e, q.Get("error_description")))
			return
		}
		conf, c, _ := config(p.client)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.SetAuthURLParam("code_verifier", p.verifier))
		if err != nil {
			fail(w, fmt.Errorf("exchange: %v", err))
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := verifier(c).Verify(ctx, raw)
		if err != nil {
			fail(w, fmt.Errorf("id token: %v", err))
			return
		}
		if idt.Nonce != p.nonce {
			fail(w, fmt.Errorf("nonce mismatch"))
			return
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil && idt.AccessTokenHash != "" {
			fail(w, fmt.Errorf("at_hash: %v", err))
			return
		}
		var claims map[string]interface{}
		_ = idt.Claims(&claims)
		info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			fail(w, fmt.Errorf("userinfo: %v", err))
			return
		}
		var userinfo map[string]interface{}
		_ = info.Claims(&userinfo)
		mu.Lock()
		tokens[p.client] = tok
		mu.Unlock()
		reply(w, map[string]interface{}{"ok": true, "client": p.client, "claims": claims, "userinfo": userinfo,
			"refresh_token": tok.RefreshToken != ""})
	})

	http.HandleFunc("/refresh", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("c")
		conf, c, err := config(name)
		if err != nil {
			fail(w, err)
			return
		}
		mu.Lock()
		old := tokens[name]
		mu.Unlock()
		if old == nil {
			fail(w, fmt.Errorf("no tokens yet"))
			return
		}
		expired := *old
		expired.Expiry = time.Now().Add(-time.Minute)
		tok, err := conf.TokenSource(ctx, &expired).Token()
		if err != nil {
			fail(w, fmt.Errorf("refresh: %v", err))
			return
		}
		out := map[string]interface{}{"ok": true, "rotated": tok.RefreshToken != old.RefreshToken,
			"new_access_token": tok.AccessToken != old.AccessToken}
		if raw, ok := tok.Extra("id_token").(string); ok && raw != "" {
			if _, err := verifier(c).Verify(ctx, raw); err != nil {
				fail(w, fmt.Errorf("refreshed id token: %v", err))
				return
			}
			out["id_token"] = true
		}
		if _, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err != nil {
			fail(w, fmt.Errorf("userinfo after refresh: %v", err))
			return
		}
		mu.Lock()
		tokens[name] = tok
		mu.Unlock()
		reply(w, out)
	})

	http.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("c")
		mu.Lock()
		tok := tokens[name]
		mu.Unlock()
		var endSession struct {
			URL string `json:"end_session_endpoint"`
		}
		if err := provider.Claims(&endSession); err != nil || endSession.URL == "" || tok == nil {
			fail(w, fmt.Errorf("no end_session_endpoint or no tokens"))
			return
		}
		raw, _ := tok.Extra("id_token").(string)
		u, _ := url.Parse(endSession.URL)
		q := u.Query()
		q.Set("id_token_hint", raw)
		q.Set("post_logout_redirect_uri", base+"/signed-out")
		q.Set("state", "go-"+name)
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	})

	http.HandleFunc("/signed-out", func(w http.ResponseWriter, r *http.Request) {
		reply(w, map[string]interface{}{"ok": true, "signed_out": true, "state": r.URL.Query().Get("state")})
	})

	log.Printf("go-oidc relying party on %s", base)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}
