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
    Serve,
    /// Create the database if missing and apply pending migrations, then exit.
    Migrate,
    /// Print the OpenAPI document (JSON) to standard output.
    Openapi,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        print!("{}", cyberbridge::openapi_json());
        return std::process::ExitCode::SUCCESS;
    }
    server::init_tracing(&cli.config);
    let result = match cli.command {
        Command::Serve => server::serve(cli.config).await,
        Command::Migrate => migrate(cli.config).await,
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
