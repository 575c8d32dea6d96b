//! The threads of one connection slot, whatever the protocol. The slot thread writes; one
//! reader thread, started once per slot, reads each of the slot's connections in turn. (A
//! thread per connection gave every reconnect a fresh glibc arena, and RSS grew with every
//! replaced connection.)
//!
//! Panics: a panic in either half is caught on its own thread. The connection is killed, what
//! it held fails with `INTERNAL` (the notifications may or may not have been sent), and the
//! slot carries on with a new connection. No panic leaves a connection thread.

use std::any::Any;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};

use crate::engine::{Engine, LiveConn, Settle};
use crate::rules::Event;
use crate::stats::Counters;

/// A slot's reader thread. `serve` hands it a connection; `wait` waits until it is done with
/// it. Dropping it ends the thread (after the connection it serves, which the slot kills).
pub(crate) struct Reader<C: ?Sized + Send + Sync + 'static> {
    conns: Option<Sender<Arc<C>>>,
    done: Receiver<()>,
    thread: Option<JoinHandle<()>>,
}

impl<C: ?Sized + Send + Sync + 'static> Reader<C> {
    /// Starts the thread. `read` serves one connection until it ends; a panic in it is
    /// reported to `panicked` with its message, on the same thread.
    pub(crate) fn spawn(
        name: String,
        read: impl Fn(&Arc<C>) + Send + 'static,
        panicked: impl Fn(&Arc<C>, String) + Send + 'static,
    ) -> io::Result<Reader<C>> {
        let (conns, conn_rx) = crossbeam_channel::bounded::<Arc<C>>(1);
        let (done_tx, done) = crossbeam_channel::bounded(1);
        let thread = std::thread::Builder::new().name(name).spawn(move || {
            for conn in conn_rx.iter() {
                if let Err(payload) = catch_unwind(AssertUnwindSafe(|| read(&conn))) {
                    panicked(&conn, panic_message(payload.as_ref()));
                }
                let _ = done_tx.send(());
            }
        })?;
        Ok(Reader {
            conns: Some(conns),
            done,
            thread: Some(thread),
        })
    }

    /// Hands `conn` to the reader. The previous connection must be done (`wait`).
    pub(crate) fn serve(&self, conn: Arc<C>) {
        if let Some(tx) = &self.conns {
            let _ = tx.send(conn);
        }
    }

    /// Waits until the reader is done with the connection it serves, at most `limit` (`None`:
    /// no limit). True when it is done.
    pub(crate) fn wait(&self, limit: Option<Duration>) -> bool {
        match limit {
            None => self.done.recv().is_ok(),
            Some(d) => self.done.recv_timeout(d).is_ok(),
        }
    }
}

impl<C: ?Sized + Send + Sync + 'static> Drop for Reader<C> {
    fn drop(&mut self) {
        drop(self.conns.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs the writer half of one connection, catching a panic: `Err` carries its message.
pub(crate) fn write_guarded(write: impl FnOnce()) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(write)).map_err(|p| panic_message(p.as_ref()))
}

/// A connection thread panicked: fail what the connection held with `INTERNAL`, then kill it.
/// Taking first closes the connection's record, so the other half does not also report the
/// kill as a loss.
pub(crate) fn fail_panicked(engine: &Engine, conn: &dyn LiveConn, half: &str, message: &str) {
    let held = conn.take_unsettled();
    conn.shutdown();
    let why = format!("internal error: the {half} thread panicked ({message}); slot restarted");
    Counters::add(&engine.stats.connection_losses, 1);
    engine.stats.set_last_error(why.clone());
    let mut settle = Settle::default();
    settle.add_all(held, Event::Panicked { why: &why }, &engine.config);
    log::error!(target: engine.log_target(), "{why}: {}", settle.tally());
    engine.act(settle);
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a non-string panic payload".to_owned()
    }
}

/// Test-only fault injection: panics once at `site` ("reader" or "writer") when the
/// configuration asks for it, `after` notifications were written, and `busy()` says the
/// connection holds some.
#[cfg(test)]
pub(crate) fn fault(engine: &Engine, site: &str, busy: impl FnOnce() -> bool) {
    use std::sync::atomic::Ordering::Relaxed;
    if let Some((at, after)) = engine.config.test_panic {
        if at == site && engine.stats.written.load(Relaxed) >= after && busy() {
            let fired = &engine.test_panics;
            if fired.fetch_add(1, Relaxed) == 0 {
                panic!("injected {site} panic");
            }
        }
    }
}

#[cfg(not(test))]
#[inline(always)]
pub(crate) fn fault(_: &Engine, _: &str, _: impl FnOnce() -> bool) {}

#[cfg(test)]
#[path = "slot_tests.rs"]
mod tests;
