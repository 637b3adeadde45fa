//! `cargo xtask bench --instructions [--update]`: the core's hot paths
//! (`xtask/hot-paths`) counted in instructions under callgrind and compared
//! with the committed baseline, `xtask/hot-paths/baseline.json`.
//!
//! Instruction counts do not move with the machine's load, so the guard
//! can fail a build on a rise of more than [`TOLERANCE`] where a timing
//! would only be noise. Each path runs twice, with 0 and with [`N`]
//! operations; the difference divided by `N` is one operation's cost,
//! setup excluded. `--update` writes the measured counts as the new
//! baseline: commit it with a message that says why.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Operations per measured run.
const N: u64 = 50;
/// The largest accepted rise over the baseline.
const TOLERANCE: f64 = 0.10;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn baseline_path() -> PathBuf {
    root().join("xtask/hot-paths/baseline.json")
}

/// Total instructions (`Ir`) of one run of `hot-paths <path> <n>`.
fn instructions(bin: &Path, path: &str, n: u64, out_dir: &Path) -> Option<u64> {
    let out = out_dir.join(format!("callgrind.{path}.{n}"));
    let status = Command::new("valgrind")
        .arg("--tool=callgrind")
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(bin)
        .arg(path)
        .arg(n.to_string())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    if !status.success() {
        eprintln!("xtask: callgrind run of {path} {n} failed");
        return None;
    }
    total_instructions(&out)
}

/// The total instructions (`Ir`) a callgrind output file records.
pub fn total_instructions(file: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    text.lines()
        .find_map(|l| {
            l.strip_prefix("summary:")
                .or_else(|| l.strip_prefix("totals:"))
        })
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
}

fn read_baseline() -> BTreeMap<String, u64> {
    std::fs::read_to_string(baseline_path())
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v.get("instructions_per_op").cloned())
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default()
}

/// Runs the guard; `update` writes the baseline instead of comparing.
pub fn run(update: bool) -> bool {
    if Command::new("valgrind").arg("--version").output().is_err() {
        eprintln!("xtask: valgrind is not installed (Debian package valgrind)");
        return false;
    }
    if !crate::cargo(&["build", "--release", "-p", "hot-paths"]) {
        return false;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let bin = target.join("release/hot-paths");
    let out_dir = target.join("callgrind");
    let _ = std::fs::create_dir_all(&out_dir);
    let paths = match Command::new(&bin).arg("list").output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(String::from)
            .collect::<Vec<_>>(),
        _ => {
            eprintln!("xtask: {} did not list its paths", bin.display());
            return false;
        }
    };
    let baseline = read_baseline();
    let mut measured = BTreeMap::new();
    let mut ok = true;
    eprintln!("xtask: instructions per operation (callgrind, {N} operations, setup excluded)");
    eprintln!(
        "  {:<26} {:>12} {:>12} {:>8}",
        "path", "baseline", "now", "change"
    );
    for path in &paths {
        let (Some(zero), Some(many)) = (
            instructions(&bin, path, 0, &out_dir),
            instructions(&bin, path, N, &out_dir),
        ) else {
            return false;
        };
        let per_op = many.saturating_sub(zero) / N;
        measured.insert(path.clone(), per_op);
        let (base, change) = match baseline.get(path) {
            Some(b) if *b > 0 => (
                b.to_string(),
                format!("{:+.1}%", (per_op as f64 / *b as f64 - 1.0) * 100.0),
            ),
            _ => ("-".into(), "new".into()),
        };
        eprintln!("  {path:<26} {base:>12} {per_op:>12} {change:>8}");
        if let Some(b) = baseline.get(path) {
            if !update && per_op as f64 > *b as f64 * (1.0 + TOLERANCE) {
                eprintln!(
                    "xtask: {path} costs more than {:.0}% over its baseline",
                    TOLERANCE * 100.0
                );
                ok = false;
            }
        } else if !update {
            eprintln!("xtask: {path} has no baseline: run `cargo xtask bench --instructions --update` and commit it");
            ok = false;
        }
    }
    if update {
        let doc = serde_json::json!({
            "about": "Instructions per operation of xtask/hot-paths under callgrind; cargo xtask bench --instructions fails on a rise over 10%. Update deliberately: cargo xtask bench --instructions --update, and say why in the commit.",
            "instructions_per_op": measured,
        });
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
        if std::fs::write(baseline_path(), text).is_err() {
            eprintln!("xtask: could not write {}", baseline_path().display());
            return false;
        }
        eprintln!("xtask: wrote {}", baseline_path().display());
    }
    ok
}
