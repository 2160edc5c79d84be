//! Protected mode (Redis 7.0.15 `clientAcceptHandler`): with `protected-mode yes` and no
//! password, a client from outside the loopback interface gets the `-DENIED` error and is
//! closed; loopback clients, password-protected servers and `protected-mode no` are served.

use replscope_core::client::PeerInfo;
use replscope_core::config::Config;
use replscope_core::server::{peer_is_local, Output, Server, PROTECTED_MODE_DENIED};
use replscope_core::time::Time;

fn accept_and_get(cfg: Config, addr: &str) -> Vec<Output> {
    let now = Time::from_millis(1_700_000_000_000);
    let mut srv = Server::new(cfg, 1, now);
    let peer = PeerInfo {
        addr: addr.to_string(),
        laddr: "127.0.0.1:6379".to_string(),
        fd: 8,
    };
    let c = srv.handle_accept(now, peer);
    srv.handle_input(now, c, b"GET k\r\n");
    std::iter::from_fn(|| srv.poll_output())
        .filter(|o| !matches!(o, Output::Log { .. }))
        .collect()
}

fn transmitted(outs: &[Output]) -> Vec<u8> {
    let mut v = Vec::new();
    for o in outs {
        if let Output::Transmit { bytes, .. } = o {
            v.extend_from_slice(bytes);
        }
    }
    v
}

#[test]
fn remote_client_is_denied_and_closed() {
    let outs = accept_and_get(Config::default(), "10.1.2.3:50000");
    assert_eq!(transmitted(&outs), PROTECTED_MODE_DENIED);
    assert!(matches!(outs.last(), Some(Output::Close { .. })));
    assert!(PROTECTED_MODE_DENIED.starts_with(b"-DENIED Redis is running in protected mode"));
    assert!(PROTECTED_MODE_DENIED.ends_with(b"accepting connections from the outside.\r\n"));
}

#[test]
fn loopback_clients_are_served() {
    for addr in [
        "127.0.0.1:40000",
        "127.5.6.7:1",
        "[::1]:40000",
        "[::ffff:127.0.0.1]:9",
    ] {
        let outs = accept_and_get(Config::default(), addr);
        assert_eq!(transmitted(&outs), b"$-1\r\n", "{addr}");
        assert!(
            !outs.iter().any(|o| matches!(o, Output::Close { .. })),
            "{addr}"
        );
    }
}

#[test]
fn password_or_protected_mode_off_lets_remote_clients_in() {
    let cfg = Config {
        protected_mode: false,
        ..Config::default()
    };
    let outs = accept_and_get(cfg, "192.0.2.9:1234");
    assert_eq!(transmitted(&outs), b"$-1\r\n");

    let cfg = Config {
        requirepass: Some(b"secret".to_vec()),
        ..Config::default()
    };
    let outs = accept_and_get(cfg, "192.0.2.9:1234");
    assert_eq!(transmitted(&outs), b"-NOAUTH Authentication required.\r\n");
}

#[test]
fn locality_of_addresses() {
    assert!(peer_is_local("127.0.0.1:6379"));
    assert!(peer_is_local("[::1]:6379"));
    assert!(!peer_is_local("[2001:db8::1]:6379"));
    assert!(!peer_is_local("172.16.0.1:6379"));
    // Virtual peers of the simulator have no socket address.
    assert!(peer_is_local(""));
}
