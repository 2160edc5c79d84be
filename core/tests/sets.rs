//! Set commands against a sans-IO `Server`: byte-exact replies (checked against redis-server
//! 7.0.15), encodings, and the replication stream.

use replscope_core::config::Config;
use replscope_core::keyspace::Value;
use replscope_core::resp::{Frame, FrameDecoder};

mod support;
use support::{bulks, resp_cmd, H};

impl H {
    fn frame(&mut self, line: &str) -> Frame {
        let got = self.run(line);
        let (f, n) = FrameDecoder::new().decode(&got).unwrap().unwrap();
        assert_eq!(n, got.len());
        f
    }
    fn put_string(&mut self, key: &str) {
        self.srv.state_mut().keyspace.dbs[0].set(key.as_bytes(), Value::string(b"x"), false);
    }
}

fn members(f: &Frame) -> Vec<Vec<u8>> {
    match f {
        Frame::Array(items) => items
            .iter()
            .map(|i| match i {
                Frame::Bulk(b) => b.to_vec(),
                other => panic!("not a bulk: {other:?}"),
            })
            .collect(),
        other => panic!("not an array: {other:?}"),
    }
}

const WRONGTYPE: &[u8] = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

#[test]
fn sadd_intset_order_and_encoding() {
    let mut h = H::new();
    h.check("SADD s 5 -3 10 0", b":4\r\n");
    h.check("SADD s 5 7", b":1\r\n");
    h.check("SMEMBERS s", &bulks(&["-3", "0", "5", "7", "10"]));
    assert_eq!(h.encoding("s"), "intset");
    h.check("SCARD s", b":5\r\n");
    // A non-canonical integer is a string: hashtable, and never back.
    h.check("SADD s 01", b":1\r\n");
    assert_eq!(h.encoding("s"), "hashtable");
    h.check("SREM s 01", b":1\r\n");
    assert_eq!(h.encoding("s"), "hashtable");
    h.check("SISMEMBER s 7", b":1\r\n");
    h.check("SISMEMBER s 07", b":0\r\n");
}

#[test]
fn intset_bounds_and_limit() {
    let mut h = H::new();
    h.check("SADD t 9223372036854775807 -9223372036854775808", b":2\r\n");
    assert_eq!(h.encoding("t"), "intset");
    h.check(
        "SMEMBERS t",
        &bulks(&["-9223372036854775808", "9223372036854775807"]),
    );
    h.check("SADD u 9223372036854775808", b":1\r\n");
    assert_eq!(h.encoding("u"), "hashtable");
    h.check("SADD v +1", b":1\r\n");
    assert_eq!(h.encoding("v"), "hashtable");
    h.check("SADD w a", b":1\r\n");
    assert_eq!(h.encoding("w"), "hashtable");

    let cfg = Config {
        set_max_intset_entries: 3,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    h.check("SADD s 3 2 1", b":3\r\n");
    assert_eq!(h.encoding("s"), "intset");
    h.check("SADD s 4", b":1\r\n");
    assert_eq!(h.encoding("s"), "hashtable");
}

#[test]
fn srem_deletes_empty_key_and_propagates() {
    let mut h = H::new();
    h.check("SADD s a b c", b":3\r\n");
    h.clear_repl();
    h.check("SREM s x", b":0\r\n");
    h.assert_repl(b"");
    h.check("SREM s a x b", b":2\r\n");
    h.assert_repl(&bulks(&["SREM", "s", "a", "x", "b"]));
    h.check("SREM s c c", b":1\r\n");
    assert!(!h.exists("s"));
    h.check("SREM s c", b":0\r\n");
    h.check("SCARD s", b":0\r\n");
    h.check("SMEMBERS s", b"*0\r\n");
}

#[test]
fn smismember_and_missing_keys() {
    let mut h = H::new();
    h.check("SADD s 1 2 3", b":3\r\n");
    h.check("SMISMEMBER s 2 9 3", b"*3\r\n:1\r\n:0\r\n:1\r\n");
    h.check("SMISMEMBER nokey 2", b"*1\r\n:0\r\n");
    h.check("SISMEMBER nokey 2", b":0\r\n");
    h.check("SRANDMEMBER nokey", b"$-1\r\n");
    h.check("SRANDMEMBER nokey -5", b"*0\r\n");
    h.check("SPOP nokey", b"$-1\r\n");
    h.check("SPOP nokey 3", b"*0\r\n");
    h.check(
        "SMISMEMBER s",
        b"-ERR wrong number of arguments for 'smismember' command\r\n",
    );
}

#[test]
fn wrongtype_everywhere() {
    let mut h = H::new();
    h.put_string("str");
    h.check("SADD s1 a", b":1\r\n");
    for line in [
        "SADD str a",
        "SREM str a",
        "SMEMBERS str",
        "SISMEMBER str a",
        "SMISMEMBER str a",
        "SCARD str",
        "SPOP str",
        "SPOP str 0",
        "SRANDMEMBER str",
        "SRANDMEMBER str 0",
        "SINTER s1 str",
        "SINTER nokey str",
        "SINTERSTORE d nokey str",
        "SUNION nokey str",
        "SDIFF s1 str",
        "SUNIONSTORE d s1 str",
        "SDIFFSTORE d s1 str",
        "SINTERCARD 2 nokey str",
        "SMOVE str s1 a",
        "SMOVE s1 str a",
    ] {
        h.check(line, WRONGTYPE);
    }
    // A missing source wins over a wrong-type destination.
    h.check("SMOVE nokey str a", b":0\r\n");
}

#[test]
fn smove_cases() {
    let mut h = H::new();
    h.check("SADD src 1 2 a", b":3\r\n");
    h.clear_repl();
    h.check("SMOVE src src 1", b":1\r\n");
    h.check("SMOVE src src 9", b":0\r\n");
    h.check("SMOVE src dst 9", b":0\r\n");
    h.assert_repl(b"");
    h.check("SMOVE src dst 1", b":1\r\n");
    assert_eq!(h.encoding("dst"), "intset");
    h.assert_repl(&bulks(&["SMOVE", "src", "dst", "1"]));
    h.check("SMOVE src dst a", b":1\r\n");
    assert_eq!(h.encoding("dst"), "hashtable");
    h.check("SADD other 2", b":1\r\n");
    // Already in the destination: still 1, source loses it and is deleted when empty.
    h.check("SMOVE src other 2", b":1\r\n");
    assert!(!h.exists("src"));
    h.check("SMEMBERS other", &bulks(&["2"]));
}

#[test]
fn sinter_sunion_sdiff_replies() {
    let mut h = H::new();
    h.check("SADD a 5 3 1 4", b":4\r\n");
    h.check("SADD b 4 3 9", b":3\r\n");
    h.check("SINTER a b", &bulks(&["3", "4"]));
    h.check("SINTER a b nokey", b"*0\r\n");
    h.check("SINTER a", &bulks(&["1", "3", "4", "5"]));
    h.check("SINTER a a", &bulks(&["1", "3", "4", "5"]));
    h.check("SUNION a b nokey", &bulks(&["1", "3", "4", "5", "9"]));
    h.check("SDIFF a b", &bulks(&["1", "5"]));
    h.check("SDIFF a nokey", &bulks(&["1", "3", "4", "5"]));
    h.check("SDIFF nokey a", b"*0\r\n");
    h.check("SDIFF a a", b"*0\r\n");
    h.check("SINTERCARD 2 a b", b":2\r\n");
    h.check("SINTERCARD 2 a b LIMIT 1", b":1\r\n");
    h.check("SINTERCARD 2 a b limit 0", b":2\r\n");
    h.check("SINTERCARD 2 a nokey", b":0\r\n");
    // A hashtable that holds only integers unions into a fresh intset: sorted.
    h.check("SADD h x 20 10", b":3\r\n");
    h.check("SREM h x", b":1\r\n");
    assert_eq!(h.encoding("h"), "hashtable");
    h.check("SUNION h", &bulks(&["10", "20"]));
}

#[test]
fn sintercard_errors() {
    let mut h = H::new();
    h.check(
        "SINTERCARD 0 a",
        b"-ERR numkeys should be greater than 0\r\n",
    );
    h.check(
        "SINTERCARD x a",
        b"-ERR numkeys should be greater than 0\r\n",
    );
    h.check(
        "SINTERCARD 2 a",
        b"-ERR Number of keys can't be greater than number of args\r\n",
    );
    h.check(
        "SINTERCARD 1 a LIMIT -1",
        b"-ERR LIMIT can't be negative\r\n",
    );
    h.check(
        "SINTERCARD 1 a LIMIT x",
        b"-ERR LIMIT can't be negative\r\n",
    );
    h.check("SINTERCARD 1 a LIMIT", b"-ERR syntax error\r\n");
    h.check("SINTERCARD 1 a foo 1", b"-ERR syntax error\r\n");
}

#[test]
fn store_commands() {
    let mut h = H::new();
    h.check("SADD a 1 2 3 x", b":4\r\n");
    h.check("SADD b 2 3 y", b":3\r\n");
    h.clear_repl();
    h.check("SINTERSTORE d a b", b":2\r\n");
    assert_eq!(h.encoding("d"), "intset");
    h.check("SMEMBERS d", &bulks(&["2", "3"]));
    h.assert_repl(&bulks(&["SINTERSTORE", "d", "a", "b"]));
    h.check("SUNIONSTORE d a b", b":5\r\n");
    assert_eq!(h.encoding("d"), "hashtable");
    h.check("SDIFFSTORE d a b", b":2\r\n");
    h.check("SMEMBERS d", b"*2\r\n$1\r\n1\r\n$1\r\nx\r\n");
    h.clear_repl();
    // The destination's TTL is cleared.
    let at = h.now.as_millis() + 100_000;
    h.srv.state_mut().keyspace.dbs[0].set_expire(b"d", at);
    assert_eq!(h.srv.state().keyspace.dbs[0].expire_of(b"d"), Some(at));
    h.check("SINTERSTORE d a", b":4\r\n");
    assert_eq!(h.srv.state().keyspace.dbs[0].expire_of(b"d"), None);
    h.clear_repl();
    // Empty result: the destination is deleted and the command propagated as is.
    h.check("SINTERSTORE d a nokey", b":0\r\n");
    assert!(!h.exists("d"));
    h.assert_repl(&bulks(&["SINTERSTORE", "d", "a", "nokey"]));
    // Nothing to delete: nothing propagated.
    h.check("SINTERSTORE d a nokey", b":0\r\n");
    h.check("SUNIONSTORE d nokey", b":0\r\n");
    h.check("SDIFFSTORE d a a", b":0\r\n");
    h.assert_repl(b"");
    h.check("SADD d z", b":1\r\n");
    h.clear_repl();
    h.check("SDIFFSTORE d a a", b":0\r\n");
    assert!(!h.exists("d"));
    h.assert_repl(&bulks(&["SDIFFSTORE", "d", "a", "a"]));
    // A store over a key of another type replaces it.
    h.put_string("str");
    h.check("SUNIONSTORE str b", b":3\r\n");
    assert_eq!(h.encoding("str"), "hashtable");
    h.check("SCARD str", b":3\r\n");
}

#[test]
fn sdiff_algorithm_decides_encoding() {
    // Redis 7.0 picks one of two SDIFF algorithms; the result's encoding shows which
    // (verified against redis-server 7.0.15).
    let mut h = H::new();
    let sadd = |h: &mut H, key: &str, range: std::ops::RangeInclusive<i32>| {
        let vals: Vec<String> = range.map(|i| i.to_string()).collect();
        let mut args: Vec<&[u8]> = vec![b"SADD", key.as_bytes()];
        args.extend(vals.iter().map(|s| s.as_bytes()));
        h.raw(&args);
    };
    sadd(&mut h, "big", 1..=600);
    sadd(&mut h, "s1", 1..=100);
    sadd(&mut h, "s2", 101..=200);
    sadd(&mut h, "s12", 1..=200);
    assert_eq!(h.encoding("big"), "hashtable");
    // work1 = 3*600/2 = 900 > work2 = 800: copy the first set (a hashtable), then remove.
    h.check("SDIFFSTORE d big s1 s2", b":400\r\n");
    assert_eq!(h.encoding("d"), "hashtable");
    // work1 = 2*600/2 = 600 <= work2 = 800: add the survivors to a fresh intset.
    h.check("SDIFFSTORE d2 big s12", b":400\r\n");
    assert_eq!(h.encoding("d2"), "intset");
    let r = members(&h.frame("SDIFF big s12"));
    assert_eq!(r[0], b"201");
    assert_eq!(r[399], b"600");
}

#[test]
fn spop_single_propagates_srem() {
    let mut h = H::new();
    h.check("SADD s a", b":1\r\n");
    h.clear_repl();
    h.check("SPOP s", b"$1\r\na\r\n");
    assert!(!h.exists("s"));
    h.assert_repl(&bulks(&["SREM", "s", "a"]));
    h.check("SADD s 1 2 3", b":3\r\n");
    h.clear_repl();
    let m = match h.frame("SPOP s") {
        Frame::Bulk(b) => String::from_utf8(b.to_vec()).unwrap(),
        other => panic!("{other:?}"),
    };
    h.assert_repl(&bulks(&["SREM", "s", &m]));
    h.check(&format!("SISMEMBER s {m}"), b":0\r\n");
    h.check("SCARD s", b":2\r\n");
    h.check("SPOP s 1 2", b"-ERR syntax error\r\n");
}

#[test]
fn spop_count_errors_and_zero() {
    let mut h = H::new();
    h.check("SADD s 1 2", b":2\r\n");
    h.clear_repl();
    h.check(
        "SPOP s -1",
        b"-ERR value is out of range, must be positive\r\n",
    );
    h.check(
        "SPOP s x",
        b"-ERR value is out of range, must be positive\r\n",
    );
    h.check(
        "SPOP nokey -1",
        b"-ERR value is out of range, must be positive\r\n",
    );
    h.check("SPOP s 0", b"*0\r\n");
    h.check("SPOP nokey 0", b"*0\r\n");
    h.assert_repl(b"");
}

#[test]
fn spop_count_below_size_is_multi_of_srems() {
    let mut h = H::new();
    h.check("SADD s a b c d e f g h i j", b":10\r\n");
    h.clear_repl();
    let popped = members(&h.frame("SPOP s 3"));
    assert_eq!(popped.len(), 3);
    let mut expected = bulks(&["MULTI"]);
    for m in &popped {
        expected.extend(resp_cmd(&[b"SREM", b"s", m]));
    }
    expected.extend(bulks(&["EXEC"]));
    h.assert_repl(&expected);
    h.check("SCARD s", b":7\r\n");
    for m in &popped {
        let r = h.raw(&[b"SISMEMBER", b"s", m]);
        assert_eq!(r, b":0\r\n");
    }
    // One member popped: a single SREM, no MULTI.
    let one = members(&h.frame("SPOP s 1"));
    assert_eq!(one.len(), 1);
    h.assert_repl(&resp_cmd(&[b"SREM", b"s", &one[0]]));
}

#[test]
fn spop_count_near_size_replies_in_intset_order() {
    // 9 of 10: Redis keeps one random member and returns the rest in the intset's order.
    let mut h = H::new();
    h.check("SADD s 10 9 8 7 6 5 4 3 2 1", b":10\r\n");
    h.clear_repl();
    let popped = members(&h.frame("SPOP s 9"));
    assert_eq!(popped.len(), 9);
    let nums: Vec<i64> = popped
        .iter()
        .map(|m| std::str::from_utf8(m).unwrap().parse().unwrap())
        .collect();
    let mut sorted = nums.clone();
    sorted.sort();
    assert_eq!(nums, sorted);
    h.check("SCARD s", b":1\r\n");
    assert_eq!(h.encoding("s"), "intset");
    let mut expected = bulks(&["MULTI"]);
    for m in &popped {
        expected.extend(resp_cmd(&[b"SREM", b"s", m]));
    }
    expected.extend(bulks(&["EXEC"]));
    h.assert_repl(&expected);
}

#[test]
fn spop_count_at_least_size_is_del() {
    let mut h = H::new();
    h.check("SADD s 3 1 2", b":3\r\n");
    h.clear_repl();
    h.check("SPOP s 3", &bulks(&["1", "2", "3"]));
    assert!(!h.exists("s"));
    h.assert_repl(&bulks(&["DEL", "s"]));
    // lazyfree settings do not turn it into UNLINK in 7.0.
    let cfg = Config {
        lazyfree_lazy_server_del: true,
        lazyfree_lazy_user_del: true,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    h.check("SADD t a", b":1\r\n");
    h.clear_repl();
    h.check("SPOP t 100", &bulks(&["a"]));
    h.assert_repl(&bulks(&["DEL", "t"]));
}

#[test]
fn srandmember_counts() {
    let mut h = H::new();
    h.check("SADD s 3 1 2", b":3\r\n");
    h.clear_repl();
    h.check("SRANDMEMBER s 3", &bulks(&["1", "2", "3"]));
    h.check("SRANDMEMBER s 10", &bulks(&["1", "2", "3"]));
    h.check("SRANDMEMBER s 0", b"*0\r\n");
    let two = members(&h.frame("SRANDMEMBER s 2"));
    assert_eq!(two.len(), 2);
    assert_ne!(two[0], two[1]);
    let many = members(&h.frame("SRANDMEMBER s -20"));
    assert_eq!(many.len(), 20);
    assert!(many
        .iter()
        .all(|m| [b"1", b"2", b"3"].contains(&&m[..].try_into().unwrap())));
    // Repeats happen with 20 draws among 3.
    let mut uniq = many.clone();
    uniq.sort();
    uniq.dedup();
    assert!(uniq.len() < many.len());
    match h.frame("SRANDMEMBER s") {
        Frame::Bulk(b) => assert!([&b"1"[..], b"2", b"3"].contains(&&b[..])),
        other => panic!("{other:?}"),
    }
    h.check("SCARD s", b":3\r\n");
    h.check(
        "SRANDMEMBER s x",
        b"-ERR value is not an integer or out of range\r\n",
    );
    h.check(
        "SRANDMEMBER s -9223372036854775808",
        b"-ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807\r\n",
    );
    h.check("SRANDMEMBER s 1 2", b"-ERR syntax error\r\n");
    h.assert_repl(b"");
}

#[test]
fn big_srandmember_and_spop_on_hashtable() {
    let mut h = H::new();
    let names: Vec<String> = (0..50).map(|i| format!("m{i}")).collect();
    let mut args: Vec<&[u8]> = vec![b"SADD", b"s"];
    args.extend(names.iter().map(|s| s.as_bytes()));
    h.raw(&args);
    for count in [1, 5, 20, 40, 49] {
        let got = members(&h.frame(&format!("SRANDMEMBER s {count}")));
        let mut u = got.clone();
        u.sort();
        u.dedup();
        assert_eq!(u.len(), count);
    }
    let popped = members(&h.frame("SPOP s 45"));
    let mut u = popped.clone();
    u.sort();
    u.dedup();
    assert_eq!(u.len(), 45);
    h.check("SCARD s", b":5\r\n");
}
