//! The README's snippets stay true: every `assistant …` command line in its shell blocks is accepted by
//! the argument parser, and its `.assistant.toml` example is a valid config file. (The commands that
//! need no network run for real in other tests and in `.ci/run`.)

use clap::Parser;

use assistant::cli::Cli;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The bodies of the fenced blocks whose info string is `lang`.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) if info.trim() == lang => current = Some(String::new()),
            (Some(body), Some(_)) => {
                found.push(std::mem::take(body));
                current = None;
            }
            (Some(body), None) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    found
}

#[test]
fn every_documented_command_line_parses() {
    let mut checked = 0;
    for block in blocks(&readme(), "sh") {
        for line in block.lines() {
            let command = line.split('#').next().unwrap_or("").trim();
            let Some(args) = command.strip_prefix("assistant ") else {
                continue;
            };
            let argv = std::iter::once("assistant").chain(args.split_whitespace());
            if let Err(error) = Cli::try_parse_from(argv) {
                panic!("README command `{command}` does not parse:\n{error}");
            }
            checked += 1;
        }
    }
    assert!(checked >= 5, "only {checked} commands found");
}

#[test]
fn the_documented_config_file_is_valid() {
    let tomls = blocks(&readme(), "toml");
    assert_eq!(tomls.len(), 1);
    let config: assistant::config::FileConfig =
        toml::from_str(&tomls[0]).expect("README's .assistant.toml parses with every key known");
    assert_eq!(config.kind.as_deref(), Some("deepseek"));
    assert_eq!(config.markers, Some(vec!["TODO(ai)".to_string()]));
}
