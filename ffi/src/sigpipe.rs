//! Keeps SIGPIPE away from C hosts. Rust programs ignore SIGPIPE at startup, C programs do
//! not, and rustls writes TLS records with `writev`, which (unlike `send(MSG_NOSIGNAL)`) raises
//! SIGPIPE when the peer has closed: the default action kills the host process.
//!
//! `without_sigpipe` blocks SIGPIPE on the calling thread while it runs a call that connects or
//! starts threads. Threads started meanwhile inherit the mask, so their writes to a closed
//! socket fail with EPIPE instead; a SIGPIPE raised on the calling thread itself is discarded
//! before the old mask is restored. The process-wide disposition is never changed.

use std::mem::MaybeUninit;

struct Restore {
    pipe: libc::sigset_t,
    old: libc::sigset_t,
}

impl Drop for Restore {
    fn drop(&mut self) {
        let zero = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: plain libc calls on initialised signal sets owned by `self`.
        unsafe {
            while libc::sigtimedwait(&self.pipe, std::ptr::null_mut(), &zero) == libc::SIGPIPE {}
            libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut());
        }
    }
}

/// Runs `f` with SIGPIPE blocked on this thread (see the module doc).
pub(crate) fn without_sigpipe<T>(f: impl FnOnce() -> T) -> T {
    // SAFETY: sigemptyset/sigaddset initialise the sets before any other use.
    let guard = unsafe {
        let mut pipe = MaybeUninit::<libc::sigset_t>::uninit();
        let mut old = MaybeUninit::<libc::sigset_t>::uninit();
        libc::sigemptyset(pipe.as_mut_ptr());
        libc::sigaddset(pipe.as_mut_ptr(), libc::SIGPIPE);
        let blocked = libc::pthread_sigmask(libc::SIG_BLOCK, pipe.as_ptr(), old.as_mut_ptr()) == 0;
        // Already blocked by the host: leave its mask and its pending signals alone.
        (blocked && libc::sigismember(old.as_ptr(), libc::SIGPIPE) == 0).then(|| Restore {
            pipe: pipe.assume_init(),
            old: old.assume_init(),
        })
    };
    let result = f();
    drop(guard);
    result
}
