//! HTTP CONNECT proxy support, and [`open_stream`]: the one function every connection (binary
//! gateway, feedback service, HTTP/2, and any later host) opens its TCP stream with, directly
//! or through the proxy. TLS then runs over that stream against the APNs host, never the proxy.
//!
//! The proxy password is a secret: no error, log record or `Debug` output holds it.

use crate::config::Config;
use crate::error::{Error, ErrorKind, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::io::{Read, Write};
use std::net::{Ipv6Addr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The most bytes of the proxy's answer to CONNECT (status line and headers) read; a longer
/// answer is refused.
pub(crate) const MAX_CONNECT_RESPONSE: usize = 8 * 1024;

/// The longest status line an error quotes (after removing control characters).
const SHOWN_STATUS_LINE: usize = 100;

const LOG: &str = "apnspush::proxy";

/// An HTTP proxy: `http://[user:password@]host:port`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    host: String,
    port: u16,
    auth: Option<Auth>,
}

/// Basic credentials, percent-decoded. The password is never printed.
#[derive(Clone, PartialEq, Eq)]
struct Auth {
    user: String,
    password: String,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.auth {
            Some(a) => write!(f, "http://{}:(not shown)@{}", a.user, self.shown()),
            None => write!(f, "http://{}", self.shown()),
        }
    }
}

impl Proxy {
    /// Parses `value` as `http://[user:password@]host:port` (a trailing `/` allowed; user and
    /// password percent-decoded). With `scheme_optional` (environment variables, which often
    /// omit it) a bare `[user:password@]host:port` is taken as http. `Err` says what is wrong
    /// in fixed words, never quoting the value.
    pub(crate) fn parse(
        value: &str,
        scheme_optional: bool,
    ) -> std::result::Result<Proxy, &'static str> {
        let v = value.trim();
        let rest = match v.find("://") {
            Some(at) if v[..at].eq_ignore_ascii_case("http") => &v[at + 3..],
            Some(at) if v[..at].eq_ignore_ascii_case("https") => {
                return Err("a TLS (https://) proxy is not supported: give http://")
            }
            Some(_) => return Err("the scheme must be http://"),
            None if scheme_optional => v,
            None => return Err("it does not start with http://"),
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        if rest.contains(['/', '?', '#']) {
            return Err("a proxy URL has no path, query or fragment");
        }
        let (auth, hostport) = match rest.rsplit_once('@') {
            Some((userinfo, hostport)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let auth = Auth {
                    user: percent_decode(user)?,
                    password: percent_decode(password)?,
                };
                if auth.user.is_empty() {
                    return Err("the user name before ':' is empty");
                }
                if auth.user.contains(':') {
                    return Err("the user name holds ':' (percent-encode it as %3A)");
                }
                (Some(auth), hostport)
            }
            None => (None, rest),
        };
        let (host, port) = split_host_port(hostport)?;
        let port = port.ok_or("it has no port (http://host:port)")?;
        Ok(Proxy { host, port, auth })
    }

    /// `host:port` as messages name the proxy (never with the credentials).
    pub(crate) fn shown(&self) -> String {
        authority(&self.host, self.port)
    }

    /// The CONNECT request for `host:port`.
    fn request(&self, host: &str, port: u16) -> String {
        let target = authority(host, port);
        let mut r = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
        if let Some(a) = &self.auth {
            let token = STANDARD.encode(format!("{}:{}", a.user, a.password));
            r.push_str(&format!("Proxy-Authorization: Basic {token}\r\n"));
        }
        r.push_str("\r\n");
        r
    }
}

/// `host:port`, with an IPv6 address in brackets.
fn authority(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; the host lower-cased.
fn split_host_port(v: &str) -> std::result::Result<(String, Option<u16>), &'static str> {
    let (host, port) = if let Some(inner) = v.strip_prefix('[') {
        let (addr, after) = inner
            .split_once(']')
            .ok_or("an IPv6 address lacks its ']'")?;
        addr.parse::<Ipv6Addr>()
            .map_err(|_| "the text in [...] is not an IPv6 address")?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("junk after the IPv6 address")?),
        };
        (addr, port)
    } else {
        match v.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (v, None),
        }
    };
    if host.is_empty() {
        return Err("the host is empty");
    }
    let host_ok = host.contains(':')
        || host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !host_ok {
        return Err("the host holds characters a host name cannot");
    }
    let port = match port {
        None => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Some(n),
            _ => return Err("the port is not a number from 1 to 65535"),
        },
    };
    Ok((host.to_ascii_lowercase(), port))
}

/// Decodes `%XX` escapes; refuses a malformed escape and control characters (a header
/// injection).
fn percent_decode(s: &str) -> std::result::Result<String, &'static str> {
    let bad = "a malformed %-escape in the user name or password";
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or(bad)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad)?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).map_err(|_| "the user name or password is not UTF-8")?;
    if text.chars().any(char::is_control) {
        return Err("the user name or password holds a control character");
    }
    Ok(text)
}

/// The hosts NO_PROXY exempts: `*`, host names and domains (`example.com` and `.example.com`
/// both cover the domain and its subdomains), IP addresses; each with an optional `:port`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NoProxy {
    all: bool,
    entries: Vec<(String, Option<u16>)>,
}

impl NoProxy {
    /// Parses a comma-separated list; empty entries are ignored.
    pub(crate) fn parse(value: &str) -> std::result::Result<NoProxy, &'static str> {
        let mut list = NoProxy::default();
        for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                list.all = true;
                continue;
            }
            let entry = entry.strip_prefix('.').unwrap_or(entry);
            let (host, port) = if entry.parse::<Ipv6Addr>().is_ok() {
                (entry.to_ascii_lowercase(), None)
            } else {
                split_host_port(entry)?
            };
            list.entries.push((host, port));
        }
        Ok(list)
    }

    /// True when `host:port` is to be reached directly.
    pub(crate) fn covers(&self, host: &str, port: u16) -> bool {
        if self.all {
            return true;
        }
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.entries.iter().any(|(name, p)| {
            p.is_none_or(|p| p == port)
                && (host == name || host.ends_with(&format!(".{name}")) && !host.contains(':'))
        })
    }
}

/// What `proxy_from_env` read: HTTPS_PROXY (or https_proxy) and NO_PROXY (or no_proxy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct EnvProxy {
    proxy: Option<Proxy>,
    no_proxy: NoProxy,
}

impl EnvProxy {
    /// Reads the process environment now.
    pub(crate) fn read() -> Result<EnvProxy> {
        EnvProxy::read_with(|name| std::env::var(name).ok())
    }

    /// Reads through `get` (the upper-case name first, then the lower-case one; an empty value
    /// counts as unset). `InvalidConfigValue` naming the variable, never quoting its value.
    pub(crate) fn read_with(get: impl Fn(&str) -> Option<String>) -> Result<EnvProxy> {
        let var = |names: [&'static str; 2]| {
            names
                .into_iter()
                .find_map(|n| get(n).filter(|v| !v.trim().is_empty()).map(|v| (n, v)))
        };
        let proxy = match var(["HTTPS_PROXY", "https_proxy"]) {
            None => None,
            Some((name, v)) => Some(Proxy::parse(&v, true).map_err(|why| env_invalid(name, why))?),
        };
        let no_proxy = match var(["NO_PROXY", "no_proxy"]) {
            None => NoProxy::default(),
            Some((name, v)) => NoProxy::parse(&v).map_err(|why| env_invalid(name, why))?,
        };
        Ok(EnvProxy { proxy, no_proxy })
    }
}

fn env_invalid(name: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::InvalidConfigValue,
        format!(
            "{name} (read because proxy_from_env=true): the value (not shown) is not valid: \
             {why}; expected http://[user:password@]host:port"
        ),
    )
}

/// The `proxy` key's error: what is wrong, never the value (it may hold the password).
pub(crate) fn invalid_proxy(key: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::InvalidConfigValue,
        format!(
            "{key}: the value (not shown) is not valid: {why}; expected \
             http://[user:password@]host:port"
        ),
    )
}

/// The proxy to reach `host:port` through, as `config` says: the `proxy` key; else, with
/// `proxy_from_env`, HTTPS_PROXY unless NO_PROXY covers the host (the snapshot taken by
/// [`Config::with_proxy_env`], or the environment now); else none.
fn route(config: &Config, host: &str, port: u16) -> Result<Option<Proxy>> {
    if let Some(p) = &config.proxy {
        return Ok(Some(p.clone()));
    }
    if !config.proxy_from_env {
        return Ok(None);
    }
    let read;
    let env = match &config.proxy_env {
        Some(env) => env,
        None => {
            read = EnvProxy::read()?;
            &read
        }
    };
    match &env.proxy {
        Some(p) if env.no_proxy.covers(host, port) => {
            log::debug!(target: LOG, "{} not used for {}: NO_PROXY covers it", p.shown(), authority(host, port));
            Ok(None)
        }
        other => Ok(other.clone()),
    }
}

/// Opens a TCP stream to `host:port`: directly, or through the configured proxy with a
/// CONNECT tunnel. Blocks up to `connect_timeout` (the TCP connect, and through a proxy the
/// whole exchange). Errors: `Connect` (unreachable host or proxy, a proxy that refuses the
/// tunnel or answers wrongly), `Credentials` (the proxy refuses the credentials: 407, or 401
/// as tinyproxy answers a wrong password), `InvalidConfigValue` (HTTPS_PROXY/NO_PROXY).
pub(crate) fn open_stream(config: &Config, host: &str, port: u16) -> Result<TcpStream> {
    let timeout = config.connect_timeout;
    let Some(proxy) = route(config, host, port)? else {
        return connect_tcp(host, port, timeout, &authority(host, port));
    };
    let deadline = Instant::now() + timeout;
    let name = format!("proxy {} (for {})", proxy.shown(), authority(host, port));
    let sock = connect_tcp(&proxy.host, proxy.port, timeout, &name)?;
    match tunnel(&sock, &proxy, host, port, deadline) {
        Ok(()) => {
            log::info!(target: LOG, "tunnel to {} opened through proxy {}", authority(host, port), proxy.shown());
            Ok(sock)
        }
        Err(e) => {
            log::warn!(target: LOG, "no tunnel to {}: {e}", authority(host, port));
            Err(e)
        }
    }
}

/// Resolves and connects, trying each address within `timeout`. Messages call the peer
/// `name`.
fn connect_tcp(host: &str, port: u16, timeout: Duration, name: &str) -> Result<TcpStream> {
    let addrs: Vec<_> = (host, port)
        .to_socket_addrs()
        .map_err(|e| Error::new(ErrorKind::Connect, format!("cannot resolve {name}: {e}")))?
        .collect();
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    let why = last
        .map(|e| e.to_string())
        .unwrap_or_else(|| "no address".into());
    Err(Error::new(
        ErrorKind::Connect,
        format!("cannot connect to {name}: {why}"),
    ))
}

/// Sends CONNECT and reads the answer's head (at most [`MAX_CONNECT_RESPONSE`] bytes, and
/// not one byte past it: what follows belongs to the tunnel) before `deadline`.
fn tunnel(sock: &TcpStream, proxy: &Proxy, host: &str, port: u16, deadline: Instant) -> Result<()> {
    let name = format!("proxy {}", proxy.shown());
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => Error::new(
            ErrorKind::Connect,
            format!("{name} did not answer CONNECT within connect_timeout_ms"),
        ),
        _ => Error::new(ErrorKind::Connect, format!("{name}: {e}")),
    };
    let left = |now: Instant| {
        deadline
            .saturating_duration_since(now)
            .max(Duration::from_millis(1))
    };
    sock.set_write_timeout(Some(left(Instant::now())))
        .map_err(io)?;
    (&mut &*sock)
        .write_all(proxy.request(host, port).as_bytes())
        .map_err(io)?;
    let mut head = Vec::with_capacity(256);
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_CONNECT_RESPONSE {
            return Err(Error::new(
                ErrorKind::Connect,
                format!("{name} answered CONNECT with headers over {MAX_CONNECT_RESPONSE} bytes"),
            ));
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(io(std::io::ErrorKind::TimedOut.into()));
        }
        sock.set_read_timeout(Some(left(now))).map_err(io)?;
        // Never past the blank line: as many bytes as could still complete "\r\n\r\n".
        let want = 4 - partial_end(&head);
        let mut buf = [0u8; 4];
        match (&mut &*sock).read(&mut buf[..want]) {
            Ok(0) => {
                return Err(Error::new(
                    ErrorKind::Connect,
                    format!("{name} closed the connection before answering CONNECT"),
                ))
            }
            Ok(n) => head.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(io(e)),
        }
    }
    let line_end = head.windows(2).position(|w| w == b"\r\n").unwrap_or(0);
    let line = shown_status_line(&head[..line_end]);
    let status = parse_status(&head[..line_end]).ok_or_else(|| {
        Error::new(
            ErrorKind::Connect,
            format!("{name} did not answer CONNECT with HTTP: {line:?}"),
        )
    })?;
    let target = authority(host, port);
    match status {
        200..=299 => Ok(()),
        401 | 407 if proxy.auth.is_none() => Err(Error::new(
            ErrorKind::Credentials,
            format!(
                "{name} requires credentials and none are configured ({status}); give them as \
                 http://user:password@host:port"
            ),
        )),
        401 | 407 => Err(Error::new(
            ErrorKind::Credentials,
            format!("{name} refused the credentials ({status})"),
        )),
        _ => Err(Error::new(
            ErrorKind::Connect,
            format!("{name} refused the tunnel to {target}: {line}"),
        )),
    }
}

/// How many bytes at the end of `head` are a prefix of "\r\n\r\n" (0 to 3).
fn partial_end(head: &[u8]) -> usize {
    (1..=3)
        .rev()
        .find(|&k| head.len() >= k && b"\r\n\r\n".starts_with(&head[head.len() - k..]))
        .unwrap_or(0)
}

/// The status code of `HTTP/1.x NNN ...`.
fn parse_status(line: &[u8]) -> Option<u16> {
    let rest = line.strip_prefix(b"HTTP/1.")?;
    let code = rest.get(2..5)?;
    if rest.get(1) != Some(&b' ') || !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(code).ok()?.parse().ok()
}

/// The status line as errors quote it: printable ASCII only, at most [`SHOWN_STATUS_LINE`]
/// characters.
fn shown_status_line(line: &[u8]) -> String {
    let mut s: String = line
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '?'
            }
        })
        .take(SHOWN_STATUS_LINE)
        .collect();
    if line.len() > SHOWN_STATUS_LINE {
        s.push('…');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_parse_with_and_without_credentials() {
        let p = Proxy::parse("http://proxy.corp:3128", false).unwrap();
        assert_eq!(
            (p.host.as_str(), p.port, p.auth.is_none()),
            ("proxy.corp", 3128, true)
        );
        let p = Proxy::parse(" HTTP://al%40ice:p%3Ass@word@Proxy.Corp:8080/ ", false).unwrap();
        let a = p.auth.as_ref().unwrap();
        assert_eq!(
            (a.user.as_str(), a.password.as_str()),
            ("al@ice", "p:ss@word")
        );
        assert_eq!(p.shown(), "proxy.corp:8080");
        let p = Proxy::parse("http://[::1]:3128", false).unwrap();
        assert_eq!(p.shown(), "[::1]:3128");
        assert_eq!(Proxy::parse("127.0.0.1:3128", true).unwrap().port, 3128);
        assert_eq!(
            p.request("api.push.apple.com", 443),
            "CONNECT api.push.apple.com:443 HTTP/1.1\r\nHost: api.push.apple.com:443\r\n\r\n"
        );
        let p = Proxy::parse("http://aladdin:opensesame@h:1", false).unwrap();
        assert!(p
            .request("::1", 443)
            .starts_with("CONNECT [::1]:443 HTTP/1.1\r\n"));
        assert!(p
            .request("h", 1)
            .contains("\r\nProxy-Authorization: Basic YWxhZGRpbjpvcGVuc2VzYW1l\r\n"));
    }

    #[test]
    fn bad_proxy_urls_are_refused() {
        for (v, optional) in [
            ("", false),
            ("proxy:3128", false),
            ("https://proxy:3128", false),
            ("socks5://proxy:1080", false),
            ("http://proxy", false),
            ("http://proxy:0", false),
            ("http://proxy:99999", false),
            ("http://proxy:31a", false),
            ("http://proxy:3128/path", false),
            ("http://:3128", false),
            ("http://u:p%zz@proxy:3128", false),
            ("http://u:p%0d%0aX: y@proxy:3128", false),
            ("http://:pw@proxy:3128", false),
            ("http://pro xy:3128", false),
            ("http://[::1:3128", false),
            ("proxy", true),
        ] {
            assert!(Proxy::parse(v, optional).is_err(), "{v:?} was accepted");
        }
    }

    #[test]
    fn debug_never_shows_the_password() {
        let p = Proxy::parse("http://alice:hunter2@proxy:3128", false).unwrap();
        let shown = format!("{p:?}");
        assert_eq!(shown, "http://alice:(not shown)@proxy:3128");
    }

    #[test]
    fn no_proxy_matches_hosts_domains_ports_and_star() {
        let np = NoProxy::parse(
            "localhost, .corp.example, example.com:8443,127.0.0.1,::1,[fe80::1]:443",
        )
        .unwrap();
        assert!(np.covers("localhost", 443));
        assert!(np.covers("LOCALHOST.", 443));
        assert!(np.covers("api.corp.example", 443));
        assert!(np.covers("corp.example", 443));
        assert!(!np.covers("notcorp.example", 443));
        assert!(np.covers("api.example.com", 8443));
        assert!(!np.covers("api.example.com", 443));
        assert!(np.covers("127.0.0.1", 2195));
        assert!(!np.covers("127.0.0.2", 2195));
        assert!(np.covers("::1", 443));
        assert!(np.covers("fe80::1", 443));
        assert!(!np.covers("fe80::1", 80));
        assert!(!np.covers("api.push.apple.com", 443));
        assert!(NoProxy::parse("*")
            .unwrap()
            .covers("api.push.apple.com", 443));
        assert!(!NoProxy::parse("").unwrap().covers("localhost", 1));
        assert!(NoProxy::parse("host:port").is_err());
    }

    #[test]
    fn the_environment_is_read_upper_case_first_and_errors_name_the_variable() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            EnvProxy::read_with(move |n| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            })
        };
        let e = env(&[
            ("HTTPS_PROXY", "http://a:3128"),
            ("https_proxy", "http://b:3128"),
        ])
        .unwrap();
        assert_eq!(e.proxy.unwrap().host, "a");
        let e = env(&[
            ("HTTPS_PROXY", " "),
            ("https_proxy", "b:3128"),
            ("no_proxy", "*"),
        ])
        .unwrap();
        assert_eq!(e.proxy.unwrap().host, "b");
        assert!(e.no_proxy.all);
        assert_eq!(
            env(&[]).unwrap(),
            EnvProxy {
                proxy: None,
                no_proxy: NoProxy::default()
            }
        );
        let err = env(&[("HTTPS_PROXY", "https://u:sekrit@p:1")]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfigValue);
        assert!(err
            .message()
            .starts_with("HTTPS_PROXY (read because proxy_from_env=true)"));
        assert!(!err.message().contains("sekrit"));
        let err = env(&[("no_proxy", "a:b")]).unwrap_err();
        assert!(err.message().starts_with("no_proxy "), "{}", err.message());
    }

    #[test]
    fn the_answer_head_is_read_to_its_blank_line_only() {
        assert_eq!(partial_end(b"HTTP/1.1 200 OK"), 0);
        assert_eq!(partial_end(b"HTTP/1.1 200 OK\r"), 1);
        assert_eq!(partial_end(b"HTTP/1.1 200 OK\r\n"), 2);
        assert_eq!(partial_end(b"HTTP/1.1 200 OK\r\n\r"), 3);
        assert_eq!(partial_end(b"\n"), 0);
        assert_eq!(
            parse_status(b"HTTP/1.1 200 Connection established"),
            Some(200)
        );
        assert_eq!(
            parse_status(b"HTTP/1.0 407 Proxy Authentication Required"),
            Some(407)
        );
        assert_eq!(parse_status(b"SSH-2.0-OpenSSH"), None);
        assert_eq!(parse_status(b"HTTP/1.1 20"), None);
        let long = [b'x'; 300];
        assert_eq!(
            shown_status_line(&long).chars().count(),
            SHOWN_STATUS_LINE + 1
        );
        assert_eq!(
            shown_status_line(b"HTTP/1.1 403 \x1b[31mno"),
            "HTTP/1.1 403 ?[31mno"
        );
    }
}
