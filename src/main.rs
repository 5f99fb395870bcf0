//! The `cyberbridge` command line: serve, migrate, openapi.

use clap::{Parser, Subcommand};
use cyberbridge::{server, Config};

/// cyberbridge: cybercrime and online-fraud information sharing between law enforcement,
/// ISPs and banks.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (creates and migrates the database first).
    Serve {
        /// Seed the demo data first (an empty database only) and print its logins.
        #[arg(long)]
        demo: bool,
    },
    /// Seed a realistic demo dataset into an empty database (idempotent) and print its logins.
    Demo,
    /// Create the database if missing and apply pending migrations, then exit.
    Migrate,
    /// Print the OpenAPI document (JSON) to standard output.
    Openapi,
    /// Administer organisations and users directly in the database.
    Admin {
        #[command(subcommand)]
        command: cyberbridge::app::admin::AdminCommand,
    },
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let mut cli = Cli::parse();
    cli.config = cli.config.normalise();
    if let Command::Openapi = cli.command {
        print!("{}", cyberbridge::openapi_json());
        return std::process::ExitCode::SUCCESS;
    }
    server::init_tracing(&cli.config);
    let result = match cli.command {
        Command::Serve { demo } => server::serve(cli.config, demo).await,
        Command::Demo => server::demo(cli.config).await.map(|logins| print!("{logins}")),
        Command::Migrate => migrate(cli.config).await,
        Command::Admin { command } => admin(cli.config, command).await,
        Command::Openapi => Ok(()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("cyberbridge: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn migrate(config: Config) -> Result<(), server::StartError> {
    let db = server::prepare_database(&config).await?;
    if let Some(cluster) = &db.cluster {
        cluster.stop().await;
    }
    Ok(())
}

async fn admin(config: Config, command: cyberbridge::app::admin::AdminCommand) -> Result<(), server::StartError> {
    use cyberbridge::app::admin::AdminCommand::{Keys, SignedDocuments, VerifyRestore};
    // Those that only read change nothing, not even by migrating (a restored database is
    // verified as it was restored).
    let db = if matches!(command, VerifyRestore(_) | Keys | SignedDocuments { .. }) {
        server::locate_database(&config).await?
    } else {
        server::prepare_database(&config).await?
    };
    let result = cyberbridge::app::admin::run(&db.owner_url, &config, command).await;
    if let Some(cluster) = &db.cluster {
        cluster.stop().await;
    }
    match result {
        Ok(outcome) => {
            println!("{}", outcome.text);
            if outcome.ok {
                Ok(())
            } else {
                Err(server::StartError::Setup("the verification found what is named above".into()))
            }
        }
        Err(e) => {
            let problem = e.problem();
            let fields: Vec<String> = problem.errors.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            Err(server::StartError::Setup(format!("{} {}", problem.detail, fields.join("; "))))
        }
    }
}
