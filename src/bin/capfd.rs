//! `capfd`: the CAPF engine. Creates the CAPF CA, takes phones' CSRs, signs LSCs, records
//! installations, and runs as a service that follows the settings capfsh changes.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Arg, ArgAction, ArgMatches, Command, ValueHint, value_parser};

use capfsh::actor::os_user;
use capfsh::cli::global_args;
use capfsh::clock::Clock;
use capfsh::domain::{DeviceName, format_cli};
use capfsh::engine::{Engine, EngineError, SettingsWatch, refuse_store_file};
use capfsh::error::{ErrorKind, Program};
use capfsh::est::Timeouts;
use capfsh::est::worker::Pacing;
use capfsh::logging::{Level, Logger};
use capfsh::phone::server::{self, PhoneServer, ServerOptions};
use capfsh::phone::service::PhoneService;
use capfsh::pki::{CaKeyKind, CaSubject, csr::MAX_CSR_INPUT_BYTES};
use capfsh::render::escape_controls;
use capfsh::roles::Role;
use capfsh::store::{Actor, DB_ENV, Store, StoreLocation};
use capfsh::sys::{Existing, SafeFile};

/// `println!` without its panic: a closed standard output (`capfd init | head -1`) ends the
/// command as the reader's choice (exit 0), any other write failure is an error.
macro_rules! outln {
    ($($arg:tt)*) => {
        out!("{}\n", format_args!($($arg)*))
    };
}

/// `print!` without its panic, flushed so a closed pipe is seen here (see [`outln!`]).
macro_rules! out {
    ($($arg:tt)*) => {{
        let mut stdout = io::stdout().lock();
        write!(stdout, $($arg)*)
            .and_then(|()| stdout.flush())
            .map_err(EngineError::Output)?;
    }};
}

fn cli() -> Command {
    let capfd = Command::new("capfd")
        .about("The CAPF engine: CAPF CA, CSR intake, LSC issuance, over the capfsh store")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true);
    global_args::add_to(capfd, Program::Capfd)
        .subcommand(
            Command::new("init")
                .about("Create the CAPF CA certificate (key in a 0600 file beside the store)")
                .arg(
                    Arg::new("key")
                        .long("key")
                        .value_parser(CaKeyKind::NAMES)
                        .default_value("ec-p256")
                        .help("Key type of the CA (LSCs are signed with SHA-256)"),
                )
                .arg(
                    Arg::new("org")
                        .long("org")
                        .value_name("O")
                        .help("Organization (O) of the CA subject"),
                )
                .arg(
                    Arg::new("ou")
                        .long("ou")
                        .value_name("OU")
                        .help("Organizational unit (OU) of the CA subject"),
                )
                .arg(
                    Arg::new("locality")
                        .long("locality")
                        .value_name("L")
                        .help("Locality (L) of the CA subject"),
                )
                .arg(
                    Arg::new("state")
                        .long("state")
                        .value_name("ST")
                        .help("State or province (ST) of the CA subject"),
                )
                .arg(
                    Arg::new("country")
                        .long("country")
                        .value_name("C")
                        .help("Country (C) of the CA subject: two letters"),
                )
                .arg(
                    Arg::new("force")
                        .long("force")
                        .action(ArgAction::SetTrue)
                        .help("Replace an existing CA (kept in the store as retired)"),
                ),
        )
        .subcommand(
            Command::new("enroll")
                .about("Take a phone's CSR (PEM or DER); in capf mode, sign and print its LSC")
                .arg(
                    Arg::new("device")
                        .long("device")
                        .required(true)
                        .value_name("NAME")
                        .help("Device name the CSR is for, e.g. SEP001122AABBCC"),
                )
                .arg(
                    Arg::new("csr")
                        .long("csr")
                        .required(true)
                        .value_name("FILE|-")
                        .value_hint(ValueHint::FilePath)
                        .value_parser(value_parser!(PathBuf))
                        .help("The CSR file (PEM or DER, at most 64 KiB); - reads standard input"),
                )
                .arg(
                    Arg::new("out")
                        .long("out")
                        .value_name("FILE")
                        .value_hint(ValueHint::FilePath)
                        .value_parser(value_parser!(PathBuf))
                        .help("Write the LSC PEM here instead of standard output"),
                ),
        )
        .subcommand(
            Command::new("installed")
                .about("Record that a phone installed its LSC")
                .arg(
                    Arg::new("device")
                        .long("device")
                        .required(true)
                        .value_name("NAME")
                        .help("Device that installed its LSC"),
                )
                .arg(
                    Arg::new("serial")
                        .long("serial")
                        .value_name("HEX")
                        .help("Serial of the installed LSC [default: the newest one not stale]"),
                ),
        )
        .subcommand(
            Command::new("crl")
                .about("Issue the CRL of revoked LSCs, signed by the CAPF CA (PEM)")
                .arg(
                    Arg::new("out")
                        .long("out")
                        .value_name("FILE")
                        .value_parser(value_parser!(PathBuf))
                        .help("Write the CRL here (replaced whole) instead of standard output"),
                )
                .arg(crl_days_arg("days")),
        )
        .subcommand(
            Command::new("run")
                .about("Run the engine: follow settings changes, sign pending CSRs in capf mode, send them to the online CA in online mode")
                .arg(
                    Arg::new("interval-ms")
                        .long("interval-ms")
                        .value_name("MS")
                        .value_parser(value_parser!(u64).range(50..=10_000))
                        .default_value("500")
                        .help("How often the store is polled, in milliseconds (50-10000)"),
                )
                .arg(
                    Arg::new("listen")
                        .long("listen")
                        .value_name("ADDR:PORT")
                        .action(ArgAction::Append)
                        .help("Serve phones (CAPF protocol over TLS) here; repeatable; port 0 picks a free port [default: 0.0.0.0:3804]"),
                )
                .arg(
                    Arg::new("max-sessions")
                        .long("max-sessions")
                        .value_name("N")
                        .value_parser(value_parser!(u64).range(1..=100_000))
                        .default_value("200")
                        .help("Most phone sessions at once; more connections are closed at once and counted in the log"),
                )
                .arg(
                    Arg::new("handshake-timeout-ms")
                        .long("handshake-timeout-ms")
                        .value_name("MS")
                        .value_parser(value_parser!(u64).range(100..=600_000))
                        .default_value("10000")
                        .help("Time a connecting peer has to complete the TLS handshake, in milliseconds"),
                )
                .arg(
                    Arg::new("keep-alive-unit-ms")
                        .long("keep-alive-unit-ms")
                        .value_name("MS")
                        .value_parser(value_parser!(u64).range(1..=60_000))
                        .default_value("60000")
                        .hide(true)
                        .help("Length of one keep-alive minute (tests shorten it)"),
                )
                .arg(
                    Arg::new("est-timeout")
                        .long("est-timeout")
                        .value_name("SECS")
                        .value_parser(value_parser!(u64).range(1..=600))
                        .default_value("60")
                        .help("Online CA: most seconds one EST exchange may take (connect 10 s at most)"),
                )
                .arg(
                    Arg::new("est-retry")
                        .long("est-retry")
                        .value_name("SECS")
                        .value_parser(value_parser!(u64).range(1..=3600))
                        .default_value("30")
                        .help("Online CA: first wait after a server or network error, doubled at each further one"),
                )
                .arg(
                    Arg::new("est-retry-max")
                        .long("est-retry-max")
                        .value_name("SECS")
                        .value_parser(value_parser!(u64).range(1..=86400))
                        .default_value("3600")
                        .help("Online CA: longest wait between tries, and the pause after a refusal"),
                )
                .arg(
                    Arg::new("crl")
                        .long("crl")
                        .value_name("FILE")
                        .value_parser(value_parser!(PathBuf))
                        .help(
                            "Keep a CRL (PEM) current in FILE: reissued on each revocation \
                             and when half of its validity has passed",
                        ),
                )
                .arg(crl_days_arg("crl-days")),
        )
        .subcommand(
            Command::new(SETUP)
                .about("Create or check the multi-user layout: owners, modes, ACLs, roles file")
                .long_about(
                    "Lays out the store's folder for three roles mapped from OS groups: the \
                     service account owns the store, admins may do everything, operators all \
                     but CA and trust changes, readers only read (and cannot write the store by \
                     any means). Creates what is missing and fixes owners, modes and ACLs; with \
                     --check only reports (exit 1 when something differs). Without --db or \
                     CAPFSH_DB the store is /var/lib/capfsh/capf.db.",
                )
                .arg(
                    Arg::new("admins")
                        .long("admins")
                        .required(true)
                        .value_name("GROUP")
                        .help("Group whose members are admins (everything)"),
                )
                .arg(
                    Arg::new("operators")
                        .long("operators")
                        .required(true)
                        .value_name("GROUP")
                        .help("Group whose members are operators (all but CA and trust changes)"),
                )
                .arg(
                    Arg::new("readers")
                        .long("readers")
                        .required(true)
                        .value_name("GROUP")
                        .help("Group whose members may only read (show, list, dump, count)"),
                )
                .arg(
                    Arg::new("service")
                        .long("service")
                        .value_name("USER")
                        .default_value("capfd")
                        .help("The account capfd runs as; it owns the store and the CA keys"),
                )
                .arg(
                    Arg::new("check")
                        .long("check")
                        .action(ArgAction::SetTrue)
                        .help("Only report what differs from the layout; change nothing"),
                ),
        )
        .subcommand(
            Command::new(RESTORE)
                .about("Restore a backup made by `utils capf backup` as the store --db names")
                .arg(
                    Arg::new("folder")
                        .required(true)
                        .value_name("FOLDER")
                        .value_hint(ValueHint::DirPath)
                        .value_parser(value_parser!(PathBuf))
                        .help("The backup folder (its manifest, store and CA key files)"),
                )
                .arg(
                    Arg::new("force")
                        .long("force")
                        .action(ArgAction::SetTrue)
                        .help("Replace an existing store (its CA key files are never replaced)"),
                ),
        )
        .subcommand(
            Command::new(MAN).about("Print the capfd(1) man page (roff) on standard output"),
        )
        .subcommand(
            Command::new(COMPLETIONS)
                .about("Print a shell completion script for capfd")
                .arg(
                    Arg::new("shell")
                        .required(true)
                        .value_parser(value_parser!(clap_complete::Shell))
                        .help("The shell to complete in"),
                ),
        )
}

/// `--days`/`--crl-days`: how long a CRL is valid (its nextUpdate).
fn crl_days_arg(name: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .value_name("N")
        .value_parser(value_parser!(u32).range(1..=i64::from(capfsh::pki::crl::MAX_CRL_DAYS)))
        .default_value("7")
        .help("Days until the CRL's nextUpdate (1-366)")
}

/// `capfd setup`: lays out the folder; the store path defaults to the system one.
const SETUP: &str = "setup";
/// Where `capfd setup` puts the store when neither `--db` nor `CAPFSH_DB` says.
const SYSTEM_STORE: &str = "/var/lib/capfsh/capf.db";
/// `capfd restore`: must not open (and so create) the store it is about to write.
const RESTORE: &str = "restore";
/// `capfd man`: prints the man page; needs no store.
const MAN: &str = "man";
/// `capfd completions <shell>`: prints a completion script; needs no store.
const COMPLETIONS: &str = "completions";

fn main() -> ExitCode {
    let matches = cli().get_matches();
    match matches.subcommand() {
        Some((MAN, _)) => {
            let mut page = Vec::new();
            if let Err(e) = man_page(&mut page) {
                eprintln!("capfd: cannot render the man page: {e}");
                return ExitCode::from(1);
            }
            return write_out(&page);
        }
        Some((COMPLETIONS, m)) => {
            let Some(shell) = m.get_one::<clap_complete::Shell>("shell") else {
                return ExitCode::from(2);
            };
            // Into memory first: clap_complete panics on a write error (`| head`).
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut cli(), "capfd", &mut script);
            return write_out(&script);
        }
        _ => {}
    }
    match run(&matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A closed pipe is the reader's choice: nothing to say.
            if e.kind() != ErrorKind::BrokenPipe {
                eprintln!("capfd: {}", escape_controls(&e.to_string()));
            }
            ExitCode::from(e.kind().exit_code(Program::Capfd))
        }
    }
}

fn run(matches: &ArgMatches) -> Result<(), EngineError> {
    if let Some((SETUP, m)) = matches.subcommand() {
        return setup(matches, m);
    }
    let clock = Clock::from_env().map_err(EngineError::Environment)?;
    let location = StoreLocation::resolve(matches.get_one::<PathBuf>("db").map(PathBuf::as_path))?
        .with_clock(clock);
    let line = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    // What each engine command needs: the CA and restores are the admin's, the rest an
    // operator's (the service account is admin by the roles file, or owns the store).
    if let Some((name, _)) = matches.subcommand() {
        let needed = match name {
            "init" | RESTORE => Role::Admin,
            _ => Role::Operator,
        };
        if let Err(e) = capfsh::roles::check_role(&location.path, needed, &format!("capfd {name}"))
        {
            // Audited as failed where this user may write the store at all.
            if location.path.is_file()
                && let Ok(mut store) = location.open()
            {
                store.log_failure(
                    &Actor {
                        os_user: os_user(),
                        command: format!("capfd {line}"),
                    },
                    &e.to_string(),
                );
            }
            return Err(e.into());
        }
    }
    if let Some((RESTORE, m)) = matches.subcommand() {
        let folder = m
            .get_one::<PathBuf>("folder")
            .ok_or(EngineError::NoCommand)?;
        let actor = Actor {
            os_user: os_user(),
            command: format!("capfd {line}"),
        };
        let report = capfsh::backup::restore(folder, &location.path, m.get_flag("force"), &actor)?;
        let verb = if report.replaced {
            "replaced by"
        } else {
            "restored from"
        };
        outln!(
            "Store {} {verb} the backup in {}",
            escape_controls(&report.db.display().to_string()),
            escape_controls(&folder.display().to_string())
        );
        for k in &report.keys_written {
            outln!("CA key written:  {}", escape_controls(k));
        }
        if let Some(pw) = &report.est_password {
            outln!(
                "Online CA password: {}",
                escape_controls(&pw.display().to_string())
            );
        }
        for k in &report.keys_present {
            outln!(
                "CA key present:  {} (same content, kept)",
                escape_controls(k)
            );
        }
        return Ok(());
    }
    let mut store = location.open().map_err(|source| EngineError::OpenStore {
        path: location.path.clone(),
        source,
    })?;
    let actor = Actor {
        os_user: os_user(),
        command: format!("capfd {line}"),
    };
    let result = run_on(&mut store, &location, actor.clone(), matches, clock);
    // A refused change leaves one failed line, as capfsh's do (when the store can take it).
    if let Err(e) = &result
        && matches!(
            matches.subcommand_name(),
            Some("init" | "enroll" | "installed")
        )
    {
        store.log_failure(&actor, &e.to_string());
    }
    result
}

fn run_on(
    store: &mut Store,
    location: &StoreLocation,
    actor: Actor,
    matches: &ArgMatches,
    clock: Clock,
) -> Result<(), EngineError> {
    let mut engine = Engine::new(store, actor);
    let now = clock.now();
    match matches.subcommand() {
        Some(("init", m)) => {
            let kind: CaKeyKind = m
                .get_one::<String>("key")
                .map(String::as_str)
                .unwrap_or("ec-p256")
                .parse()?;
            let text = |k: &str| m.get_one::<String>(k).cloned();
            let subject = CaSubject {
                organization: text("org"),
                organizational_unit: text("ou"),
                locality: text("locality"),
                state: text("state"),
                country: text("country"),
            };
            let ca = engine.init_ca(kind, &subject, m.get_flag("force"), now)?;
            let validity = engine.store().settings()?.validity.days();
            let ca_days = (ca.not_after() - now).num_days();
            if ca_days <= i64::from(validity) {
                eprintln!(
                    "capfd: warning: the CAPF CA is valid for {ca_days} days, not longer than the \
                     LSC validity setting ({validity} days): every LSC it signs ends with it, on {} \
                     UTC",
                    format_cli(&ca.not_after())
                );
            }
            outln!("CAPF CA created: {}", escape_controls(ca.subject()));
            outln!("Valid until:     {} UTC", format_cli(&ca.not_after()));
            outln!("SHA-256:         {}", ca.fingerprint());
            if let Some(key) = engine.active_key_path()? {
                outln!(
                    "Private key:     {} (mode 0600)",
                    escape_controls(&key.display().to_string())
                );
            }
            Ok(())
        }
        Some(("enroll", m)) => {
            let device = device_arg(m)?;
            let input = read_input(m.get_one::<PathBuf>("csr"))?;
            // The output is checked and its temporary file made before anything is recorded
            // (an LSC the phone never receives would sit in the store as issued); the file
            // itself appears only once the LSC is recorded, and never through a link or over
            // the store or a key.
            let out_file = match m.get_one::<PathBuf>("out") {
                Some(p) => {
                    refuse_store_file(engine.store(), p)?;
                    Some(
                        SafeFile::create(p, 0o644, Existing::Replace)
                            .map_err(|e| EngineError::file("write", p, e))?,
                    )
                }
                None => None,
            };
            let e = engine.enroll(&device, &input, now)?;
            if let Some(w) = &e.csr.weak {
                eprintln!("capfd: warning: {device}: {w}");
            }
            if e.superseded > 0 {
                eprintln!("capfd: {device}: the older pending CSR is superseded");
            }
            if e.newly_stale > 0 {
                eprintln!(
                    "capfd: {device}: {} issued LSC(s) never installed are now stale",
                    e.newly_stale
                );
            }
            match &e.lsc {
                Some(lsc) => {
                    eprintln!("capfd: {device}: LSC {} issued", lsc.serial_hex);
                    if let Some(wanted) = lsc.cut_from {
                        eprintln!(
                            "capfd: warning: {device}: {}",
                            cut_warning(&lsc.not_after, &wanted)
                        );
                    }
                    match out_file {
                        Some(mut f) => {
                            let dest = f.dest().to_path_buf();
                            f.write_all(lsc.pem().as_bytes())
                                .and_then(|()| f.commit())
                                .map_err(|e| EngineError::file("write", &dest, e))?;
                        }
                        None => out!("{}", lsc.pem()),
                    }
                }
                None => {
                    // Nothing to write: the temporary file goes, an existing file stays.
                    drop(out_file);
                    eprintln!(
                        "capfd: {device}: CSR recorded as pending (issuer mode {})",
                        e.mode
                    );
                }
            }
            Ok(())
        }
        Some(("installed", m)) => {
            let device = device_arg(m)?;
            let serial = engine.installed(
                &device,
                m.get_one::<String>("serial").map(String::as_str),
                now,
            )?;
            outln!("{device}: LSC {serial} installed");
            Ok(())
        }
        Some(("crl", m)) => {
            let days = m.get_one::<u32>("days").copied().unwrap_or(7);
            // A file that cannot be written (a link, a folder) is refused before a CRL
            // number is spent on it.
            let out = match m.get_one::<PathBuf>("out") {
                Some(p) => Some((p, open_crl_file(p)?)),
                None => None,
            };
            let crl = engine.issue_crl(days, now)?;
            let pem = capfsh::pki::to_pem("X509 CRL", &crl.der);
            match out {
                Some((p, file)) => {
                    write_crl_file(file, p, &pem)?;
                    eprintln!(
                        "capfd: CRL {} written to {} ({} revoked, next update {})",
                        crl.number,
                        escape_controls(&p.display().to_string()),
                        crl.entries,
                        format_cli(&crl.next_update)
                    );
                }
                None => out!("{pem}"),
            }
            Ok(())
        }
        Some(("run", m)) => {
            let interval =
                Duration::from_millis(m.get_one::<u64>("interval-ms").copied().unwrap_or(500));
            let secs =
                |k: &str, d: u64| Duration::from_secs(m.get_one::<u64>(k).copied().unwrap_or(d));
            let retry_base = secs("est-retry", 30);
            let pacing = Pacing {
                interval: interval.max(Duration::from_millis(200)),
                timeouts: Timeouts::with_exchange(secs("est-timeout", 60)),
                retry_base,
                retry_max: secs("est-retry-max", 3600).max(retry_base),
            };
            let ms =
                |k: &str, d: u64| Duration::from_millis(m.get_one::<u64>(k).copied().unwrap_or(d));
            let listen: Vec<String> = m
                .get_many::<String>("listen")
                .map(|v| v.cloned().collect())
                .unwrap_or_else(|| vec![format!("0.0.0.0:{}", server::DEFAULT_PORT)]);
            let opts = ServerOptions {
                listen,
                max_sessions: m.get_one::<u64>("max-sessions").copied().unwrap_or(200) as usize,
                handshake_timeout: ms("handshake-timeout-ms", 10_000),
            };
            let svc = Arc::new(PhoneService::new(
                location.clone(),
                ms("keep-alive-unit-ms", 60_000),
                Logger::from_env("capfd").with_clock(clock),
            ));
            let crl = m.get_one::<PathBuf>("crl").map(|p| CrlTarget {
                path: p.clone(),
                days: m.get_one::<u32>("crl-days").copied().unwrap_or(7),
            });
            serve(
                &mut engine,
                interval,
                clock,
                pacing,
                &opts,
                svc,
                crl.as_ref(),
            )
        }
        _ => Err(EngineError::NoCommand),
    }
}

/// Where `capfd run --crl` keeps the CRL, and for how long each one is valid.
struct CrlTarget {
    path: PathBuf,
    days: u32,
}

/// Starts replacing the CRL file `path` (0644, whole or not at all, never through a link).
fn open_crl_file(path: &std::path::Path) -> Result<SafeFile, EngineError> {
    SafeFile::create(path, 0o644, Existing::Replace)
        .map_err(|source| EngineError::file("write", path, source))
}

/// Writes the CRL's PEM into `file` and puts it in place under `path`.
fn write_crl_file(
    mut file: SafeFile,
    path: &std::path::Path,
    pem: &str,
) -> Result<(), EngineError> {
    file.write_all(pem.as_bytes())
        .and_then(|()| file.commit())
        .map_err(|source| EngineError::file("write", path, source))
}

/// Reissues the CRL into `target` when it is due or the file is gone.
fn keep_crl_current(
    engine: &mut Engine,
    target: &CrlTarget,
    log: &Logger,
    now: capfsh::domain::Timestamp,
) -> Result<(), EngineError> {
    if !engine.crl_due(now)? && target.path.exists() {
        return Ok(());
    }
    // Opened first: a path that cannot take the CRL fails every tick without issuing one.
    let file = open_crl_file(&target.path)?;
    let crl = engine.issue_crl(target.days, now)?;
    let pem = capfsh::pki::to_pem("X509 CRL", &crl.der);
    write_crl_file(file, &target.path, &pem)?;
    log.notice(&format!(
        "CRL {} written to {} ({} revoked, next update {})",
        crl.number,
        target.path.display(),
        crl.entries,
        format_cli(&crl.next_update)
    ));
    Ok(())
}

/// The service loop: polls the store for settings changes, signs pending CSRs in capf mode in
/// small batches (bulk signing must not starve call processing), keeps the CRL current when
/// asked, stops on SIGINT/SIGTERM.
fn serve(
    engine: &mut Engine,
    interval: Duration,
    clock: Clock,
    pacing: Pacing,
    opts: &ServerOptions,
    svc: Arc<PhoneService>,
    crl: Option<&CrlTarget>,
) -> Result<(), EngineError> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).map_err(EngineError::Signals)?;
    }
    let log = Logger::from_env("capfd").with_clock(clock);
    // Sessions a killed capfd left in progress are failed, saying so, before phones come back.
    let interrupted = engine.store_mut().fail_interrupted_operations(
        clock.now(),
        &Actor {
            os_user: os_user(),
            command: "capfd run".into(),
        },
    )?;
    let server =
        PhoneServer::start(opts, svc.clone(), log.clone()).map_err(EngineError::Service)?;
    // The bound addresses come first: tests and operators find the port here.
    for a in server.addrs() {
        log.notice(&format!(
            "listening for phones on {a} (CAPF protocol over TLS)"
        ));
    }
    if interrupted > 0 {
        log.log(
            Level::Warning,
            None,
            &format!(
                "{interrupted} operation(s) left in progress by an earlier capfd are marked failed"
            ),
        );
    }
    // The online CA works on a thread of its own: a slow or silent EST server must not hold
    // up signing, settings or anything else this loop does.
    let est = capfsh::est::worker::spawn(
        engine.store().path().to_path_buf(),
        Actor {
            os_user: os_user(),
            command: "capfd run (online CA)".into(),
        },
        clock,
        pacing,
        stop.clone(),
        log.clone(),
    )
    .map_err(EngineError::Worker)?;
    let mut watch = SettingsWatch::new(engine.store())?;
    let s = watch.current().clone();
    log.notice(&format!(
        "started: issuer mode {}, keep-alive {} min, LSC validity {} days",
        s.issuer_mode, s.keep_alive, s.validity
    ));
    // The failure logged last, by identity (not text): a lasting one is said once.
    let mut last_error = None;
    // An active CA that cannot load its key is named at start, not first when a CSR waits.
    if s.issuer_mode == capfsh::domain::IssuerMode::Capf
        && engine.store().active_ca()?.is_some()
        && let Err(e) = engine.load_ca()
    {
        log.error(&e.to_string());
        last_error = Some(e.identity());
    }
    let mut unsignable = std::collections::HashSet::new();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let step = (|| -> Result<(), EngineError> {
            if let Some(new) = watch.poll(engine.store())?.cloned() {
                svc.mode_changed();
                log.notice(&format!(
                    "settings changed: issuer mode {}, keep-alive {} min, LSC validity {} days",
                    new.issuer_mode, new.keep_alive, new.validity
                ));
            }
            if watch.current().issuer_mode == capfsh::domain::IssuerMode::Capf {
                let report = engine.sign_pending(25, clock.now(), &mut unsignable)?;
                // One line per device, so the log answers "what happened to this phone".
                for (device, serial) in &report.issued {
                    log.device_info(device, &format!("LSC {serial} issued for its pending CSR"));
                }
                // Each unsignable CSR is named once, then passed over until capfd restarts.
                for (device, end, wanted) in &report.cut {
                    log.device_warning(device, &cut_warning(end, wanted));
                }
                for (device, reason) in &report.refused {
                    log.device_warning(
                        device,
                        &format!("cannot sign the pending CSR: {reason} (left pending)"),
                    );
                }
            }
            if let Some(target) = crl {
                keep_crl_current(engine, target, &log, clock.now())?;
            }
            Ok(())
        })();
        match step {
            Ok(()) => last_error = None,
            Err(e) => {
                // Log a failure once, not every tick (a missing CA, a locked store).
                let id = e.identity();
                if last_error.as_ref() != Some(&id) {
                    log.error(&e.to_string());
                    last_error = Some(id);
                }
            }
        }
        while started.elapsed() < interval && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20).min(interval));
        }
    }
    server.stop();
    // An EST exchange in flight ends within its timeout; do not wait that long to stop (the
    // store is transactional, so an exchange cut short records nothing).
    let deadline = Instant::now() + Duration::from_secs(2);
    while !est.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    log.notice("stopped");
    Ok(())
}

/// The capfd(1) page: clap_mangen's header and global options, then every command with all of
/// its options (clap_mangen alone would only name them and point at pages nobody installs).
fn man_page(out: &mut dyn Write) -> io::Result<()> {
    use clap_mangen::roff::{Roff, bold, italic, roman};
    let root = cli();
    let man = clap_mangen::Man::new(root.clone());
    capfsh::cli::man::render_head(&man, out)?;
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    for sub in root.get_subcommands() {
        roff.control("TP", []);
        let mut usage = format!("capfd {}", sub.get_name());
        for a in sub.get_arguments().filter(|a| !a.is_global_set()) {
            let value = a
                .get_value_names()
                .and_then(|v| v.first())
                .map(|v| v.to_string())
                .unwrap_or_else(|| a.get_id().to_string().to_uppercase());
            let piece = match a.get_long() {
                Some(long) if a.get_action().takes_values() => {
                    format!("--{long} {value}")
                }
                Some(long) => format!("--{long}"),
                None => format!("<{value}>"),
            };
            if a.is_required_set() {
                usage.push_str(&format!(" {piece}"));
            } else {
                usage.push_str(&format!(" [{piece}]"));
            }
        }
        roff.text([bold(usage)]);
        roff.text([roman(
            sub.get_about().map(|a| a.to_string()).unwrap_or_default(),
        )]);
        for a in sub.get_arguments().filter(|a| !a.is_global_set()) {
            roff.control("br", []);
            let name = match a.get_long() {
                Some(long) => format!("--{long}"),
                None => a.get_id().to_string(),
            };
            let mut text = format!(
                ": {}",
                a.get_help().map(|h| h.to_string()).unwrap_or_default()
            );
            let choices: Vec<String> = a
                .get_possible_values()
                .iter()
                .map(|v| v.get_name().to_owned())
                .collect();
            if !choices.is_empty() && choices.len() <= 8 {
                text.push_str(&format!(" ({})", choices.join(", ")));
            }
            if let Some(d) = a.get_default_values().first() {
                text.push_str(&format!(" [default: {}]", d.to_string_lossy()));
            }
            roff.text([italic(name), roman(text)]);
        }
    }
    roff.control("SH", ["ENVIRONMENT"]);
    roff.control("TP", []);
    roff.text([bold(DB_ENV)]);
    roff.text([roman("The store, when --db is not given.")]);
    roff.control("TP", []);
    roff.text([bold("JOURNAL_STREAM")]);
    roff.text([roman(
        "Set by systemd. When it names capfd's standard error, capfd run writes each event \
         with a syslog priority prefix (<3> error, <4> warning, <5> notice, <6> info) and no \
         timestamp of its own; otherwise each line starts with the UTC time as \
         YYYY-MM-DD HH:MM:SS.",
    )]);
    roff.control("SH", ["FILES"]);
    roff.control("TP", []);
    roff.text([bold("<store>.ca-key-<16 hex>.pem")]);
    roff.text([roman(
        "The private key of each CAPF CA, beside the store, mode 0600; never inside the \
         store, which records each key's file name with its certificate (older stores: \
         <store>.ca-key.pem).",
    )]);
    roff.control("SH", ["EXIT STATUS"]);
    roff.text([roman(
        "0 success, 1 failure (one line on standard error says why), 2 usage error.",
    )]);
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman("capfsh(1)")]);
    roff.to_writer(out)?;
    man.render_version_section(out)
}

/// `capfd setup`: creates or checks the layout and prints one line per file.
fn setup(matches: &ArgMatches, m: &ArgMatches) -> Result<(), EngineError> {
    let db = matches
        .get_one::<PathBuf>("db")
        .cloned()
        .unwrap_or_else(|| PathBuf::from(SYSTEM_STORE));
    let name = |k: &str| -> Result<String, EngineError> {
        let v = m.get_one::<String>(k).cloned().unwrap_or_default();
        if capfsh::roles::valid_name(&v) {
            Ok(v)
        } else {
            Err(capfsh::layout::LayoutError::InvalidName {
                option: k.to_owned(),
                value: escape_controls(&v).into_owned(),
            }
            .into())
        }
    };
    let map = capfsh::roles::RoleMap {
        service: name("service")?,
        admins: name("admins")?,
        operators: name("operators")?,
        readers: name("readers")?,
    };
    let check_only = m.get_flag("check");
    let found = capfsh::layout::setup(&db, &map, check_only)?;
    let mut problems = 0;
    for f in &found {
        let state = match (f.problem, f.fixed) {
            (false, _) => "ok      ",
            (true, true) => "fixed   ",
            (true, false) => "DIFFERS ",
        };
        if f.problem {
            problems += 1;
        }
        outln!(
            "{state}{}: {}",
            escape_controls(&f.path.display().to_string()),
            escape_controls(&f.what)
        );
    }
    if check_only && problems > 0 {
        return Err(capfsh::layout::LayoutError::Differences(problems).into());
    }
    outln!(
        "Layout {} for {}: admins {}, operators {}, readers {}, service account {}",
        if check_only { "checked" } else { "in place" },
        escape_controls(&db.display().to_string()),
        map.admins,
        map.operators,
        map.readers,
        map.service
    );
    Ok(())
}

/// Writes generated text to standard output; a closed pipe is the reader's choice (exit 0).
fn write_out(bytes: &[u8]) -> ExitCode {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("capfd: cannot write to standard output: {e}");
            ExitCode::from(1)
        }
    }
}

/// The warning for an LSC cut to its CA's end of validity: how much shorter, both dates, and
/// what to do.
fn cut_warning(end: &capfsh::domain::Timestamp, wanted: &capfsh::domain::Timestamp) -> String {
    let days = (*wanted - *end).num_days();
    let short = match days {
        0 => "less than a day".to_owned(),
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    };
    format!(
        "LSC cut to the CAPF CA's end of validity, {} UTC ({short} shorter than the \
         validity setting, which asked for {} UTC); renew the CA with `capfd init --force` for \
         full-length LSCs",
        format_cli(end),
        format_cli(wanted)
    )
}

/// The `--device` argument as a checked device name.
fn device_arg(m: &ArgMatches) -> Result<DeviceName, EngineError> {
    Ok(m.get_one::<String>("device")
        .map(String::as_str)
        .unwrap_or_default()
        .parse()?)
}

/// Reads a CSR from a file or `-` (stdin), refusing more than the CSR size limit.
fn read_input(path: Option<&PathBuf>) -> Result<Vec<u8>, EngineError> {
    let limit = MAX_CSR_INPUT_BYTES as u64 + 1;
    let mut buf = Vec::new();
    let res = match path {
        Some(p) if p.as_os_str() != "-" => std::fs::File::open(p)
            .and_then(|f| f.take(limit).read_to_end(&mut buf))
            .map_err(|e| EngineError::file("read", p, e)),
        _ => io::stdin()
            .take(limit)
            .read_to_end(&mut buf)
            .map_err(EngineError::Stdin),
    };
    res?;
    Ok(buf)
}
#[cfg(test)]
mod tests {
    use super::cli;

    /// `capfd --help` explains every option of every command, so none is a bare name.
    #[test]
    fn every_option_has_help() {
        let root = cli();
        root.clone().debug_assert();
        let mut missing = Vec::new();
        for arg in root.get_arguments() {
            if arg.get_help().is_none() && !arg.is_hide_set() {
                missing.push(format!("capfd --{}", arg.get_id()));
            }
        }
        for sub in root.get_subcommands() {
            if sub.get_about().is_none() {
                missing.push(format!("capfd {}", sub.get_name()));
            }
            for arg in sub.get_arguments() {
                if arg.get_help().is_none() && !arg.is_hide_set() && !arg.is_global_set() {
                    missing.push(format!("capfd {} {}", sub.get_name(), arg.get_id()));
                }
            }
        }
        assert!(missing.is_empty(), "no help text: {missing:?}");
    }
}
