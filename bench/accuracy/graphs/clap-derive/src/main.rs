//! A small tool in the shape real clap users write: derived parsers, a
//! subcommand enum, a value enum, and the builder API next to them.
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(name = "tool", version, about = "does things")]
struct Cli {
    /// More output
    #[arg(short, long, action = clap::ArgAction::Count)]
    verbose: u8,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Index a folder
    Index(IndexArgs),
    /// Ask a question
    Query {
        #[arg(long)]
        limit: Option<usize>,
        target: String,
    },
}

#[derive(Args, Debug)]
struct IndexArgs {
    #[arg(default_value = ".")]
    dir: PathBuf,
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..64))]
    jobs: Option<u16>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

fn describe(cli: &Cli) -> String {
    match &cli.command {
        Command::Index(a) => format!("index {} with {:?} jobs", a.dir.display(), a.jobs),
        Command::Query { limit, target } => format!("query {} (limit {:?})", target, limit),
    }
}

fn builder() -> clap::Command {
    clap::Command::new("plain")
        .arg(clap::Arg::new("name").long("name").required(false))
        .arg(clap::Arg::new("all").short('a').action(clap::ArgAction::SetTrue))
}

fn main() {
    let cli = Cli::parse();
    if cli.verbose > 1 {
        Cli::command().print_help().ok();
    }
    let m = builder().get_matches_from(["plain", "--name", "x"]);
    let name = m.get_one::<String>("name").cloned().unwrap_or_default();
    let text = describe(&cli);
    match cli.format {
        Format::Text => println!("{} {}", text, name),
        Format::Json => println!("{{\"text\": {:?}, \"name\": {:?}}}", text, name),
    }
}
