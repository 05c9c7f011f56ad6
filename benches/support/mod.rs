//! What both benches share: where they keep their files, the binaries they measure, and how
//! they time a whole process against a peer measured in the same run.

#![allow(dead_code)]

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The target folder in use: the one cargo built this bench's binaries into (so a
/// `CARGO_TARGET_DIR` elsewhere is respected), never the checkout.
pub fn target_dir() -> PathBuf {
    let bin = Path::new(env!("CARGO_BIN_EXE_capfsh"));
    // <target>/<profile>/capfsh (or <target>/<triple>/<profile>/capfsh).
    bin.ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .expect("the binary sits in <target>/<profile>")
}

/// `<target>/bench-stores`, created.
pub fn bench_dir() -> PathBuf {
    let dir = target_dir().join("bench-stores");
    std::fs::create_dir_all(&dir).expect("mkdir bench-stores");
    dir
}

/// The binaries this `cargo bench` built, copied aside at start: `target/<profile>/capfsh` is
/// shared with `cargo build`, and a build finishing meanwhile must not swap what is measured.
pub struct Binaries {
    /// Private copy of capfsh.
    pub capfsh: PathBuf,
    /// Private copy of capfd.
    pub capfd: PathBuf,
    dir: PathBuf,
}

impl Binaries {
    /// Copies `CARGO_BIN_EXE_capfsh` and `CARGO_BIN_EXE_capfd` into a folder of this run.
    pub fn snapshot() -> Binaries {
        let dir = bench_dir().join(format!("bin-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("mkdir bin");
        let copy = |src: &str, name: &str| {
            let to = dir.join(name);
            std::fs::copy(src, &to).expect("copy binary");
            to
        };
        let b = Binaries {
            capfsh: copy(env!("CARGO_BIN_EXE_capfsh"), "capfsh"),
            capfd: copy(env!("CARGO_BIN_EXE_capfd"), "capfd"),
            dir,
        };
        eprintln!(
            "measuring the binaries this cargo bench built: {} and {} (copied from {})",
            b.capfsh.display(),
            b.capfd.display(),
            Path::new(env!("CARGO_BIN_EXE_capfsh"))
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        );
        b
    }
}

impl Drop for Binaries {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// One whole-process run: wall time, peak RSS (KiB), lines of standard output, exit success.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Wall time from spawn to reaping.
    pub wall: Duration,
    /// Peak resident set of the process, from `wait4`.
    pub rss_kib: u64,
    /// CPU time (user + system), from `wait4`: what the process computed, without the time it
    /// waited for the disk or for a core on a shared machine.
    pub cpu: Duration,
    /// Newlines it wrote to standard output (drained through a pipe).
    pub lines: u64,
}

/// Runs `cmd` with stdout drained through a pipe and stderr discarded; panics if it fails.
pub fn run(cmd: &mut Command) -> Run {
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    let mut out = child.stdout.take().expect("stdout");
    let mut buf = vec![0u8; 1 << 16];
    let mut lines = 0u64;
    loop {
        let n = out.read(&mut buf).expect("read");
        if n == 0 {
            break;
        }
        lines += buf[..n].iter().filter(|b| **b == b'\n').count() as u64;
    }
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child and fills `usage`; the Child handle is not waited again.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    let wall = start.elapsed();
    let exit = std::process::ExitStatus::from_raw(status);
    assert!(exit.success(), "{cmd:?} failed: {exit:?}");
    std::mem::forget(child);
    let tv =
        |t: libc::timeval| Duration::from_micros(t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64);
    Run {
        wall,
        rss_kib: usage.ru_maxrss as u64,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        lines,
    }
}

/// The median of `v` (the upper one of an even count).
pub fn median<T: Copy + PartialOrd>(v: &[T]) -> T {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).expect("comparable"));
    v[v.len() / 2]
}

/// `A` and `B` run in turn (A B A B ...), each `runs` times after one warm-up of each; the ratio
/// is taken pair by pair, so a machine whose speed drifts during the run still compares like
/// with like. `prepare` runs before each run, untimed (a fresh copy of a store to delete from).
pub struct Pairs {
    /// A's runs.
    pub a: Vec<Run>,
    /// B's runs.
    pub b: Vec<Run>,
}

impl Pairs {
    /// Measures `a` against `b`.
    pub fn measure(
        runs: usize,
        mut prepare: impl FnMut(bool),
        mut a: impl FnMut() -> Command,
        mut b: impl FnMut() -> Command,
        warm_up: bool,
    ) -> Pairs {
        if warm_up {
            prepare(true);
            run(&mut a());
            prepare(false);
            run(&mut b());
        }
        let mut p = Pairs {
            a: Vec::new(),
            b: Vec::new(),
        };
        for _ in 0..runs {
            prepare(true);
            p.a.push(run(&mut a()));
            prepare(false);
            p.b.push(run(&mut b()));
        }
        p
    }

    /// Median wall time of A, in ms.
    pub fn a_ms(&self) -> f64 {
        median(&self.a.iter().map(|r| ms(r.wall)).collect::<Vec<_>>())
    }

    /// Median wall time of B, in ms.
    pub fn b_ms(&self) -> f64 {
        median(&self.b.iter().map(|r| ms(r.wall)).collect::<Vec<_>>())
    }

    /// Median of the pair-by-pair ratios A/B of wall time.
    pub fn ratio(&self) -> f64 {
        let r: Vec<f64> = self
            .a
            .iter()
            .zip(&self.b)
            .map(|(a, b)| ms(a.wall) / ms(b.wall))
            .collect();
        median(&r)
    }

    /// Median of the pair-by-pair ratios A/B of CPU time.
    pub fn cpu_ratio(&self) -> f64 {
        let r: Vec<f64> = self
            .a
            .iter()
            .zip(&self.b)
            .map(|(a, b)| ms(a.cpu) / ms(b.cpu).max(0.001))
            .collect();
        median(&r)
    }

    /// Median CPU time of A, in ms.
    pub fn a_cpu_ms(&self) -> f64 {
        median(&self.a.iter().map(|r| ms(r.cpu)).collect::<Vec<_>>())
    }

    /// Median CPU time of B, in ms.
    pub fn b_cpu_ms(&self) -> f64 {
        median(&self.b.iter().map(|r| ms(r.cpu)).collect::<Vec<_>>())
    }

    /// Largest peak RSS of A, in MiB.
    pub fn a_rss_mib(&self) -> f64 {
        self.a.iter().map(|r| r.rss_kib).max().unwrap_or(0) as f64 / 1024.0
    }

    /// Largest peak RSS of B, in MiB.
    pub fn b_rss_mib(&self) -> f64 {
        self.b.iter().map(|r| r.rss_kib).max().unwrap_or(0) as f64 / 1024.0
    }
}

/// Milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Whether `program` runs here (`sqlite3 -version`, `openssl version`).
pub fn available(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// The machine, for the record: CPU model, cores, memory, and the date.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("MemTotal"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|k| format!("{:.0} GiB", k as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    let date = Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cpu}, {cores} cores, {mem}; {date}; {}", load_average())
}

/// `load average 1.23 2.34 3.45` (1, 5, 15 minutes, from /proc/loadavg): the machine is shared,
/// and a reader of the figures should know how busy it was.
pub fn load_average() -> String {
    let avg = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into());
    format!("load average {avg}")
}
