//! `capfd`: the CAPF engine. Creates the CAPF CA, takes phones' CSRs, signs LSCs, records
//! installations, and runs as a service that follows the settings capfsh changes.

use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use clap::{Arg, ArgAction, ArgMatches, Command, value_parser};

use capfsh::actor::os_user;
use capfsh::domain::{DeviceName, format_rfc3339};
use capfsh::engine::{Engine, EngineError, SettingsWatch};
use capfsh::error::Program;
use capfsh::est::Timeouts;
use capfsh::est::worker::Pacing;
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
            Command::new("run")
                .about("Run the engine: follow settings changes, sign pending CSRs in capf mode, send them to the online CA in online mode")
                .arg(
                    Arg::new("interval-ms")
                        .long("interval-ms")
                        .value_parser(value_parser!(u64).range(50..=10_000))
                        .default_value("500")
                        .help("How often the store is polled"),
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
                ),
        )
}

fn main() -> ExitCode {
    let matches = cli().get_matches();
    match run(&matches) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("capfd: {}", escape_controls(&e.to_string()));
            ExitCode::from(e.kind().exit_code(Program::Capfd))
        }
    }
}

fn run(matches: &ArgMatches) -> Result<(), EngineError> {
    let location = StoreLocation::resolve(matches.get_one::<PathBuf>("db").map(PathBuf::as_path))?;
    let mut store = location.open().map_err(|source| EngineError::OpenStore {
        path: location.path.clone(),
        source,
    })?;
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
                Some(p) => {
                    Some(std::fs::File::create(p).map_err(|e| EngineError::file("write", p, e))?)
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
            serve(&mut engine, interval, pacing)
        }
        _ => Err(EngineError::NoCommand),
    }
}

/// The service loop: polls the store for settings changes, signs pending CSRs in capf mode in
/// small batches (bulk signing must not starve call processing), stops on SIGINT/SIGTERM.
fn serve(engine: &mut Engine, interval: Duration, pacing: Pacing) -> Result<(), EngineError> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, stop.clone()).map_err(EngineError::Signals)?;
    }
    // The online CA works on a thread of its own: a slow or silent EST server must not hold
    // up signing, settings or anything else this loop does.
    let est = capfsh::est::worker::spawn(
        engine.store().path().to_path_buf(),
        Actor {
            os_user: os_user(),
            command: "capfd run (online CA)".into(),
        },
        pacing,
        stop.clone(),
        log,
    )
    .map_err(EngineError::Worker)?;
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
    // An EST exchange in flight ends within its timeout; do not wait that long to stop (the
    // store is transactional, so an exchange cut short records nothing).
    let deadline = Instant::now() + Duration::from_secs(2);
    while !est.is_finished() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
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

fn write_output(
    file: Option<&mut std::fs::File>,
    path: Option<&PathBuf>,
    pem: &str,
) -> Result<(), EngineError> {
    match (file, path) {
        (Some(f), Some(p)) => f
            .write_all(pem.as_bytes())
            .map_err(|e| EngineError::file("write", p, e)),
        _ => {
            print!("{pem}");
            Ok(())
        }
    }
}
