//! The seed tutorial's setup, unchanged: a real `redis-server` 7.0.15 master on
//! 127.0.0.1:6379 with a password, and ReplScope started with the tutorial's replica config
//! file (`replicaof 127.0.0.1 6379` and `masterauth`). Port 6379 is only used inside a
//! private network namespace the test creates (`unshare -n`, then `ip link set lo up`), so a
//! Redis already running on this machine is never touched. Both `INFO replication` sections
//! must read as in the tutorial: the master lists `slave0:ip=127.0.0.1,port=6380,state=online`
//! and the replica `master_link_status:up`, with equal offsets.

mod common;

use std::process::Command;

#[test]
fn the_seed_tutorial_config_replicates_from_a_real_master_on_6379() {
    let dir = std::env::temp_dir().join(format!("replscope-seed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The tutorial's 6380.conf, as written there (the password is ours).
    let conf = dir.join("6380.conf");
    std::fs::write(
        &conf,
        "replicaof 127.0.0.1 6379\n# 如果 6379 实例设置密码，则需要配置认证\nmasterauth s3cret\n",
    )
    .unwrap();
    let redis = common::tool("redis-server");
    let cli = common::tool("redis-cli");
    let ours = common::our_binary();
    let d = dir.display();
    let script = format!(
        r#"set -u
ip link set lo up
{redis} --port 6379 --bind 127.0.0.1 --requirepass s3cret --save '' --appendonly no \
    --daemonize yes --dir {d} --logfile {d}/master.log --pidfile {d}/master.pid
for i in $(seq 100); do {cli} -a s3cret --no-auth-warning ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
{cli} -a s3cret --no-auth-warning set greeting hello >/dev/null
{ours} {conf} --port 6380 --dir {d} --save '' >{d}/replica.log 2>&1 &
rp=$!
ok=0
for i in $(seq 400); do
    if {cli} -p 6380 info replication 2>/dev/null | grep -q 'master_link_status:up'; then ok=1; break; fi
    sleep 0.05
done
{cli} -a s3cret --no-auth-warning set after-sync 1 >/dev/null
sleep 0.5
echo "== master"; {cli} -a s3cret --no-auth-warning info replication
echo "== replica"; {cli} -p 6380 info replication
echo "== get"; {cli} -p 6380 get greeting; {cli} -p 6380 get after-sync
kill $rp; wait $rp
kill $(cat {d}/master.pid)
echo "== up $ok"
"#,
        redis = redis.display(),
        cli = cli.display(),
        ours = ours.display(),
        conf = conf.display(),
    );
    let out = Command::new("unshare")
        .args(["-n", "bash", "-c", &script])
        .output()
        .expect("unshare (util-linux) runs the test in a private network namespace");
    let text = String::from_utf8_lossy(&out.stdout).replace('\r', "");
    let log = std::fs::read_to_string(dir.join("replica.log")).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        out.status.success(),
        "{text}\n{}\n{log}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("== up 1"), "{text}\n{log}");
    let section = |name: &str| {
        let start = text.find(&format!("== {name}\n")).unwrap();
        text[start..]
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with("== "))
            .collect::<Vec<_>>()
    };
    let field = |lines: &[&str], k: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{k}:")))
            .map(str::to_string)
    };
    let master = section("master");
    let replica = section("replica");
    assert_eq!(field(&master, "role").as_deref(), Some("master"));
    assert_eq!(field(&master, "connected_slaves").as_deref(), Some("1"));
    let slave0 = field(&master, "slave0").unwrap();
    assert!(
        slave0.starts_with("ip=127.0.0.1,port=6380,state=online,offset="),
        "{slave0}"
    );
    assert_eq!(field(&replica, "role").as_deref(), Some("slave"));
    assert_eq!(field(&replica, "master_host").as_deref(), Some("127.0.0.1"));
    assert_eq!(field(&replica, "master_port").as_deref(), Some("6379"));
    assert_eq!(field(&replica, "master_link_status").as_deref(), Some("up"));
    assert_eq!(field(&replica, "slave_read_only").as_deref(), Some("1"));
    assert_eq!(
        field(&replica, "master_replid"),
        field(&master, "master_replid")
    );
    assert_eq!(
        field(&replica, "slave_repl_offset"),
        field(&master, "master_repl_offset"),
        "{text}"
    );
    assert_eq!(section("get"), ["hello", "1"]);
}
