//! Typed helpers for the Temporary Access Pass tests.

use tapid::audit::Actor;
use tapid::db::audit::{AuditFilter, AuditRow};
use tapid::db::sessions::SessionRow;
use tapid::directory::{self, NewUser, Role, User, Username};
use tapid::error::AppError;
use tapid::tap::policy::{self, Policy, PolicyChanges};
use tapid::tap::{self, Authority, IssueRequest, Issued, PassSignIn, PassView, TapRefused};

use super::TestApp;

impl TestApp {
    /// Creates a user with these roles and groups (the groups must exist).
    pub async fn add_user(&self, name: &str, roles: &[Role], groups: &[&str]) -> User {
        let mut new = NewUser::named(Username::parse(name).unwrap());
        new.roles = roles.to_vec();
        new.groups = groups.iter().map(|g| g.to_string()).collect();
        directory::users::create(&self.db, &Actor::Cli, new)
            .await
            .unwrap()
    }

    pub async fn add_group(&self, name: &str) {
        directory::groups::create(
            &self.db,
            &Actor::Cli,
            &directory::GroupName::parse(name).unwrap(),
        )
        .await
        .unwrap();
    }

    pub async fn user(&self, name: &str) -> User {
        directory::users::get_by_username(&self.db, name)
            .await
            .unwrap()
    }

    /// Issues a pass as an operator (full rights).
    pub async fn issue_pass(&self, username: &str, request: IssueRequest) -> Issued {
        self.issue_pass_as(&Authority::Operator, username, request)
            .await
            .unwrap_or_else(|e| panic!("issuing for {username}: {e}"))
    }

    pub async fn issue_pass_as(
        &self,
        authority: &Authority,
        username: &str,
        request: IssueRequest,
    ) -> Result<Issued, AppError> {
        let user = self.user(username).await;
        tap::issue(
            &self.db,
            authority,
            &user.id,
            request,
            Some("192.0.2.7".into()),
        )
        .await
    }

    /// A sign-in attempt with a pass, from the documentation address 192.0.2.1.
    pub async fn check_pass(&self, username: &str, entry: &str) -> Result<PassSignIn, TapRefused> {
        tap::check_passcode(&self.db, username, entry, Some("192.0.2.1".into())).await
    }

    pub async fn pass_state(&self, username: &str) -> PassView {
        let user = self.user(username).await;
        tap::show(&self.db, &user).await.unwrap()
    }

    pub async fn change_policy(&self, changes: PolicyChanges) -> Result<Policy, AppError> {
        policy::update(&self.db, &Actor::Cli, changes, None).await
    }

    /// Events with this action (or family ending in `.`), newest first.
    pub async fn events(&self, action: &str) -> Vec<AuditRow> {
        let filter = AuditFilter {
            action: Some(action.into()),
            limit: 1000,
            ..AuditFilter::default()
        };
        tapid::db::audit::list(self.db.pool(), &filter)
            .await
            .unwrap()
    }

    /// Stores a signed-in session that began with pass `tap_id`; returns its sid.
    pub async fn session_from_pass(&self, user: &User, tap_id: &str) -> String {
        let now = tapid::db::ts(tapid::db::now());
        let sid = uuid::Uuid::new_v4().to_string();
        let row = SessionRow {
            id_hash: tapid::secrets::digest(&tapid::secrets::new_secret()),
            sid: sid.clone(),
            csrf: "csrf".into(),
            user_id: Some(user.id.clone()),
            level: Some("tap".into()),
            amr: "tap".into(),
            auth_time: Some(now),
            tap_id: Some(tap_id.into()),
            data: "{}".into(),
            created_at: now,
            expires_at: now + 600,
        };
        tapid::db::sessions::insert(self.db.pool(), &row)
            .await
            .unwrap();
        sid
    }

    pub async fn session_exists(&self, sid: &str) -> bool {
        let now = tapid::db::ts(tapid::db::now());
        tapid::db::sessions::find_by_sid(self.db.pool(), sid, now)
            .await
            .unwrap()
            .is_some()
    }

    /// Moves a pass's times (tests only: no public way makes a pass start or end in the past).
    pub async fn shift_pass(&self, username: &str, start: i64, end: i64) {
        let user = self.user(username).await;
        sqlx::query("UPDATE passes SET starts_at = $1, ends_at = $2 WHERE user_id = $3")
            .bind(start)
            .bind(end)
            .bind(&user.id)
            .execute(self.db.pool())
            .await
            .unwrap();
    }
}

/// `n` minutes.
pub fn minutes(n: i64) -> time::Duration {
    time::Duration::minutes(n)
}

/// A fresh database (SQLite in `dir`, or PostgreSQL) for a test that starts `tapid` itself.
pub async fn fresh_database(dir: &tempfile::TempDir) -> super::TestDatabase {
    super::TestDatabase::create(dir).await
}

impl TestApp {
    /// A `client_credentials` access token for the admin API, for a new client registered for
    /// `tapid:admin` and granted `role`.
    pub async fn api_token(&self, id: &str, role: Role) -> String {
        let client = self
            .add_client(
                id,
                &[
                    "--grant",
                    "client_credentials",
                    "--scope",
                    "tapid:admin",
                    "--role",
                    role.as_str(),
                ],
            )
            .await;
        self.client_credentials_token(&client).await
    }

    /// An API request with a bearer token.
    pub fn api(&self, method: reqwest::Method, path: &str, token: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, self.url(path))
            .bearer_auth(token)
    }
}

impl TestApp {
    /// Stores a refresh token of a sign-in that began with pass `tap_id` (client `rp` must exist);
    /// returns its id.
    pub async fn refresh_token_from_pass(&self, user: &User, tap_id: &str) -> String {
        let now = tapid::db::ts(tapid::db::now());
        let row = tapid::db::tokens::TokenRow {
            id: uuid::Uuid::new_v4().to_string(),
            kind: tapid::db::tokens::REFRESH.into(),
            token_hash: Some(tapid::secrets::digest(&tapid::secrets::new_secret())),
            family_id: uuid::Uuid::new_v4().to_string(),
            client_id: "rp".into(),
            user_id: Some(user.id.clone()),
            scope: "openid".into(),
            sid: None,
            acr: Some("1fa".into()),
            amr: "tap otp".into(),
            auth_time: Some(now),
            tap_id: Some(tap_id.into()),
            created_at: now,
            expires_at: now + 3600,
            cap_at: None,
            rotated_at: None,
            revoked_at: None,
            dpop_jkt: None,
        };
        let mut tx = self.db.begin().await.unwrap();
        tapid::db::tokens::insert(&mut tx, &row).await.unwrap();
        tx.commit().await.unwrap();
        row.id
    }

    pub async fn token_revoked(&self, id: &str) -> bool {
        tapid::db::tokens::find_by_id(self.db.pool(), id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    }
}

impl TestApp {
    /// An admin API access token (scope `openid tapid:admin`) for `user` from a sign-in at `acr`,
    /// minted as `/token` would (client `rp` is registered for `tapid:admin` if missing). The browser
    /// flow is the sign-in suites' business; the API only needs the token.
    pub async fn user_api_token(&self, user: &User, acr: &str) -> String {
        self.user_access_token(user, acr, "openid tapid:admin")
            .await
    }

    /// An access token for `user` from a sign-in at `acr` with `scope`, minted as `/token` would.
    pub async fn user_access_token(&self, user: &User, acr: &str, scope: &str) -> String {
        if tapid::oidc::clients::find(&self.db, "rp")
            .await
            .unwrap()
            .is_none()
        {
            self.add_client(
                "rp",
                &[
                    "--redirect-uri",
                    "https://rp.example.com/cb",
                    "--scope",
                    "openid tapid:admin",
                ],
            )
            .await;
        }
        let client = tapid::oidc::clients::find(&self.db, "rp")
            .await
            .unwrap()
            .unwrap();
        let sealer = tapid::secrets::Sealer::from_config(&self.config).unwrap();
        let state = tapid::AppState::new(self.db.clone(), self.config.clone(), sealer);
        let grant = tapid::oidc::tokens::Grant {
            resource: None,
            client,
            user: Some(user.clone()),
            scope: tapid::oidc::scope::Scope::parse(scope).unwrap(),
            refresh_scope: tapid::oidc::scope::Scope::parse(scope).unwrap(),
            family_id: uuid::Uuid::new_v4().to_string(),
            sid: None,
            acr: Some(tapid::level::Level::from_acr(acr).expect("an acr value")),
            amr: tapid::level::Amr::new(["hwk", "user", "mfa"]),
            auth_time: Some(tapid::db::ts(tapid::db::now())),
            tap_id: None,
            nonce: None,
            cap_at: None,
            dpop_jkt: None,
            refresh_jkt: None,
        };
        tapid::oidc::tokens::warm_keys(&state.oidc, &grant.client)
            .await
            .unwrap();
        let mut tx = self.db.begin().await.unwrap();
        let response = tapid::oidc::tokens::issue(&state.oidc, &mut tx, &grant, false, false)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        response.access_token
    }
}
