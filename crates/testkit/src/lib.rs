//! Helpers for tests only: a fresh database per test (SQLite in a temporary folder, or a new database on
//! the PostgreSQL server named by `KINDLING_TEST_POSTGRES_URL`), the real application spawned on
//! 127.0.0.1:0, and an HTTP client that behaves like a browser (cookies, CSRF tokens, no redirects).

#![forbid(unsafe_code)]

pub mod oidc;

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use kindling_store::{Db, Dialect, demo};

/// The password of every demo account in tests.
pub const PASSWORD: &str = "test-demo-password";

/// The environment variable naming a PostgreSQL server for the storage and web tests. When it is set,
/// every test database is created there instead of in SQLite.
pub const POSTGRES_ENV: &str = "KINDLING_TEST_POSTGRES_URL";

/// A database for one test; a SQLite folder is removed when this is dropped.
#[derive(Debug)]
pub struct TestDb {
    pub db: Db,
    /// The URL the database was opened with (for starting the binary against the same data).
    pub url: String,
    folder: Option<PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(folder) = &self.folder {
            let _ = std::fs::remove_dir_all(folder);
        }
    }
}

fn random_name() -> String {
    let mut bytes = [0_u8; 8];
    getrandom::fill(&mut bytes).expect("random source");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A fresh, migrated, empty database.
pub async fn fresh_db() -> Result<TestDb> {
    match std::env::var(POSTGRES_ENV).ok().filter(|s| !s.is_empty()) {
        Some(server) => {
            let name = format!("kt_{}", random_name());
            let admin = Db::connect(&server).await.context("connecting to the test PostgreSQL server")?;
            sqlx_create_database(&admin, &name).await?;
            admin.close().await;
            let url = match server.rfind('/') {
                Some(slash) if slash > server.find("://").map_or(0, |i| i + 2) => {
                    format!("{}/{name}", &server[..slash])
                }
                _ => format!("{server}/{name}"),
            };
            let db = Db::connect(&url).await?;
            db.migrate().await?;
            Ok(TestDb { db, url, folder: None })
        }
        None => {
            let folder = std::env::temp_dir().join(format!("kindling-test-{}", random_name()));
            let db = Db::open_data_dir(&folder).await?;
            db.migrate().await?;
            let url = format!("sqlite://{}?mode=rwc", folder.join("kindling.sqlite3").display());
            Ok(TestDb { db, url, folder: Some(folder) })
        }
    }
}

async fn sqlx_create_database(admin: &Db, name: &str) -> Result<()> {
    // The name is generated above from hex digits only, so it is safe to splice into the statement.
    let statement = format!("CREATE DATABASE {name}");
    kindling_store::raw_execute(admin, &statement).await.context("creating the test database")?;
    Ok(())
}

/// A fresh database holding the demo hub.
pub async fn demo_db() -> Result<TestDb> {
    let test_db = fresh_db().await?;
    demo::seed_if_empty(&test_db.db, PASSWORD, now_ms()).await?;
    Ok(test_db)
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The application running on a random loopback port over the demo hub, with email written to a folder
/// of its own.
#[derive(Debug)]
pub struct TestApp {
    pub addr: SocketAddr,
    pub test_db: TestDb,
    /// Where the app's email lands, one `.eml` file per message.
    pub mail_dir: PathBuf,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        let _ = std::fs::remove_dir_all(&self.mail_dir);
    }
}

/// The settings a test app starts with: the demo hub, plain cookies.
pub fn test_config() -> kindling_web::Config {
    kindling_web::Config { secure_cookies: false, demo: true, ..kindling_web::Config::default() }
}

impl TestApp {
    pub async fn spawn() -> Result<Self> {
        Self::spawn_with(test_config()).await
    }

    /// The app over the demo hub with `config`; an empty public URL becomes the app's own address, and
    /// without a mailer the app writes email into [`TestApp::mail_dir`].
    pub async fn spawn_with(config: kindling_web::Config) -> Result<Self> {
        Self::spawn_on(demo_db().await?, config).await
    }

    /// The app over a database the test prepared (an empty one, to test first-run setup).
    pub async fn spawn_on(test_db: TestDb, mut config: kindling_web::Config) -> Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        if config.public_url.is_empty() {
            config.public_url = format!("http://{addr}");
        }
        let mail_dir = std::env::temp_dir().join(format!("kindling-mail-{}", random_name()));
        if config.mailer.is_none() {
            let settings = kindling_mail::Settings {
                smtp_url: None,
                mail_dir: Some(mail_dir.clone()),
                from: "Kindling <kindling@test.invalid>".into(),
            };
            config.mailer = kindling_mail::Mailer::from_settings(&settings)?.map(std::sync::Arc::new);
        }
        let state = kindling_web::AppState::new(test_db.db.clone(), config);
        let app = kindling_web::router(state).into_make_service_with_connect_info::<SocketAddr>();
        let server = tokio::spawn(async move {
            let _ = axum_serve(listener, app).await;
        });
        Ok(Self { addr, test_db, mail_dir, server })
    }

    pub fn db(&self) -> &Db {
        &self.test_db.db
    }

    pub fn dialect(&self) -> Dialect {
        self.test_db.db.dialect()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A browser with no session.
    pub fn browser(&self) -> Browser {
        Browser::new(self.url(""))
    }

    /// A browser signed in as `email` with the demo password.
    pub async fn signed_in(&self, email: &str) -> Result<Browser> {
        let browser = self.browser();
        let response = browser.sign_in(email, PASSWORD).await?;
        anyhow::ensure!(response.status() == 303, "sign-in as {email} failed with {}", response.status());
        Ok(browser)
    }

    /// A new API token for `email`.
    pub async fn token_for(&self, email: &str) -> Result<String> {
        let email = kindling_domain::people::Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
        let user = kindling_store::users::find_by_email(self.db(), &email).await?.context("no such user")?;
        let by =
            kindling_store::tokens::Audited { actor: None, organisation: user.home_organisation(), now_ms: now_ms() };
        let grant =
            kindling_store::tokens::Grant { scope: kindling_domain::accounts::TokenScope::ReadWrite, expires_ms: None };
        Ok(kindling_store::tokens::issue(self.db(), user.id, "test", grant, by).await?.secret)
    }

    /// Every email the app has written, oldest first, as (recipient line, whole message).
    pub fn emails(&self) -> Vec<(String, String)> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.mail_dir)
            .map(|dir| dir.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter_map(|path| std::fs::read_to_string(path).ok())
            .map(|text| {
                let to = text.lines().find(|l| l.starts_with("To: ")).unwrap_or_default().to_owned();
                (to, text)
            })
            .collect()
    }

    /// The first link to this app in the newest email to `email` (quoted-printable undone).
    pub fn link_sent_to(&self, email: &str) -> Option<String> {
        let (_, text) = self.emails().into_iter().rev().find(|(to, _)| to.contains(email))?;
        let text = text.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
        let base = format!("http://{}", self.addr);
        let start = text.find(&base)?;
        let link: String = text[start..].chars().take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<').collect();
        Some(link.trim_start_matches(&base).to_owned())
    }
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    app: axum::extract::connect_info::IntoMakeServiceWithConnectInfo<axum::Router, SocketAddr>,
) -> std::io::Result<()> {
    axum::serve(listener, app).await
}

/// An HTTP client that keeps cookies like a browser and does not follow redirects, so tests can check
/// each response.
#[derive(Debug, Clone)]
pub struct Browser {
    pub client: reqwest::Client,
    base: String,
}

/// A plain HTTP client for tests, as `reqwest::Client::new()` makes one (no cookies, redirects followed).
pub fn http() -> reqwest::Client {
    install_tls_provider();
    reqwest::Client::builder().build().expect("reqwest client")
}

/// reqwest is built without a default TLS provider (the product uses ring, as lettre does); every client
/// needs one installed first, even for plain http.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Browser {
    pub fn new(base: String) -> Self {
        install_tls_provider();
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest client");
        Self { client, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn get(&self, path: &str) -> Result<reqwest::Response> {
        Ok(self.client.get(self.url(path)).send().await?)
    }

    pub async fn get_text(&self, path: &str) -> Result<(u16, String)> {
        let response = self.get(path).await?;
        let status = response.status().as_u16();
        Ok((status, response.text().await?))
    }

    /// Posts a form as a browser would from a page of this site: the CSRF token is read from `from`
    /// (the page holding the form) and sent with the fields.
    pub async fn submit(&self, from: &str, action: &str, fields: &[(&str, &str)]) -> Result<reqwest::Response> {
        let (_, page) = self.get_text(from).await?;
        let token = csrf_token(&page).context("the page has no CSRF token")?;
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        Ok(self.client.post(self.url(action)).header("sec-fetch-site", "same-origin").form(&form).send().await?)
    }

    /// Posts a file upload (`multipart/form-data`) as a browser would from the page `from`, with the
    /// CSRF token as one of the fields.
    pub async fn upload(
        &self,
        from: &str,
        action: &str,
        field: &str,
        filename: &str,
        content: &[u8],
    ) -> Result<reqwest::Response> {
        self.upload_with(from, action, &[], field, filename, content).await
    }

    /// [`Browser::upload`] with other text fields beside the file.
    pub async fn upload_with(
        &self,
        from: &str,
        action: &str,
        fields: &[(&str, &str)],
        field: &str,
        filename: &str,
        content: &[u8],
    ) -> Result<reqwest::Response> {
        let (_, page) = self.get_text(from).await?;
        let token = csrf_token(&page).context("the page has no CSRF token")?;
        let boundary = "----kindlingTestBoundary7MA4YWxk";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n")
                .as_bytes(),
        );
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        Ok(self
            .client
            .post(self.url(action))
            .header("sec-fetch-site", "same-origin")
            .header("content-type", format!("multipart/form-data; boundary={boundary}"))
            .body(body)
            .send()
            .await?)
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Result<reqwest::Response> {
        self.submit("/sign-in", "/sign-in", &[("email", email), ("password", password), ("next", "/")]).await
    }
}

/// The first CSRF token in a page.
pub fn csrf_token(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_owned())
}
