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

/// `peer_is_local` reads the text of an address; on every address a server driver can print
/// (a `SocketAddr`'s `Display`) and on malformed ones it agrees with parsing it into
/// `std::net` types (loopback v4, ::1, v4-mapped loopback; unparsable counts as local).
#[test]
fn locality_agrees_with_std_net() {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
    fn reference(addr: &str) -> bool {
        match addr.parse::<SocketAddr>() {
            Ok(sa) => match sa.ip() {
                IpAddr::V4(ip) => ip.is_loopback(),
                IpAddr::V6(ip) => {
                    ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
                }
            },
            Err(_) => true,
        }
    }
    let mut printed = Vec::new();
    for v4 in [
        Ipv4Addr::new(127, 0, 0, 1),
        Ipv4Addr::new(127, 255, 3, 9),
        Ipv4Addr::new(10, 0, 0, 2),
        Ipv4Addr::new(126, 0, 0, 1),
        Ipv4Addr::new(0, 0, 0, 0),
        Ipv4Addr::new(255, 255, 255, 255),
    ] {
        printed.push(SocketAddr::new(IpAddr::V4(v4), 6379).to_string());
        printed.push(SocketAddr::new(IpAddr::V6(v4.to_ipv6_mapped()), 1).to_string());
        printed.push(SocketAddr::new(IpAddr::V6(v4.to_ipv6_compatible()), 65535).to_string());
    }
    for v6 in [
        Ipv6Addr::LOCALHOST,
        Ipv6Addr::UNSPECIFIED,
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1),
        Ipv6Addr::new(0xfe80, 0, 0, 0, 1, 2, 3, 4),
        Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0x7f00, 1),
        Ipv6Addr::new(0, 0, 0, 0, 0, 0xfffe, 0x7f00, 1),
        Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 2),
        Ipv6Addr::new(1, 0, 0, 0, 0, 0, 0, 1),
    ] {
        printed.push(SocketAddr::new(IpAddr::V6(v6), 6380).to_string());
    }
    let malformed = [
        "",
        "127.0.0.1",
        "127.0.0.1:",
        "127.0.0.1:x",
        "127.0.0.1:65536",
        "127.0.0.1:-1",
        "127.0.0.01:80",
        "127.0.0:80",
        "127.0.0.1.1:80",
        "256.0.0.1:80",
        "::1:80",
        "[::1]",
        "[::1:80",
        "::1]:80",
        "[127.0.0.1]:80",
        "localhost:80",
        "10.0.0.2:6380",
        "[::1]:0",
        "node-1",
        "[::ffff:127.0.0.1]:7",
        "[::ffff:10.0.0.1]:7",
        "[::ffff:127.0.0]:7",
        "[fe80::1%2]:80",
        "[fe80::1%eth0]:80",
        "[::g]:80",
        " 127.0.0.1:80",
        "127.0.0.1:080",
    ];
    for addr in printed.iter().map(String::as_str).chain(malformed) {
        assert_eq!(peer_is_local(addr), reference(addr), "{addr:?}");
    }
}
