//! Both protocols and the feedback service through a real HTTP CONNECT proxy: Debian's
//! tinyproxy (installed by scripts/deps.sh), started here as a child process on a free
//! loopback port with a generated config. Each test asserts what the mock recorded, what the
//! proxy logged (its CONNECT requests) and the outcomes reported.

mod common;

use apnspush::logs::LevelFilter;
use apnspush::mock::{MockOptions, MockServer};
use apnspush::{Config, ErrorKind, FeedbackTuple, OutcomeKind, Pusher};
use common::*;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// How the test wants tinyproxy set up.
#[derive(Clone, Default)]
struct ProxyOptions {
    /// The only ports CONNECT may reach (tinyproxy's ConnectPort); empty allows any.
    connect_ports: Vec<u16>,
    /// A BasicAuth user and password the proxy requires.
    basic_auth: Option<(&'static str, &'static str)>,
}

/// A tinyproxy child process, killed on drop; its config and log live in a temp dir.
struct Tinyproxy {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
}

impl Tinyproxy {
    fn start(options: ProxyOptions) -> Tinyproxy {
        Tinyproxy::start_on(free_port(), options)
    }

    fn start_on(port: u16, options: ProxyOptions) -> Tinyproxy {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "apnspush-tinyproxy-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 3600\nMaxClients 64\n\
             LogLevel Info\nLogFile \"{}\"\n",
            dir.join("tinyproxy.log").display()
        );
        for p in &options.connect_ports {
            conf.push_str(&format!("ConnectPort {p}\n"));
        }
        if let Some((user, password)) = options.basic_auth {
            conf.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        std::fs::write(dir.join("tinyproxy.conf"), conf).unwrap();
        let mut proxy = Tinyproxy {
            child: None,
            port,
            dir,
        };
        proxy.run();
        proxy
    }

    /// Starts the process (again) on the same port and config, and waits until it listens.
    fn run(&mut self) {
        let spawned = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(self.dir.join("tinyproxy.conf"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => panic!(
                "cannot run tinyproxy ({e}): it is not installed; run `bash scripts/deps.sh` \
                 (or scripts/deps-proxy.sh)"
            ),
        };
        let end = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("tinyproxy exited ({status}): {}", self.log());
            }
            assert!(Instant::now() < end, "tinyproxy does not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child = Some(child);
    }

    /// SIGKILL: every tunnel it carries ends at once.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn url_with(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@127.0.0.1:{}", self.port)
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("tinyproxy.log")).unwrap_or_default()
    }

    /// The CONNECT requests the proxy logged for `127.0.0.1:port`.
    fn connects_to(&self, port: u16) -> usize {
        let line = format!("CONNECT 127.0.0.1:{port} HTTP/1.1");
        self.log().lines().filter(|l| l.ends_with(&line)).count()
    }

    /// Every CONNECT request the proxy logged.
    fn connects(&self) -> usize {
        self.log()
            .lines()
            .filter(|l| l.contains("): CONNECT "))
            .count()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback port nothing listens on (now).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn allow(m: &MockServer) -> ProxyOptions {
    ProxyOptions {
        connect_ports: vec![m.port(), m.feedback_port()],
        ..Default::default()
    }
}

fn new_err(c: Config) -> apnspush::Error {
    match Pusher::new(c) {
        Ok(_) => panic!("Pusher::new succeeded"),
        Err(e) => e,
    }
}

/// Pushes `n` notifications, waits for every outcome, and checks that each was accepted once
/// as the pusher reports and as the mock recorded.
fn push_all_accepted_once(p: &Pusher, m: &MockServer, n: u64) {
    for i in 0..n {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(p, &mut outcomes);
    assert_eq!(outcomes.len() as u64, n);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted) as u64, n);
    let counts = mock_counts(m);
    assert_eq!(counts.len() as u64, n, "the mock missed notifications");
    assert!(
        counts.values().all(|&c| c == 1),
        "a duplicate reached the mock"
    );
}

/// `n` notifications through the proxy: all accepted exactly once, and every connection the
/// mock saw was a tunnel the proxy opened (its CONNECT count equals the mock's connections).
fn through_the_proxy(options: MockOptions, n: u64) {
    let m = mock(options);
    let tp = Tinyproxy::start(allow(&m));
    let p = pusher(&m, &[("proxy", &tp.url()), ("connections", "2")]);
    push_all_accepted_once(&p, &m, n);
    // Binary: each flush marker's reply ends its connection, so there may be more.
    assert!(p.stats().connects >= 2);
    p.close(Duration::from_secs(10));
    all_tunnelled(&m, &tp);
}

/// Once the pusher is closed: every connection the mock counted was a tunnel the proxy
/// opened (its CONNECT requests to the mock's port number the mock's connections).
fn all_tunnelled(m: &MockServer, tp: &Tinyproxy) {
    let end = Instant::now() + Duration::from_secs(60);
    while tp.connects_to(m.port()) as u64 != m.connections() {
        assert!(
            Instant::now() < end,
            "the proxy logged {} CONNECTs to the mock, which counted {} connections:\n{}",
            tp.connects_to(m.port()),
            m.connections(),
            tp.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(m.connections() >= 1);
}

#[test]
fn http2_through_the_proxy_2000_accepted_once() {
    through_the_proxy(MockOptions::http2(), 2_000);
}

#[test]
fn binary_through_the_proxy_2000_accepted_once() {
    through_the_proxy(MockOptions::default(), 2_000);
}

#[test]
fn feedback_through_the_proxy() {
    let m = mock(MockOptions::default());
    let tuples: Vec<FeedbackTuple> = (0..50)
        .map(|i| FeedbackTuple {
            timestamp: 1_700_000_000 + i as u32,
            token: token(i),
        })
        .collect();
    m.set_feedback(tuples.clone());
    let tp = Tinyproxy::start(allow(&m));
    let got = apnspush::fetch_feedback(&config(&m, &[("proxy", &tp.url())])).unwrap();
    assert_eq!(got, tuples);
    assert_eq!(tp.connects_to(m.feedback_port()), 1, "{}", tp.log());
    assert_eq!(tp.connects(), 1);
}

#[test]
fn basic_auth_accepted() {
    let m = mock(MockOptions::http2());
    let tp = Tinyproxy::start(ProxyOptions {
        basic_auth: Some(("apns", "pr0xy-Pa55")),
        ..allow(&m)
    });
    let p = pusher(&m, &[("proxy", &tp.url_with("apns", "pr0xy-Pa55"))]);
    push_all_accepted_once(&p, &m, 100);
    assert_eq!(tp.connects_to(m.port()), 1);
    assert_eq!(m.connections(), 1);
}

/// A wrong password and missing credentials are `Credentials` errors at `Pusher::new` that
/// name the proxy's status and never the password, in the error and in the log records.
/// tinyproxy 1.11 answers a request without credentials 407 and a wrong password 401.
#[test]
fn refused_credentials_are_credentials_errors_without_the_password() {
    apnspush::logs::capture(LevelFilter::Info).unwrap();
    let m = mock(MockOptions::http2());
    let tp = Tinyproxy::start(ProxyOptions {
        basic_auth: Some(("apns", "right-one")),
        ..allow(&m)
    });
    let password = "Wr0ng-s3cret-PW";
    let e = new_err(config(&m, &[("proxy", &tp.url_with("apns", password))]));
    assert_eq!(e.kind(), ErrorKind::Credentials, "{e}");
    assert_eq!(
        e.message(),
        format!("proxy 127.0.0.1:{} refused the credentials (401)", tp.port)
    );
    let e = new_err(config(&m, &[("proxy", &tp.url())]));
    assert_eq!(e.kind(), ErrorKind::Credentials, "{e}");
    assert!(
        e.message().starts_with(&format!(
            "proxy 127.0.0.1:{} requires credentials and none are configured (407)",
            tp.port
        )),
        "{e}"
    );
    assert_eq!(m.connections(), 0, "the mock was reached");
    assert_eq!(tp.connects(), 2);
    // In the background: the connection error reaches stats and outcomes, without the password.
    let p = pusher(
        &m,
        &[
            ("proxy", &tp.url_with("apns", password)),
            ("connect_on_start", "false"),
            ("max_attempts", "2"),
            ("reconnect_backoff_ms", "1"),
        ],
    );
    p.push_async(notification(1)).unwrap();
    let mut outcomes = HashMap::new();
    while outcomes.is_empty() {
        drain_outcomes(&p, &mut outcomes);
    }
    let failed = &outcomes.values().next().unwrap();
    assert_eq!(failed.kind, OutcomeKind::Failed);
    assert_eq!(failed.error, Some(ErrorKind::Credentials));
    assert!(!failed.reason.contains(password));
    let stats = p.stats();
    assert!(stats.last_error.contains("refused the credentials (401)"));
    assert!(!stats.to_json().contains(password));
    p.close(Duration::ZERO);
    let records = apnspush::logs::take(usize::MAX);
    assert!(
        records.iter().any(|r| r.target == "apnspush::proxy"
            && r.message.contains("refused the credentials (401)")),
        "no apnspush::proxy record of the refusal"
    );
    for r in &records {
        assert!(
            !r.message.contains(password),
            "a log record holds the password"
        );
    }
}

#[test]
fn a_proxy_refusing_the_port_is_a_403_connect_error() {
    let m = mock(MockOptions::http2());
    let tp = Tinyproxy::start(ProxyOptions {
        connect_ports: vec![443],
        ..Default::default()
    });
    let e = new_err(config(&m, &[("proxy", &tp.url())]));
    assert_eq!(e.kind(), ErrorKind::Connect, "{e}");
    assert_eq!(
        e.message(),
        format!(
            "proxy 127.0.0.1:{} refused the tunnel to 127.0.0.1:{}: HTTP/1.1 403 Access violation",
            tp.port,
            m.port()
        )
    );
    assert_eq!(m.connections(), 0);
    assert_eq!(tp.connects_to(m.port()), 1);
}

#[test]
fn a_proxy_that_is_down_is_a_connect_error_naming_it() {
    let m = mock(MockOptions::http2());
    let port = free_port();
    let e = new_err(config(
        &m,
        &[("proxy", &format!("http://127.0.0.1:{port}"))],
    ));
    assert_eq!(e.kind(), ErrorKind::Connect, "{e}");
    assert!(
        e.message().starts_with(&format!(
            "cannot connect to proxy 127.0.0.1:{port} (for 127.0.0.1:{}): ",
            m.port()
        )),
        "{e}"
    );
    assert_eq!(m.connections(), 0);
}

/// A proxy that accepts and never answers, and one whose answer never ends: both are
/// `Connect` errors within `connect_timeout_ms` (300 ms; the bound only catches a hang).
#[test]
fn a_silent_or_endless_proxy_fails_within_the_connect_timeout() {
    let m = mock(MockOptions::http2());
    for endless in [false, true] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fake = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            let mut request = [0u8; 1024];
            let _ = s.read(&mut request);
            if endless {
                let _ = s.write_all(b"HTTP/1.1 200 Connection established\r\n");
                let header = format!("X-Pad: {}\r\n", "p".repeat(1000));
                for _ in 0..9 {
                    if s.write_all(header.as_bytes()).is_err() {
                        break;
                    }
                }
            }
            std::thread::sleep(Duration::from_secs(2));
            String::from_utf8_lossy(&request).into_owned()
        });
        let started = Instant::now();
        let e = new_err(config(
            &m,
            &[
                ("proxy", &format!("http://127.0.0.1:{port}")),
                ("connect_timeout_ms", "300"),
            ],
        ));
        assert!(started.elapsed() < Duration::from_secs(60), "hung");
        assert_eq!(e.kind(), ErrorKind::Connect, "{e}");
        let expected = if endless {
            format!("proxy 127.0.0.1:{port} answered CONNECT with headers over 8192 bytes")
        } else {
            format!("proxy 127.0.0.1:{port} did not answer CONNECT within connect_timeout_ms")
        };
        assert_eq!(e.message(), expected);
        let request = fake.join().unwrap();
        let target = format!("127.0.0.1:{}", m.port());
        assert!(
            request.starts_with(&format!(
                "CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n"
            )),
            "{request:?}"
        );
    }
    assert_eq!(m.connections(), 0);
}

/// Runs [`proxy_from_env_child`] in a child process (the environment is process-global) with
/// HTTPS_PROXY pointing at a real proxy and `no_proxy` as NO_PROXY; returns the mock and the
/// proxy after the child pushed 200 notifications, all accepted exactly once.
fn from_env(no_proxy: &str) -> (MockServer, Tinyproxy) {
    let m = mock(MockOptions::http2());
    let tp = Tinyproxy::start(allow(&m));
    let pairs: HashMap<String, String> = m.client_config().into_iter().collect();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "proxy_from_env_child",
            "--ignored",
            "--nocapture",
        ])
        .env_remove("https_proxy")
        .env_remove("no_proxy")
        .env("HTTPS_PROXY", tp.url())
        .env("NO_PROXY", no_proxy)
        .env(
            "APNSPUSH_TEST_MOCK_CONFIG",
            serde_json::to_string(&pairs).unwrap(),
        )
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "child: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let counts = mock_counts(&m);
    assert_eq!(counts.len(), 200);
    assert!(counts.values().all(|&c| c == 1));
    (m, tp)
}

/// Run by [`from_env`] in a child process: a pusher with `proxy_from_env=true` pushes 200
/// notifications to the mock the parent describes; all must be accepted.
#[test]
#[ignore = "run in a child process by the proxy_from_env tests"]
fn proxy_from_env_child() {
    let pairs: HashMap<String, String> = serde_json::from_str(
        &std::env::var("APNSPUSH_TEST_MOCK_CONFIG")
            .expect("run by the proxy_from_env tests, which set APNSPUSH_TEST_MOCK_CONFIG"),
    )
    .unwrap();
    let mut c = Config::from_pairs(pairs).unwrap();
    c.set("proxy_from_env", "true").unwrap();
    let p = Pusher::new(c).unwrap();
    for i in 0..200 {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted), 200);
}

#[test]
fn proxy_from_env_goes_direct_when_no_proxy_covers_the_host() {
    let (m, tp) = from_env("localhost,127.0.0.1");
    assert_eq!(m.connections(), 1);
    assert_eq!(tp.connects(), 0, "{}", tp.log());
}

#[test]
fn proxy_from_env_uses_the_proxy_when_no_proxy_does_not_cover_the_host() {
    let (m, tp) = from_env("localhost,.example.com,127.0.0.1:1");
    assert_eq!(m.connections(), 1);
    assert_eq!(tp.connects_to(m.port()), 1, "{}", tp.log());
}

/// The proxy is killed after about 1,000 of 5,000 notifications and started again on the same
/// port: every notification gets exactly one outcome, all accepted; the mock recorded each at
/// least once, and what it recorded twice is counted in `duplicates_possible`.
fn tunnel_cut_mid_run(options: MockOptions) {
    const N: u64 = 5_000;
    let m = mock(options);
    let mut tp = Tinyproxy::start(allow(&m));
    let p = pusher(
        &m,
        &[
            ("proxy", &tp.url()),
            ("max_attempts", "1000"),
            ("reconnect_backoff_ms", "10"),
            ("reconnect_backoff_max_ms", "100"),
        ],
    );
    for i in 0..1_000 {
        p.push_async(notification(i)).unwrap();
    }
    assert!(m.wait_accepted(1_000, Duration::from_secs(120)));
    for i in 1_000..2_000 {
        p.push_async(notification(i)).unwrap();
    }
    tp.kill();
    tp.run();
    for i in 2_000..N {
        p.push_async(notification(i)).unwrap();
    }
    p.ensure_delivery(WAIT).unwrap();
    let mut outcomes = HashMap::new();
    drain_outcomes(&p, &mut outcomes);
    assert_eq!(outcomes.len() as u64, N);
    assert_eq!(count_kind(&outcomes, OutcomeKind::Accepted) as u64, N);
    let counts = mock_counts(&m);
    assert_eq!(counts.len() as u64, N, "the mock missed notifications");
    let duplicates: u64 = counts.values().map(|&c| u64::from(c) - 1).sum();
    let s = p.stats();
    eprintln!(
        "{}: losses {}, connects {}, mock connections {}, duplicates {duplicates}, \
         duplicates_possible {}",
        m.protocol_name(),
        s.connection_losses,
        s.connects,
        m.connections(),
        s.duplicates_possible
    );
    assert!(
        duplicates <= s.duplicates_possible,
        "the mock saw {duplicates} duplicates, stats counted {}",
        s.duplicates_possible
    );
    assert!(s.connects >= 2, "no reconnect after the cut");
    assert!(
        s.connect_failures + s.connection_losses >= 1,
        "the cut went unnoticed"
    );
    p.close(Duration::from_secs(10));
    assert!(m.connections() >= 2);
    all_tunnelled(&m, &tp);
}

#[test]
fn http2_tunnel_cut_mid_run_loses_nothing() {
    tunnel_cut_mid_run(MockOptions::http2());
}

#[test]
fn binary_tunnel_cut_mid_run_loses_nothing() {
    tunnel_cut_mid_run(MockOptions::default());
}

/// Channel management through the proxy: the one management connection is a tunnel the proxy
/// opened to the mock's management port, and the verbs work through it.
#[test]
fn channel_management_through_the_proxy() {
    use apnspush::{Channels, MessageStoragePolicy};
    let m = mock(MockOptions::http2().with_token_auth());
    let tp = Tinyproxy::start(ProxyOptions {
        connect_ports: vec![m.channel_port()],
        basic_auth: Some(("chan", "s3cret-chan")),
    });
    let c = config(&m, &[("proxy", &tp.url_with("chan", "s3cret-chan"))]);
    let ch = Channels::connect(&c).unwrap();
    let id = ch
        .create(MessageStoragePolicy::MostRecentMessageStored)
        .unwrap();
    assert_eq!(ch.list().unwrap(), vec![id.clone()]);
    assert_eq!(m.channel_ids("com.example.mock"), vec![id]);
    let end = Instant::now() + Duration::from_secs(60);
    while tp.connects_to(m.channel_port()) != 1 {
        assert!(Instant::now() < end, "no CONNECT logged: {}", tp.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(tp.connects(), 1);
    // A wrong password: refused by the proxy, quoting no password.
    let c = config(&m, &[("proxy", &tp.url_with("chan", "wrong-pw-77"))]);
    let e = Channels::connect(&c).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Credentials, "{e}");
    assert!(!e.to_string().contains("wrong-pw-77"));
}
