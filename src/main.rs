//! The `switchboard` binary: parses the command line and hands over to the
//! `server` crate. Nothing else lives here.

use std::io::BufRead;
use std::path::PathBuf;

use clap::{Parser, Subcommand};
use domain::{Email, Password, Role, Routing};
use server::Settings;
use server::startup::{Server, backends, bind};
use store::NewSite;
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(name = "switchboard", version, about = "Live customer support: AI first, then a human")]
struct Cli {
    /// A TOML config file (settings also come from SWITCHBOARD__SECTION__KEY variables).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a node (the default): migrates the schema, then serves.
    Serve,
    /// Applies migrations and exits.
    Migrate,
    /// Manages sites (tenants).
    #[command(subcommand)]
    Site(SiteCommand),
    /// Manages managers.
    #[command(subcommand)]
    Manager(ManagerCommand),
}

#[derive(Subcommand)]
enum SiteCommand {
    /// Creates a site; prints {"id", "key"}.
    Create {
        #[arg(long)]
        name: String,
        /// An allowed origin of the widget (repeat for several).
        #[arg(long = "origin", required = true)]
        origins: Vec<String>,
        #[arg(long, default_value = "manual", value_parser = ["manual", "auto"])]
        routing: String,
        #[arg(long, default_value = "ru", value_parser = ["ru", "en"])]
        locale: String,
    },
}

#[derive(Subcommand)]
enum ManagerCommand {
    /// Creates a manager; the password is read from stdin (one line); prints {"id"}.
    Create {
        #[arg(long)]
        site: uuid::Uuid,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = ["admin", "manager"])]
        role: String,
        #[arg(long)]
        max_chats: Option<i32>,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("switchboard: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load(cli.config.as_deref()).map_err(anyhow::Error::msg)?;
    server::telemetry::init_logging(&settings.log);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            welcome(backends(&settings).await?);
            eprintln!("migrations applied");
            Ok(())
        }
        Command::Site(SiteCommand::Create { name, origins, routing, locale }) => {
            let b = welcome(backends(&settings).await?);
            let name = name.trim().to_owned();
            anyhow::ensure!(!name.is_empty(), "--name must not be empty");
            let routing = Routing::parse(&routing).expect("clap checked the value");
            let site = b.store.create_site(NewSite { name, origins, routing, greeting: None, locale }).await?;
            println!("{}", serde_json::json!({ "id": site.id, "key": site.key }));
            Ok(())
        }
        Command::Manager(ManagerCommand::Create { site, email, name, role, max_chats }) => {
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = Password::parse(password.trim_end_matches(['\r', '\n']))?;
            let email = Email::parse(&email)?;
            let b = welcome(backends(&settings).await?);
            anyhow::ensure!(b.store.site(site).await?.is_some(), "site {site} does not exist");
            let hash = server::auth::PasswordHashing::new(1).hash(password.expose()).await?;
            let manager = b
                .store
                .create_manager(store::NewManager {
                    site_id: site,
                    email: email.as_str().to_owned(),
                    name: name.trim().to_owned(),
                    role: Role::parse(&role).expect("clap checked the value"),
                    max_chats,
                    password_hash: hash,
                })
                .await?;
            println!("{}", serde_json::json!({ "id": manager.id }));
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let listen = settings.server.listen.clone();
    let mut server = Server::build(settings).await?;
    if let Some(text) = server.welcome.take() {
        println!("{text}");
    }
    let listener = bind(&listen).await?;
    println!("switchboard listening on http://{}", listener.local_addr()?);
    let shutdown = CancellationToken::new();
    let trigger = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        trigger.cancel();
    });
    server.serve(listener, shutdown).await?;
    Ok(())
}

/// A CLI command run before the first `serve`: the embedded mode's one-time login goes
/// to stderr, keeping stdout for the command's JSON.
fn welcome(mut b: server::startup::Backends) -> server::startup::Backends {
    if let Some(text) = b.welcome.take() {
        eprintln!("{text}");
    }
    b
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
