//! The few terminal calls the shell makes itself: the window's size, one key read without
//! waiting for Enter, and waiting for input while watching for Ctrl-C.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Rows and columns of the terminal on standard output, when it is one and says.
pub fn size() -> Option<(usize, usize)> {
    // SAFETY: TIOCGWINSZ fills a winsize; the result is checked.
    unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) != 0 {
            return None;
        }
        (ws.ws_row > 1 && ws.ws_col > 0).then(|| (usize::from(ws.ws_row), usize::from(ws.ws_col)))
    }
}

/// Waits until standard input has something to read, for at most `timeout`. True when it does
/// (or at end of input: the read then says so).
pub fn wait_readable(timeout: Duration) -> bool {
    let mut fds = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX);
    // SAFETY: one valid pollfd.
    let n = unsafe { libc::poll(&mut fds, 1, ms) };
    n > 0
}

/// Reads what standard input has (at most `buf.len()` bytes). `Some(0)` is end of input;
/// `None` an interrupted or failed read.
pub fn read_stdin(buf: &mut [u8]) -> Option<usize> {
    // SAFETY: the buffer is valid for its length.
    let n = unsafe { libc::read(libc::STDIN_FILENO, buf.as_mut_ptr().cast(), buf.len()) };
    usize::try_from(n).ok()
}

/// Reads one key without echo and without waiting for Enter (the terminal's settings are put
/// back afterwards). Returns its first byte, the rest of an escape sequence swallowed; `None`
/// at end of input or when `interrupted` is set (Ctrl-C).
pub fn read_key(interrupted: &AtomicBool) -> Option<u8> {
    // SAFETY: tcgetattr fills a termios; the saved settings are restored on every path.
    let saved = unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        if libc::tcgetattr(libc::STDIN_FILENO, &mut t) != 0 {
            None
        } else {
            let mut raw = t;
            raw.c_lflag &= !(libc::ICANON | libc::ECHO);
            raw.c_cc[libc::VMIN] = 1;
            raw.c_cc[libc::VTIME] = 0;
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw);
            Some(t)
        }
    };
    let mut key = None;
    loop {
        if interrupted.swap(false, Ordering::Relaxed) {
            break;
        }
        if !wait_readable(Duration::from_millis(50)) {
            continue;
        }
        let mut buf = [0u8; 16];
        match read_stdin(&mut buf) {
            Some(0) | None => break,
            Some(_) => {
                key = Some(buf[0]);
                break;
            }
        }
    }
    if let Some(t) = saved {
        // SAFETY: restores the settings read above.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &t);
        }
    }
    key
}
