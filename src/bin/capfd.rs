//! `capfd`: the CAPF engine. Creates the CAPF CA, takes phones' CSRs, signs LSCs, records
//! installations, and runs as a service that follows the settings capfsh changes.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};

use capfsh::commands::os_user;
use capfsh::domain::{DeviceName, format_rfc3339};
use capfsh::engine::{Engine, EngineError, SettingsWatch};
use capfsh::pki::{CaKeyKind, CaSubject, csr::MAX_CSR_INPUT_BYTES};
use capfsh::render::escape_controls;
use capfsh::store::{Actor, DB_ENV, StoreLocation};

fn cli() -> Command {
    Command::new("capfd")
        .about("The CAPF engine: CAPF CA, CSR intake, LSC issuance, over the capfsh store")
        .version(env!("CARGO_PKG_VERSION"))
        .subcommand_required(true)
        .arg(
            Arg::new("db")
                .long("db")
                .env(DB_ENV)
                .value_name("PATH")
                .value_parser(value_parser!(PathBuf))
                .global(true)
                .help("Store to use [default: <data dir>/capfsh/capf.db]"),
        )
        .subcommand(
            Command::new("init")
                .about("Create the CAPF CA certificate (key in a 0600 file beside the store)")
                .arg(
                    Arg::new("key")
                        .long("key")
                        .value_parser(CaKeyKind::NAMES)
                        .default_value("ec-p256"),
                )
                .arg(Arg::new("org").long("org").value_name("O"))
                .arg(Arg::new("ou").long("ou").value_name("OU"))
                .arg(Arg::new("locality").long("locality").value_name("L"))
                .arg(Arg::new("state").long("state").value_name("ST"))
                .arg(Arg::new("country").long("country").value_name("C"))
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
                        .value_name("NAME"),
                )
                .arg(
                    Arg::new("csr")
                        .long("csr")
                        .required(true)
                        .value_name("FILE|-")
                        .value_parser(value_parser!(PathBuf)),
                )
                .arg(
                    Arg::new("out")
                        .long("out")
                        .value_name("FILE")
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
                        .value_name("NAME"),
                )
                .arg(Arg::new("serial").long("serial").value_name("HEX")),
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
                .about("Run the engine: follow settings changes, sign pending CSRs in capf mode")
                .arg(
                    Arg::new("interval-ms")
                        .long("interval-ms")
                        .value_parser(value_parser!(u64).range(50..=10_000))
                        .default_value("500")
                        .help("How often the store is polled"),
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
}

/// `--days`/`--crl-days`: how long a CRL is valid (its nextUpdate).
fn crl_days_arg(name: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .value_name("N")
        .value_parser(value_parser!(u32).range(1..=i64::from(capfsh::pki::crl::MAX_CRL_DAYS)))
        .default_value("7")
        .help("Days until the CRL's nextUpdate")
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    match run(&matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("capfd: {}", escape_controls(&e.to_string()));
            ExitCode::from(1)
        }
    }
}

fn run(matches: &ArgMatches) -> Result<(), EngineError> {
    let location = StoreLocation::resolve(matches.get_one::<PathBuf>("db").map(PathBuf::as_path))?;
    let mut store = location
        .open()
        .map_err(|e| EngineError::Other(format!("{}: {e}", location.path.display())))?;
    let line = std::env::args().skip(1).collect::<Vec<_>>().join(" ");
    let mut engine = Engine::new(
        &mut store,
        Actor {
            os_user: os_user(),
            command: format!("capfd {line}"),
        },
    );
    let now = chrono::Utc::now();
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
                     LSC validity setting ({validity} days): every LSC it signs ends with it, on {}",
                    format_rfc3339(&ca.not_after())
                );
            }
            println!("CAPF CA created: {}", escape_controls(ca.subject()));
            println!("Valid until:     {}", format_rfc3339(&ca.not_after()));
            println!("SHA-256:         {}", ca.fingerprint());
            println!(
                "Private key:     {} (mode 0600)",
                capfsh::engine::key_path(&location.path).display()
            );
            Ok(())
        }
        Some(("enroll", m)) => {
            let device = device_arg(m)?;
            let input = read_input(m.get_one::<PathBuf>("csr"))?;
            // Open the output before anything is recorded: an LSC the phone never receives
            // would sit in the store as issued.
            let mut out_file = match m.get_one::<PathBuf>("out") {
                Some(p) => Some(std::fs::File::create(p).map_err(|e| {
                    EngineError::Other(format!("cannot write {}: {e}", p.display()))
                })?),
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
                            "capfd: warning: {}",
                            cut_warning(device.as_str(), &lsc.not_after, &wanted)
                        );
                    }
                    write_output(out_file.as_mut(), m.get_one::<PathBuf>("out"), &lsc.pem())?;
                }
                None => {
                    // Nothing to write: do not leave an empty file behind.
                    if let (Some(f), Some(p)) = (out_file.take(), m.get_one::<PathBuf>("out")) {
                        drop(f);
                        let _ = std::fs::remove_file(p);
                    }
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
            println!("{device}: LSC {serial} installed");
            Ok(())
        }
        Some(("crl", m)) => {
            let days = m.get_one::<u32>("days").copied().unwrap_or(7);
            let crl = engine.issue_crl(days, now)?;
            let pem = capfsh::pki::to_pem("X509 CRL", &crl.der);
            match m.get_one::<PathBuf>("out") {
                Some(p) => {
                    capfsh::engine::atomic::replace(p, pem.as_bytes(), 0o644).map_err(|e| {
                        EngineError::Other(format!("cannot write {}: {e}", p.display()))
                    })?;
                    eprintln!(
                        "capfd: CRL {} written to {} ({} revoked, next update {})",
                        crl.number,
                        escape_controls(&p.display().to_string()),
                        crl.entries,
                        format_rfc3339(&crl.next_update)
                    );
                }
                None => print!("{pem}"),
            }
            Ok(())
        }
        Some(("run", m)) => {
            let interval =
                Duration::from_millis(m.get_one::<u64>("interval-ms").copied().unwrap_or(500));
            let crl = m.get_one::<PathBuf>("crl").map(|p| CrlTarget {
                path: p.clone(),
                days: m.get_one::<u32>("crl-days").copied().unwrap_or(7),
            });
            serve(&mut engine, interval, crl.as_ref())
        }
        _ => Err(EngineError::Other("no command: see capfd --help".into())),
    }
}

/// The service loop: polls the store for settings changes, signs pending CSRs in capf mode in
/// small batches (bulk signing must not starve call processing), stops on SIGINT/SIGTERM.
/// Where `capfd run --crl` keeps the CRL, and for how long each one is valid.
struct CrlTarget {
    path: PathBuf,
    days: u32,
}

/// Reissues the CRL into `target` when it is due or the file is gone.
fn keep_crl_current(engine: &mut Engine, target: &CrlTarget) -> Result<(), EngineError> {
    let now = chrono::Utc::now();
    if !engine.crl_due(now)? && target.path.exists() {
        return Ok(());
    }
    let crl = engine.issue_crl(target.days, now)?;
    let pem = capfsh::pki::to_pem("X509 CRL", &crl.der);
    capfsh::engine::atomic::replace(&target.path, pem.as_bytes(), 0o644)
        .map_err(|e| EngineError::Other(format!("cannot write {}: {e}", target.path.display())))?;
    log(&format!(
        "CRL {} written to {} ({} revoked, next update {})",
        crl.number,
        target.path.display(),
        crl.entries,
        format_rfc3339(&crl.next_update)
    ));
    Ok(())
}

fn serve(
    engine: &mut Engine,
    interval: Duration,
    crl: Option<&CrlTarget>,
) -> Result<(), EngineError> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone())
            .map_err(|e| EngineError::Other(format!("cannot handle signals: {e}")))?;
    }
    let mut watch = SettingsWatch::new(engine.store())?;
    let s = watch.current().clone();
    log(&format!(
        "started: issuer mode {}, keep-alive {} min, LSC validity {} days",
        s.issuer_mode, s.keep_alive, s.validity
    ));
    let mut last_error = String::new();
    let mut unsignable = std::collections::HashSet::new();
    while !stop.load(Ordering::Relaxed) {
        let started = Instant::now();
        let step = (|| -> Result<(), EngineError> {
            if let Some(new) = watch.poll(engine.store())?.cloned() {
                log(&format!(
                    "settings changed: issuer mode {}, keep-alive {} min, LSC validity {} days",
                    new.issuer_mode, new.keep_alive, new.validity
                ));
            }
            if watch.current().issuer_mode == capfsh::domain::IssuerMode::Capf {
                let report = engine.sign_pending(25, chrono::Utc::now(), &mut unsignable)?;
                if report.signed > 0 {
                    log(&format!("signed {} pending CSR(s)", report.signed));
                }
                // Each unsignable CSR is named once, then passed over until capfd restarts.
                for (device, end, wanted) in &report.cut {
                    log(&format!("warning: {}", cut_warning(device, end, wanted)));
                }
                for (device, reason) in &report.refused {
                    log(&format!(
                        "cannot sign the pending CSR of {device}: {reason} (left pending)"
                    ));
                }
            }
            if let Some(target) = crl {
                keep_crl_current(engine, target)?;
            }
            Ok(())
        })();
        match step {
            Ok(()) => last_error.clear(),
            Err(e) => {
                // Log a failure once, not every tick (a missing CA, a locked store).
                let msg = e.to_string();
                if msg != last_error {
                    log(&format!("error: {msg}"));
                    last_error = msg;
                }
            }
        }
        while started.elapsed() < interval && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(20).min(interval));
        }
    }
    log("stopped");
    Ok(())
}

/// The warning for an LSC cut to its CA's end of validity: how much shorter, both dates, and
/// what to do.
fn cut_warning(
    device: &str,
    end: &capfsh::domain::Timestamp,
    wanted: &capfsh::domain::Timestamp,
) -> String {
    let days = (*wanted - *end).num_days();
    let short = match days {
        0 => "less than a day".to_owned(),
        1 => "1 day".to_owned(),
        n => format!("{n} days"),
    };
    format!(
        "{device}: LSC cut to the CAPF CA's end of validity, {} ({short} shorter than the \
         validity setting, which asked for {}); renew the CA with `capfd init --force` for \
         full-length LSCs",
        format_rfc3339(end),
        format_rfc3339(wanted)
    )
}

fn log(msg: &str) {
    let mut err = io::stderr();
    let _ = writeln!(
        err,
        "{} capfd: {}",
        format_rfc3339(&chrono::Utc::now()),
        escape_controls(msg)
    );
}

/// The `--device` argument as a checked device name.
fn device_arg(m: &ArgMatches) -> Result<DeviceName, EngineError> {
    m.get_one::<String>("device")
        .map(String::as_str)
        .unwrap_or_default()
        .parse()
        .map_err(|e: capfsh::domain::InvalidValue| EngineError::Other(e.0))
}

/// Reads a CSR from a file or `-` (stdin), refusing more than the CSR size limit.
fn read_input(path: Option<&PathBuf>) -> Result<Vec<u8>, EngineError> {
    let limit = MAX_CSR_INPUT_BYTES as u64 + 1;
    let mut buf = Vec::new();
    let res = match path {
        Some(p) if p.as_os_str() != "-" => std::fs::File::open(p)
            .and_then(|f| f.take(limit).read_to_end(&mut buf))
            .map_err(|e| EngineError::Other(format!("cannot read {}: {e}", p.display()))),
        _ => io::stdin()
            .take(limit)
            .read_to_end(&mut buf)
            .map_err(|e| EngineError::Other(format!("cannot read standard input: {e}"))),
    };
    res?;
    Ok(buf)
}

fn write_output(
    file: Option<&mut std::fs::File>,
    path: Option<&PathBuf>,
    pem: &str,
) -> Result<(), EngineError> {
    match (file, path) {
        (Some(f), Some(p)) => f
            .write_all(pem.as_bytes())
            .map_err(|e| EngineError::Other(format!("cannot write {}: {e}", p.display()))),
        _ => {
            print!("{pem}");
            Ok(())
        }
    }
}
