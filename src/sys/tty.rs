//! Reading a secret from the controlling terminal.
//!
//! Echo is turned off *before* the prompt is written, as getpass(3) does: a password typed
//! ahead of the prompt (or pasted the moment it appears) is never echoed. A library that
//! prints the prompt first and only then turns echo off shows whatever arrives in between.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};

use nix::sys::termios::{self, LocalFlags, SetArg, Termios};

/// The longest secret accepted: anything longer is refused rather than buffered without bound.
const MAX_SECRET: usize = 4096;

/// Puts the terminal's saved settings back when dropped, whatever way the read ends.
struct EchoOff<'a> {
    tty: &'a File,
    saved: Termios,
}

impl Drop for EchoOff<'_> {
    fn drop(&mut self) {
        // Nothing more can be done if the terminal went away meanwhile.
        let _ = termios::tcsetattr(self.tty, SetArg::TCSANOW, &self.saved);
    }
}

/// Writes `prompt` to `/dev/tty` with echo already off and reads one line from it (without its
/// line end). The newline the admin types is echoed (ECHONL) so the next output starts on a
/// line of its own. An interrupted read reports [`io::ErrorKind::Interrupted`].
pub fn read_secret(prompt: &str) -> io::Result<String> {
    let tty = OpenOptions::new().read(true).write(true).open("/dev/tty")?;
    let saved = termios::tcgetattr(&tty).map_err(io::Error::from)?;
    let mut hidden = saved.clone();
    hidden.local_flags.remove(LocalFlags::ECHO);
    hidden.local_flags.insert(LocalFlags::ECHONL);
    termios::tcsetattr(&tty, SetArg::TCSANOW, &hidden).map_err(io::Error::from)?;
    let _restore = EchoOff { tty: &tty, saved };
    (&tty).write_all(prompt.as_bytes())?;
    (&tty).flush()?;
    let mut line = Vec::new();
    // A terminal in canonical mode hands over one line per read, so nothing past the line
    // end is consumed here.
    let read = BufReader::new((&tty).take(MAX_SECRET as u64 + 1)).read_until(b'\n', &mut line)?;
    if read == 0 {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    if line.last() == Some(&b'\n') {
        line.pop();
    } else if line.len() > MAX_SECRET {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("longer than {MAX_SECRET} bytes"),
        ));
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    String::from_utf8(line).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8"))
}
