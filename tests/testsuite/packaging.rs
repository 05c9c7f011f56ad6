//! Packaging: the committed man pages and capfd completions match the binaries, the systemd unit
//! passes `systemd-analyze verify`, and the Debian package builds, installs with `dpkg -i`, runs
//! and purges.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(cmd: &mut Command) -> std::process::Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The files `cargo deb` ships are generated; they must be what the binaries print now.
#[test]
fn committed_man_pages_and_capfd_completions_are_current() {
    let capfd = env!("CARGO_BIN_EXE_capfd");
    let capfsh = env!("CARGO_BIN_EXE_capfsh");
    let mut checks: Vec<(String, Vec<&str>, &str)> = vec![
        ("man/capfsh.1".into(), vec!["man"], capfsh),
        ("man/capfd.1".into(), vec!["man"], capfd),
    ];
    for (shell, file) in [
        ("bash", "capfd.bash"),
        ("zsh", "_capfd"),
        ("fish", "capfd.fish"),
        ("elvish", "capfd.elv"),
        ("powershell", "_capfd.ps1"),
    ] {
        checks.push((
            format!("completions/{file}"),
            vec!["completions", shell],
            capfd,
        ));
    }
    for (file, args, bin) in checks {
        let out = run(Command::new(bin).args(&args).env_remove("CAPFSH_DB"));
        assert!(
            out.status.success(),
            "{bin} {args:?}: {}",
            text(&out.stderr)
        );
        assert!(!out.stdout.is_empty(), "{bin} {args:?} printed nothing");
        let committed = std::fs::read(repo().join(&file)).unwrap_or_default();
        assert!(
            committed == out.stdout,
            "{file} is out of date: run completions/regenerate.sh"
        );
    }
}

/// The capfd page documents every command and option with its help, and `capfd --help` of each
/// command has no option without a description.
#[test]
fn capfd_man_page_and_help_describe_every_option() {
    let capfd = env!("CARGO_BIN_EXE_capfd");
    let page = text(&run(Command::new(capfd).arg("man")).stdout);
    for needle in [
        "capfd init",
        "capfd enroll",
        "device NAME",
        "Device name the CSR is for",
        "The CSR file (PEM or DER",
        "capfd run",
        "JOURNAL_STREAM",
    ] {
        assert!(page.contains(needle), "man page lacks {needle:?}");
    }
    for sub in ["init", "enroll", "installed", "run"] {
        let help = text(&run(Command::new(capfd).args([sub, "--help"])).stdout);
        for line in help.lines().filter(|l| l.trim_start().starts_with("--")) {
            // clap puts the description after the option, on the same line.
            let described = line.trim().split_once("  ").is_some();
            assert!(
                described,
                "capfd {sub} --help: option without help: {line:?}"
            );
        }
    }
}

/// A copy of the unit with `ExecStart` pointing at the built binary (the packaged path does not
/// exist before installation); everything else as shipped.
fn unit_copy(dir: &Path, extra: &str) -> PathBuf {
    let unit = std::fs::read_to_string(repo().join("debian/capfd.service")).expect("unit");
    let unit = unit.replace("/usr/bin/capfd", env!("CARGO_BIN_EXE_capfd")) + extra;
    let path = dir.join("capfd.service");
    std::fs::write(&path, unit).expect("write unit");
    path
}

#[test]
fn systemd_unit_is_hardened_and_passes_systemd_analyze_verify() {
    assert!(
        have("systemd-analyze"),
        "systemd-analyze is missing: install the systemd package (.ci/run does)"
    );
    let unit = std::fs::read_to_string(repo().join("debian/capfd.service")).expect("unit");
    for line in [
        "User=capfd",
        "ExecStart=/usr/bin/capfd run",
        "Restart=on-failure",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/capfsh",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=",
    ] {
        assert!(
            unit.lines().any(|l| l.trim() == line),
            "unit lacks {line:?}"
        );
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let verify = |path: &Path| {
        run(Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(path))
    };
    let out = verify(&unit_copy(dir.path(), ""));
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "systemd-analyze verify: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    // The check can fail: a misspelt setting is reported.
    let bad = verify(&unit_copy(dir.path(), "ProtectSystem=strictly\n"));
    assert!(
        text(&bad.stderr).contains("ProtectSystem") || !bad.status.success(),
        "a broken unit passed: {}",
        text(&bad.stderr)
    );
}

/// An exclusive `flock` on a file, held until dropped (the lock lives as long as the open file).
struct MachineLock {
    _file: std::fs::File,
}

impl MachineLock {
    fn take(path: &str) -> MachineLock {
        use std::os::fd::AsRawFd;
        let f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .expect("lock file");
        // SAFETY: a valid open descriptor.
        let rc = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) };
        assert_eq!(rc, 0, "flock {path}");
        MachineLock { _file: f }
    }
}

/// dpkg, waiting (up to two minutes) while another dpkg or apt holds its lock.
fn dpkg(args: &[&str]) -> std::process::Output {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let out = run(Command::new("dpkg").args(args));
        let locked = text(&out.stderr).contains("lock");
        if out.status.success() || !locked || std::time::Instant::now() > deadline {
            return out;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
}

/// Whether an ELF file still has a symbol table (`.symtab`): a stripped binary has none.
fn has_symtab(path: &Path) -> bool {
    let bytes = std::fs::read(path).expect("binary");
    bytes.windows(8).any(|w| w == b".symtab\0")
}

/// Builds the package with `cargo deb`, installs it with `dpkg -i`, runs what it installed and
/// purges it again. Needs dpkg (Debian and derivatives) and cargo-deb (`.ci/run` installs it).
#[test]
fn debian_package_builds_installs_runs_and_purges() {
    if !have("dpkg") {
        eprintln!("no dpkg on this system: the Debian package is not built here");
        return;
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let has_cargo_deb = Command::new(&cargo)
        .args(["deb", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_cargo_deb,
        "cargo-deb is missing: cargo install cargo-deb --locked (.ci/run does)"
    );
    let out_dir = tempfile::tempdir().expect("tempdir");
    let out = run(Command::new(&cargo)
        .current_dir(repo())
        .args(["deb", "--locked", "--output"])
        .arg(out_dir.path()));
    assert!(out.status.success(), "cargo deb: {}", text(&out.stderr));
    let deb = std::fs::read_dir(out_dir.path())
        .expect("output")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .expect("a .deb");
    let listing = text(&run(Command::new("dpkg-deb").arg("-c").arg(&deb)).stdout);
    for path in [
        "./usr/bin/capfsh",
        "./usr/bin/capfd",
        "./usr/share/man/man1/capfsh.1",
        "./usr/share/man/man1/capfd.1",
        "./usr/share/bash-completion/completions/capfsh",
        "./usr/share/bash-completion/completions/capfd",
        "./usr/share/zsh/vendor-completions/_capfsh",
        "./usr/share/zsh/vendor-completions/_capfd",
        "./usr/share/fish/vendor_completions.d/capfsh.fish",
        "./usr/share/fish/vendor_completions.d/capfd.fish",
        "capfd.service",
    ] {
        assert!(
            listing.contains(path),
            "{path} not in the package:\n{listing}"
        );
    }
    // The shipped binaries are the stripped release ones.
    let release = repo().join("target/release");
    for bin in ["capfsh", "capfd"] {
        let p = release.join(bin);
        assert!(
            !has_symtab(&p),
            "{} still has its symbol table",
            p.display()
        );
        let size = std::fs::metadata(&p).expect("binary").len();
        assert!(size < 20 * 1024 * 1024, "{bin} is {size} bytes");
    }

    // One install at a time on this machine: other checkouts run this test too, and dpkg
    // allows one process at a time (a lock file every run of this test agrees on).
    let _machine = MachineLock::take("/tmp/capfsh-dpkg-test.lock");
    let install = dpkg(&["-i", deb.to_str().expect("utf-8 path")]);
    assert!(
        install.status.success(),
        "dpkg -i: {}{}",
        text(&install.stdout),
        text(&install.stderr)
    );
    let checks = (|| -> Result<(), String> {
        for bin in ["/usr/bin/capfsh", "/usr/bin/capfd"] {
            let v = run(Command::new(bin).arg("--version"));
            if !v.status.success() || !text(&v.stdout).contains(env!("CARGO_PKG_VERSION")) {
                return Err(format!("{bin} --version: {}", text(&v.stdout)));
            }
        }
        let passwd = run(Command::new("getent").args(["passwd", "capfd"]));
        if !passwd.status.success() {
            return Err("the package did not create the capfd account".into());
        }
        let unit = [
            "/lib/systemd/system/capfd.service",
            "/usr/lib/systemd/system/capfd.service",
        ]
        .into_iter()
        .map(Path::new)
        .find(|p| p.exists())
        .ok_or("the unit is not installed")?;
        // Installed: ExecStart exists now, and so do the man pages the unit points at.
        let verify = run(Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(unit));
        if !verify.status.success() || !verify.stderr.is_empty() {
            return Err(format!("verify installed unit: {}", text(&verify.stderr)));
        }
        // A store through the installed binaries.
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let db = dir.path().join("capf.db");
        let init = run(Command::new("/usr/bin/capfd")
            .arg("--db")
            .arg(&db)
            .arg("init"));
        if !init.status.success() {
            return Err(format!("installed capfd init: {}", text(&init.stderr)));
        }
        let status = run(Command::new("/usr/bin/capfsh")
            .arg("--db")
            .arg(&db)
            .args(["show", "capf", "status"]));
        if !text(&status.stdout).contains("CAPF-") {
            return Err(format!("installed capfsh: {}", text(&status.stdout)));
        }
        Ok(())
    })();
    let purge = dpkg(&["--purge", "capfsh"]);
    if let Err(e) = checks {
        panic!("{e}");
    }
    assert!(
        purge.status.success(),
        "dpkg --purge: {}",
        text(&purge.stderr)
    );
    assert!(!Path::new("/usr/bin/capfsh").exists(), "purge left capfsh");
}
