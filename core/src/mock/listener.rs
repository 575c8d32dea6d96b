//! Accept threads and the registry of live connection threads, so `stop` can shut every socket
//! down and join every thread.

use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::Shared;

/// Live connection threads, keyed by an internal id: a handle on each socket to shut it down,
/// and the thread to join.
#[derive(Default)]
pub(crate) struct Live {
    stopped: bool,
    next: u64,
    conns: HashMap<u64, (TcpStream, JoinHandle<()>)>,
}

/// One listening socket and its accept thread.
pub(crate) struct Listener {
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    /// Starts accepting on `listener`; each connection runs `serve` on its own thread.
    pub fn spawn(
        listener: TcpListener,
        shared: Arc<Shared>,
        name: &str,
        serve: fn(&Shared, TcpStream),
    ) -> std::io::Result<Listener> {
        let addr = listener.local_addr()?;
        let thread = thread::Builder::new()
            .name(format!("apnspush-mock-{name}"))
            .spawn(move || accept_loop(listener, shared, serve))?;
        Ok(Listener {
            addr,
            thread: Some(thread),
        })
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Wakes the accept thread (the caller has set `stopping`) and joins it. If the wake-up
    /// connection cannot be made the thread is left to exit on its next accept.
    fn stop(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        if TcpStream::connect_timeout(&self.addr, Duration::from_secs(1)).is_ok() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>, serve: fn(&Shared, TcpStream)) {
    loop {
        let accepted = listener.accept();
        if shared.stopping.load(Ordering::SeqCst) {
            return;
        }
        let sock = match accepted {
            Ok((sock, _)) => sock,
            Err(_) => {
                // Out of descriptors or similar: back off instead of spinning.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let Ok(handle) = sock.try_clone() else {
            continue;
        };
        let mut live = shared.live.lock();
        if live.stopped {
            return;
        }
        let id = live.next;
        live.next += 1;
        let conn_shared = shared.clone();
        let spawned = thread::Builder::new()
            .name("apnspush-mock-conn".into())
            .spawn(move || {
                serve(&conn_shared, sock);
                // Dropping our own entry detaches this (finishing) thread and closes the handle.
                conn_shared.live.lock().conns.remove(&id);
            });
        if let Ok(thread) = spawned {
            live.conns.insert(id, (handle, thread));
        }
    }
}

/// Stops both listeners, shuts every live socket down and joins every thread. Idempotent.
pub(crate) fn stop_all(shared: &Shared, listeners: &mut [Listener]) {
    shared.stopping.store(true, Ordering::SeqCst);
    let conns = {
        let mut live = shared.live.lock();
        live.stopped = true;
        std::mem::take(&mut live.conns)
    };
    for (sock, _) in conns.values() {
        let _ = sock.shutdown(Shutdown::Both);
    }
    for listener in listeners.iter_mut() {
        listener.stop();
    }
    for (_, (_, thread)) in conns {
        let _ = thread.join();
    }
}
