//! The command line's promises: every command's `--help` lists every exit code it can give,
//! in the README's words (both come from `scorecard::exit`).

use crate::common::*;
use scorecard::exit;

const COMMANDS: [(&str, exit::Meanings); 11] = [
    ("run", exit::RUN),
    ("demo", exit::DEMO),
    ("check", exit::CHECK),
    ("status", exit::STATUS),
    ("validate", exit::VALIDATE),
    ("test", exit::TEST),
    ("draft", exit::DRAFT),
    ("new", exit::NEW),
    ("approve", exit::APPROVE),
    ("audit", exit::AUDIT),
    ("explain", exit::EXPLAIN),
];

#[test]
fn every_commands_help_lists_its_exit_codes_in_the_readmes_words() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for (command, meanings) in COMMANDS {
        let o = scorecard(&[command, "--help"]);
        assert!(o.status.success(), "{command} --help");
        let help = squash(&String::from_utf8_lossy(&o.stdout));
        assert!(help.contains("Exit codes:"), "{command}: {help}");
        let section = readme
            .split(&format!("### `scorecard {command}`"))
            .nth(1)
            .and_then(|s| s.split("\n#").next())
            .unwrap_or_else(|| panic!("README has no exit codes for scorecard {command}"));
        for (code, words) in meanings {
            assert!(help.contains(&squash(&format!("{code} {words}"))), "{command} --help lacks {code}: {help}");
            assert!(section.contains(&format!("| {code} | {words} |")), "README, scorecard {command}: {code}");
        }
    }
}
