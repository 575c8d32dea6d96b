//! apnspush-mock: the built-in mock APNs gateway and feedback service on loopback (the same
//! command as `apnspush mock`; see `apnspush::mock::cli`).

fn main() -> std::process::ExitCode {
    apnspush::mock::cli::run("apnspush-mock", std::env::args().skip(1))
}
