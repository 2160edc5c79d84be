//! Sorted-set commands against a sans-IO `Server`: byte-exact replies (the tables were
//! recorded from redis-server 7.0.15), encodings, and the replication stream.

use replscope_core::config::Config;
use replscope_core::keyspace::Value;

mod support;
use support::{bulks, H};

impl H {
    fn put_string(&mut self, key: &str) {
        self.srv.state_mut().keyspace.dbs[0].set(key.as_bytes(), Value::string(b"x"), false);
    }
}

const WRONGTYPE: &[u8] = b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

type Step = (&'static [&'static str], &'static [u8]);

/// Replies of redis-server 7.0.15 to this script with the default configuration (small sets
/// are listpacks). `str` is a set, so sorted-set commands on it get WRONGTYPE.
const SCRIPT_LISTPACK: &[Step] = &[
    (&["sadd", "str", "x"], b":1\r\n"),
    (&["zadd", "z", "nx", "xx", "1", "a"], b"-ERR XX and NX options at the same time are not compatible\r\n"),
    (&["zadd", "z", "nx", "gt", "1", "a"], b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
    (&["zadd", "z", "gt", "lt", "1", "a"], b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
    (&["zadd", "z", "lt", "nx", "1", "a"], b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
    (&["zadd", "z", "xx", "gt", "1", "a"], b":0\r\n"),
    (&["zadd", "z", "incr", "1", "a", "2", "b"], b"-ERR INCR option supports a single increment-element pair\r\n"),
    (&["zadd", "z", "nx"], b"-ERR wrong number of arguments for 'zadd' command\r\n"),
    (&["zadd", "z", "1", "a", "2"], b"-ERR syntax error\r\n"),
    (&["zadd", "z", "x", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "nan", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "1e400", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "1e-400", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "0x10", "a"], b":1\r\n"),
    (&["zadd", "z", " 1", "b"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "1 ", "b"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "", "b"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "1.1", "c"], b":1\r\n"),
    (&["zscore", "z", "a"], b"$2\r\n16\r\n"),
    (&["zscore", "z", "c"], b"$18\r\n1.1000000000000001\r\n"),
    (&["zadd", "z", "inf", "i"], b":1\r\n"),
    (&["zadd", "z", "incr", "-inf", "i"], b"-ERR resulting score is not a number (NaN)\r\n"),
    (&["zscore", "z", "i"], b"$3\r\ninf\r\n"),
    (&["zadd", "str", "1", "a"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zadd", "z", "nx", "xx", "1", "a", "2"], b"-ERR syntax error\r\n"),
    (&["zadd", "z", "incr", "x", "a", "2", "b"], b"-ERR INCR option supports a single increment-element pair\r\n"),
    (&["zincrby", "z", "1"], b"-ERR wrong number of arguments for 'zincrby' command\r\n"),
    (&["zincrby", "z", "x", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zincrby", "z", "1", "a"], b"$2\r\n17\r\n"),
    (&["zincrby", "missing", "2.5", "m"], b"$3\r\n2.5\r\n"),
    (&["zadd", "z", "xx", "incr", "1", "nosuch"], b"$-1\r\n"),
    (&["zadd", "z", "gt", "incr", "-1", "a"], b"$-1\r\n"),
    (&["zadd", "z", "gt", "ch", "100", "a", "1", "new"], b":2\r\n"),
    (&["zadd", "z", "lt", "ch", "100", "a", "1", "new"], b":0\r\n"),
    (&["zadd", "z", "lt", "ch", "50", "a", "1", "new"], b":1\r\n"),
    (&["zadd", "z", "-0", "negz"], b":1\r\n"),
    (&["zscore", "z", "negz"], b"$1\r\n0\r\n"),
    (&["zadd", "z", "incr", "-0", "negz2"], b"$2\r\n-0\r\n"),
    (&["zadd", "z", "CH", "NX", "1", "a", "1", "b2"], b":1\r\n"),
    (&["zadd", "xxz", "xx", "1", "a"], b":0\r\n"),
    (&["zcard", "xxz"], b":0\r\n"),
    (&["zrange", "z", "0", "-1", "withscores"], b"*14\r\n$4\r\nnegz\r\n$1\r\n0\r\n$5\r\nnegz2\r\n$1\r\n0\r\n$2\r\nb2\r\n$1\r\n1\r\n$3\r\nnew\r\n$1\r\n1\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$1\r\na\r\n$2\r\n50\r\n$1\r\ni\r\n$3\r\ninf\r\n"),
    (&["zadd", "z", "1e20", "big", "1.5e-7", "small", "123456789012345678", "bi", "0.1", "p1", "-2.5", "neg", "1e-5", "tiny", "4503599627370496", "p52", "9007199254740993", "p53"], b":8\r\n"),
    (&["zrange", "z", "0", "-1", "withscores"], b"*30\r\n$3\r\nneg\r\n$4\r\n-2.5\r\n$4\r\nnegz\r\n$1\r\n0\r\n$5\r\nnegz2\r\n$1\r\n0\r\n$5\r\nsmall\r\n$22\r\n1.4999999999999999e-07\r\n$4\r\ntiny\r\n$22\r\n1.0000000000000001e-05\r\n$2\r\np1\r\n$19\r\n0.10000000000000001\r\n$2\r\nb2\r\n$1\r\n1\r\n$3\r\nnew\r\n$1\r\n1\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$1\r\na\r\n$2\r\n50\r\n$3\r\np52\r\n$16\r\n4503599627370496\r\n$3\r\np53\r\n$16\r\n9007199254740992\r\n$2\r\nbi\r\n$22\r\n1.2345678901234568e+17\r\n$3\r\nbig\r\n$5\r\n1e+20\r\n$1\r\ni\r\n$3\r\ninf\r\n"),
    (&["zrevrange", "z", "0", "-1", "withscores"], b"*30\r\n$1\r\ni\r\n$3\r\ninf\r\n$3\r\nbig\r\n$5\r\n1e+20\r\n$2\r\nbi\r\n$22\r\n1.2345678901234568e+17\r\n$3\r\np53\r\n$16\r\n9007199254740992\r\n$3\r\np52\r\n$16\r\n4503599627370496\r\n$1\r\na\r\n$2\r\n50\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$3\r\nnew\r\n$1\r\n1\r\n$2\r\nb2\r\n$1\r\n1\r\n$2\r\np1\r\n$19\r\n0.10000000000000001\r\n$4\r\ntiny\r\n$22\r\n1.0000000000000001e-05\r\n$5\r\nsmall\r\n$22\r\n1.4999999999999999e-07\r\n$5\r\nnegz2\r\n$1\r\n0\r\n$4\r\nnegz\r\n$1\r\n0\r\n$3\r\nneg\r\n$4\r\n-2.5\r\n"),
    (&["zrange", "z", "0", "-1", "limit", "0", "1"], b"-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
    (&["zrange", "z", "0", "-1", "bylex", "withscores"], b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
    (&["zrange", "z", "0", "-1", "bylex", "withscores", "limit", "0", "1"], b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
    (&["zrange", "z", "x", "1"], b"-ERR value is not an integer or out of range\r\n"),
    (&["zrange", "z", "0", "1", "byscore", "rev", "limit", "x", "1"], b"-ERR value is not an integer or out of range\r\n"),
    (&["zrange", "z", "0", "1", "foo"], b"-ERR syntax error\r\n"),
    (&["zrange", "z", "0", "1", "limit", "0"], b"-ERR syntax error\r\n"),
    (&["zrange", "z", "a", "b", "byscore"], b"-ERR min or max is not a float\r\n"),
    (&["zrange", "z", "a", "b", "bylex"], b"-ERR min or max not valid string range item\r\n"),
    (&["zrange", "z", "(1", "[3", "bylex"], b"*0\r\n"),
    (&["zrange", "str", "0", "-1"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zrange", "str", "x", "-1"], b"-ERR value is not an integer or out of range\r\n"),
    (&["zrange", "missing", "0", "-1"], b"*1\r\n$1\r\nm\r\n"),
    (&["zrange", "z", "5", "1", "byscore", "rev", "withscores"], b"*6\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$3\r\nnew\r\n$1\r\n1\r\n$2\r\nb2\r\n$1\r\n1\r\n"),
    (&["zrange", "z", "(5", "(1", "byscore", "rev", "limit", "1", "2"], b"*0\r\n"),
    (&["zrange", "z", "-inf", "+inf", "byscore", "limit", "-1", "2"], b"*0\r\n"),
    (&["zrange", "z", "-inf", "+inf", "byscore", "limit", "1", "-5"], b"*14\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n$2\r\np1\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n$1\r\na\r\n$3\r\np52\r\n$3\r\np53\r\n$2\r\nbi\r\n$3\r\nbig\r\n$1\r\ni\r\n"),
    (&["zrange", "z", "-inf", "+inf", "byscore", "limit", "50", "1"], b"*0\r\n"),
    (&["zrange", "z", "-inf", "+inf", "byscore", "limit", "4", "1", "withscores"], b"*2\r\n$4\r\ntiny\r\n$22\r\n1.0000000000000001e-05\r\n"),
    (&["zrevrange", "z", "0", "1", "rev"], b"-ERR syntax error\r\n"),
    (&["zrangebyscore", "z", "0", "1", "byscore"], b"-ERR syntax error\r\n"),
    (&["zrangebyscore", "z", "0", "10", "withscores", "limit", "1", "1"], b"*2\r\n$5\r\nnegz2\r\n$1\r\n0\r\n"),
    (&["zrangebyscore", "z", "", ""], b"*2\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n"),
    (&["zrangebyscore", "z", "(", "("], b"*0\r\n"),
    (&["zrangebyscore", "z", " 1", "2"], b"*3\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n"),
    (&["zrangebyscore", "z", "0x1", "2"], b"*3\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n"),
    (&["zrangebyscore", "z", "1", " "], b"-ERR min or max is not a float\r\n"),
    (&["zrangebyscore", "z", "1", "nan"], b"-ERR min or max is not a float\r\n"),
    (&["zrangebyscore", "z", "-inf", "1e400"], b"*15\r\n$3\r\nneg\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n$2\r\np1\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n$1\r\na\r\n$3\r\np52\r\n$3\r\np53\r\n$2\r\nbi\r\n$3\r\nbig\r\n$1\r\ni\r\n"),
    (&["zrangebyscore", "z", "(-inf", "(+inf"], b"*14\r\n$3\r\nneg\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n$2\r\np1\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n$1\r\na\r\n$3\r\np52\r\n$3\r\np53\r\n$2\r\nbi\r\n$3\r\nbig\r\n"),
    (&["zrangebyscore", "z", "(inf", "+inf"], b"*0\r\n"),
    (&["zrangebyscore", "z", "-inf", "-inf"], b"*0\r\n"),
    (&["zrangebyscore", "z", "1", "2", "limit", "0"], b"-ERR syntax error\r\n"),
    (&["zrangebyscore", "z", "(1.1000000000000001", "100"], b"*1\r\n$1\r\na\r\n"),
    (&["zrangebyscore", "z", "(0", "(0.1"], b"*2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n"),
    (&["zrevrangebyscore", "z", "100", "(1"], b"*2\r\n$1\r\na\r\n$1\r\nc\r\n"),
    (&["zrevrangebyscore", "z", "(100", "1", "withscores", "limit", "1", "2"], b"*4\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$3\r\nnew\r\n$1\r\n1\r\n"),
    (&["zcount", "z", "(1", "100"], b":2\r\n"),
    (&["zcount", "z", "-inf", "+inf"], b":15\r\n"),
    (&["zcount", "z", "x", "3"], b"-ERR min or max is not a float\r\n"),
    (&["zcount", "missing", "1", "2"], b":0\r\n"),
    (&["zcount", "str", "1", "2"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zcount", "str", "x", "2"], b"-ERR min or max is not a float\r\n"),
    (&["zrange", "z", "-2", "-1"], b"*2\r\n$3\r\nbig\r\n$1\r\ni\r\n"),
    (&["zrange", "z", "3", "1"], b"*0\r\n"),
    (&["zrange", "z", "-100", "100"], b"*15\r\n$3\r\nneg\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n$2\r\np1\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n$1\r\na\r\n$3\r\np52\r\n$3\r\np53\r\n$2\r\nbi\r\n$3\r\nbig\r\n$1\r\ni\r\n"),
    (&["zrange", "z", "0", "1", "rev"], b"*2\r\n$1\r\ni\r\n$3\r\nbig\r\n"),
    (&["zrange", "z", "1", "5", "byscore", "rev"], b"*0\r\n"),
    (&["zrange", "z", "5", "1", "byscore", "rev"], b"*3\r\n$1\r\nc\r\n$3\r\nnew\r\n$2\r\nb2\r\n"),
    (&["zrank", "z", "a"], b":9\r\n"),
    (&["zrank", "z", "nope"], b"$-1\r\n"),
    (&["zrevrank", "z", "a"], b":5\r\n"),
    (&["zrank", "missing", "a"], b"$-1\r\n"),
    (&["zrank", "str", "a"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zmscore", "z", "a", "nope", "c"], b"*3\r\n$2\r\n50\r\n$-1\r\n$18\r\n1.1000000000000001\r\n"),
    (&["zmscore", "missing", "a"], b"*1\r\n$-1\r\n"),
    (&["zmscore", "str", "a"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zscore", "missing", "a"], b"$-1\r\n"),
    (&["zcard", "z"], b":15\r\n"),
    (&["zcard", "missing"], b":1\r\n"),
    (&["zcard", "str"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zrem", "z", "nope"], b":0\r\n"),
    (&["zrem", "missing", "a"], b":0\r\n"),
    (&["zrem", "str", "a"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zrem", "z", "a", "c", "nope"], b":2\r\n"),
    (&["zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f", "0", "ab"], b":7\r\n"),
    (&["zrangebylex", "l", "-", "+"], b"*7\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"),
    (&["zrangebylex", "l", "-", "+", "withscores"], b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
    (&["zrangebylex", "l", "a", "+"], b"-ERR min or max not valid string range item\r\n"),
    (&["zrangebylex", "l", "", "+"], b"-ERR min or max not valid string range item\r\n"),
    (&["zrangebylex", "l", "[a", "(c"], b"*3\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n"),
    (&["zrangebylex", "l", "(a", "[c"], b"*3\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    (&["zrevrangebylex", "l", "+", "-", "limit", "1", "2"], b"*2\r\n$1\r\ne\r\n$1\r\nd\r\n"),
    (&["zrevrangebylex", "l", "(c", "[a"], b"*3\r\n$1\r\nb\r\n$2\r\nab\r\n$1\r\na\r\n"),
    (&["zrevrangebylex", "l", "[c", "(a"], b"*3\r\n$1\r\nc\r\n$1\r\nb\r\n$2\r\nab\r\n"),
    (&["zrangebylex", "l", "[c", "[a"], b"*0\r\n"),
    (&["zrangebylex", "l", "+", "-"], b"*0\r\n"),
    (&["zrangebylex", "l", "-", "-"], b"*0\r\n"),
    (&["zrangebylex", "l", "(a", "(a"], b"*0\r\n"),
    (&["zrangebylex", "l", "[a", "[a"], b"*1\r\n$1\r\na\r\n"),
    (&["zrangebylex", "l", "[b", "+", "limit", "1", "-1"], b"*4\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"),
    (&["zrangebylex", "l", "[b", "+", "limit", "-1", "1"], b"*0\r\n"),
    (&["zlexcount", "l", "-", "+"], b":7\r\n"),
    (&["zlexcount", "l", "[b", "(e"], b":3\r\n"),
    (&["zlexcount", "l", "x", "+"], b"-ERR min or max not valid string range item\r\n"),
    (&["zlexcount", "missing", "-", "+"], b":1\r\n"),
    (&["zlexcount", "str", "-", "+"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zrange", "l", "[b", "[d", "bylex", "rev"], b"*0\r\n"),
    (&["zrange", "l", "[d", "[b", "bylex", "rev"], b"*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
    (&["zrange", "l", "[b", "[d", "bylex", "limit", "1", "1"], b"*1\r\n$1\r\nc\r\n"),
    (&["zpopmin", "l"], b"*2\r\n$1\r\na\r\n$1\r\n0\r\n"),
    (&["zpopmax", "l", "2"], b"*4\r\n$1\r\nf\r\n$1\r\n0\r\n$1\r\ne\r\n$1\r\n0\r\n"),
    (&["zpopmin", "l", "0"], b"*0\r\n"),
    (&["zpopmin", "l", "-1"], b"-ERR value is out of range, must be positive\r\n"),
    (&["zpopmin", "missing", "-1"], b"-ERR value is out of range, must be positive\r\n"),
    (&["zpopmin", "missing"], b"*2\r\n$1\r\nm\r\n$3\r\n2.5\r\n"),
    (&["zpopmin", "missing", "0"], b"*0\r\n"),
    (&["zpopmin", "str", "0"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zpopmin", "str", "-1"], b"-ERR value is out of range, must be positive\r\n"),
    (&["zpopmin", "l", "x"], b"-ERR value is out of range, must be positive\r\n"),
    (&["zpopmin", "l", "1", "2"], b"-ERR syntax error\r\n"),
    (&["zpopmin", "l", "10"], b"*8\r\n$2\r\nab\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$1\r\n0\r\n"),
    (&["zcard", "l"], b":0\r\n"),
    (&["zadd", "r", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"], b":5\r\n"),
    (&["zremrangebyrank", "r", "0", "0"], b":1\r\n"),
    (&["zremrangebyrank", "r", "-1", "-1"], b":1\r\n"),
    (&["zremrangebyrank", "r", "5", "10"], b":0\r\n"),
    (&["zremrangebyrank", "r", "x", "1"], b"-ERR value is not an integer or out of range\r\n"),
    (&["zremrangebyscore", "r", "(2", "3"], b":1\r\n"),
    (&["zremrangebyscore", "r", "x", "3"], b"-ERR min or max is not a float\r\n"),
    (&["zremrangebylex", "r", "-", "[b"], b":1\r\n"),
    (&["zremrangebylex", "r", "x", "+"], b"-ERR min or max not valid string range item\r\n"),
    (&["zrange", "r", "0", "-1", "withscores"], b"*2\r\n$1\r\nd\r\n$1\r\n4\r\n"),
    (&["zremrangebyrank", "r", "0", "-1"], b":1\r\n"),
    (&["zcard", "r"], b":0\r\n"),
    (&["zremrangebyrank", "str", "0", "-1"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zremrangebyrank", "missing", "0", "-1"], b":0\r\n"),
    (&["zadd", "s2", "1", "a"], b":1\r\n"),
    (&["zincrby", "s2", "inf", "a"], b"$3\r\ninf\r\n"),
    (&["zincrby", "s2", "-inf", "a"], b"-ERR resulting score is not a number (NaN)\r\n"),
    (&["zincrby", "s2", "1.5", "b"], b"$3\r\n1.5\r\n"),
    (&["zincrby", "s2", "0.1", "b"], b"$18\r\n1.6000000000000001\r\n"),
    (&["zincrby", "s2", "0.2", "b"], b"$3\r\n1.8\r\n"),
    (&["zrange", "s2", "0", "-1", "withscores"], b"*4\r\n$1\r\nb\r\n$3\r\n1.8\r\n$1\r\na\r\n$3\r\ninf\r\n"),
    (&["zadd", "s3", "2", "b", "1", "a", "3", "c"], b":3\r\n"),
    (&["zadd", "s3", "gt", "0", "a", "5", "b"], b":0\r\n"),
    (&["zadd", "s3", "lt", "0", "a", "5", "b"], b":0\r\n"),
    (&["zadd", "s3", "xx", "ch", "7", "a", "7", "zz"], b":1\r\n"),
    (&["zrange", "s3", "0", "-1", "withscores"], b"*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n5\r\n$1\r\na\r\n$1\r\n7\r\n"),
    (&["zadd", "s3", "incr", "nx", "1", "a"], b"$-1\r\n"),
    (&["zadd", "s3", "incr", "nx", "1", "q"], b"$1\r\n1\r\n"),

];

/// The same script with `zset-max-listpack-entries 0` (every sorted set is a skiplist): only
/// `-0` differs, a skiplist keeps the sign where a listpack stores the integer 0.
const SCRIPT_SKIPLIST: &[Step] = &[
    (&["sadd", "str", "x"], b":1\r\n"),
    (&["zadd", "z", "nx", "xx", "1", "a"], b"-ERR XX and NX options at the same time are not compatible\r\n"),
    (&["zadd", "z", "nx", "gt", "1", "a"], b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
    (&["zadd", "z", "gt", "lt", "1", "a"], b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
    (&["zadd", "z", "lt", "nx", "1", "a"], b"-ERR GT, LT, and/or NX options at the same time are not compatible\r\n"),
    (&["zadd", "z", "xx", "gt", "1", "a"], b":0\r\n"),
    (&["zadd", "z", "incr", "1", "a", "2", "b"], b"-ERR INCR option supports a single increment-element pair\r\n"),
    (&["zadd", "z", "nx"], b"-ERR wrong number of arguments for 'zadd' command\r\n"),
    (&["zadd", "z", "1", "a", "2"], b"-ERR syntax error\r\n"),
    (&["zadd", "z", "x", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "nan", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "1e400", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "1e-400", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "0x10", "a"], b":1\r\n"),
    (&["zadd", "z", " 1", "b"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "1 ", "b"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "", "b"], b"-ERR value is not a valid float\r\n"),
    (&["zadd", "z", "1.1", "c"], b":1\r\n"),
    (&["zscore", "z", "a"], b"$2\r\n16\r\n"),
    (&["zscore", "z", "c"], b"$18\r\n1.1000000000000001\r\n"),
    (&["zadd", "z", "inf", "i"], b":1\r\n"),
    (&["zadd", "z", "incr", "-inf", "i"], b"-ERR resulting score is not a number (NaN)\r\n"),
    (&["zscore", "z", "i"], b"$3\r\ninf\r\n"),
    (&["zadd", "str", "1", "a"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zadd", "z", "nx", "xx", "1", "a", "2"], b"-ERR syntax error\r\n"),
    (&["zadd", "z", "incr", "x", "a", "2", "b"], b"-ERR INCR option supports a single increment-element pair\r\n"),
    (&["zincrby", "z", "1"], b"-ERR wrong number of arguments for 'zincrby' command\r\n"),
    (&["zincrby", "z", "x", "a"], b"-ERR value is not a valid float\r\n"),
    (&["zincrby", "z", "1", "a"], b"$2\r\n17\r\n"),
    (&["zincrby", "missing", "2.5", "m"], b"$3\r\n2.5\r\n"),
    (&["zadd", "z", "xx", "incr", "1", "nosuch"], b"$-1\r\n"),
    (&["zadd", "z", "gt", "incr", "-1", "a"], b"$-1\r\n"),
    (&["zadd", "z", "gt", "ch", "100", "a", "1", "new"], b":2\r\n"),
    (&["zadd", "z", "lt", "ch", "100", "a", "1", "new"], b":0\r\n"),
    (&["zadd", "z", "lt", "ch", "50", "a", "1", "new"], b":1\r\n"),
    (&["zadd", "z", "-0", "negz"], b":1\r\n"),
    (&["zscore", "z", "negz"], b"$2\r\n-0\r\n"),
    (&["zadd", "z", "incr", "-0", "negz2"], b"$2\r\n-0\r\n"),
    (&["zadd", "z", "CH", "NX", "1", "a", "1", "b2"], b":1\r\n"),
    (&["zadd", "xxz", "xx", "1", "a"], b":0\r\n"),
    (&["zcard", "xxz"], b":0\r\n"),
    (&["zrange", "z", "0", "-1", "withscores"], b"*14\r\n$4\r\nnegz\r\n$2\r\n-0\r\n$5\r\nnegz2\r\n$2\r\n-0\r\n$2\r\nb2\r\n$1\r\n1\r\n$3\r\nnew\r\n$1\r\n1\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$1\r\na\r\n$2\r\n50\r\n$1\r\ni\r\n$3\r\ninf\r\n"),
    (&["zadd", "z", "1e20", "big", "1.5e-7", "small", "123456789012345678", "bi", "0.1", "p1", "-2.5", "neg", "1e-5", "tiny", "4503599627370496", "p52", "9007199254740993", "p53"], b":8\r\n"),
    (&["zrange", "z", "0", "-1", "withscores"], b"*30\r\n$3\r\nneg\r\n$4\r\n-2.5\r\n$4\r\nnegz\r\n$2\r\n-0\r\n$5\r\nnegz2\r\n$2\r\n-0\r\n$5\r\nsmall\r\n$22\r\n1.4999999999999999e-07\r\n$4\r\ntiny\r\n$22\r\n1.0000000000000001e-05\r\n$2\r\np1\r\n$19\r\n0.10000000000000001\r\n$2\r\nb2\r\n$1\r\n1\r\n$3\r\nnew\r\n$1\r\n1\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$1\r\na\r\n$2\r\n50\r\n$3\r\np52\r\n$16\r\n4503599627370496\r\n$3\r\np53\r\n$16\r\n9007199254740992\r\n$2\r\nbi\r\n$22\r\n1.2345678901234568e+17\r\n$3\r\nbig\r\n$5\r\n1e+20\r\n$1\r\ni\r\n$3\r\ninf\r\n"),
    (&["zrevrange", "z", "0", "-1", "withscores"], b"*30\r\n$1\r\ni\r\n$3\r\ninf\r\n$3\r\nbig\r\n$5\r\n1e+20\r\n$2\r\nbi\r\n$22\r\n1.2345678901234568e+17\r\n$3\r\np53\r\n$16\r\n9007199254740992\r\n$3\r\np52\r\n$16\r\n4503599627370496\r\n$1\r\na\r\n$2\r\n50\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$3\r\nnew\r\n$1\r\n1\r\n$2\r\nb2\r\n$1\r\n1\r\n$2\r\np1\r\n$19\r\n0.10000000000000001\r\n$4\r\ntiny\r\n$22\r\n1.0000000000000001e-05\r\n$5\r\nsmall\r\n$22\r\n1.4999999999999999e-07\r\n$5\r\nnegz2\r\n$2\r\n-0\r\n$4\r\nnegz\r\n$2\r\n-0\r\n$3\r\nneg\r\n$4\r\n-2.5\r\n"),
    (&["zrange", "z", "0", "-1", "limit", "0", "1"], b"-ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX\r\n"),
    (&["zrange", "z", "0", "-1", "bylex", "withscores"], b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
    (&["zrange", "z", "0", "-1", "bylex", "withscores", "limit", "0", "1"], b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
    (&["zrange", "z", "x", "1"], b"-ERR value is not an integer or out of range\r\n"),
    (&["zrange", "z", "0", "1", "byscore", "rev", "limit", "x", "1"], b"-ERR value is not an integer or out of range\r\n"),
    (&["zrange", "z", "0", "1", "foo"], b"-ERR syntax error\r\n"),
    (&["zrange", "z", "0", "1", "limit", "0"], b"-ERR syntax error\r\n"),
    (&["zrange", "z", "a", "b", "byscore"], b"-ERR min or max is not a float\r\n"),
    (&["zrange", "z", "a", "b", "bylex"], b"-ERR min or max not valid string range item\r\n"),
    (&["zrange", "z", "(1", "[3", "bylex"], b"*0\r\n"),
    (&["zrange", "str", "0", "-1"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zrange", "str", "x", "-1"], b"-ERR value is not an integer or out of range\r\n"),
    (&["zrange", "missing", "0", "-1"], b"*1\r\n$1\r\nm\r\n"),
    (&["zrange", "z", "5", "1", "byscore", "rev", "withscores"], b"*6\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$3\r\nnew\r\n$1\r\n1\r\n$2\r\nb2\r\n$1\r\n1\r\n"),
    (&["zrange", "z", "(5", "(1", "byscore", "rev", "limit", "1", "2"], b"*0\r\n"),
    (&["zrange", "z", "-inf", "+inf", "byscore", "limit", "-1", "2"], b"*0\r\n"),
    (&["zrange", "z", "-inf", "+inf", "byscore", "limit", "1", "-5"], b"*14\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n$2\r\np1\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n$1\r\na\r\n$3\r\np52\r\n$3\r\np53\r\n$2\r\nbi\r\n$3\r\nbig\r\n$1\r\ni\r\n"),
    (&["zrange", "z", "-inf", "+inf", "byscore", "limit", "50", "1"], b"*0\r\n"),
    (&["zrange", "z", "-inf", "+inf", "byscore", "limit", "4", "1", "withscores"], b"*2\r\n$4\r\ntiny\r\n$22\r\n1.0000000000000001e-05\r\n"),
    (&["zrevrange", "z", "0", "1", "rev"], b"-ERR syntax error\r\n"),
    (&["zrangebyscore", "z", "0", "1", "byscore"], b"-ERR syntax error\r\n"),
    (&["zrangebyscore", "z", "0", "10", "withscores", "limit", "1", "1"], b"*2\r\n$5\r\nnegz2\r\n$2\r\n-0\r\n"),
    (&["zrangebyscore", "z", "", ""], b"*2\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n"),
    (&["zrangebyscore", "z", "(", "("], b"*0\r\n"),
    (&["zrangebyscore", "z", " 1", "2"], b"*3\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n"),
    (&["zrangebyscore", "z", "0x1", "2"], b"*3\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n"),
    (&["zrangebyscore", "z", "1", " "], b"-ERR min or max is not a float\r\n"),
    (&["zrangebyscore", "z", "1", "nan"], b"-ERR min or max is not a float\r\n"),
    (&["zrangebyscore", "z", "-inf", "1e400"], b"*15\r\n$3\r\nneg\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n$2\r\np1\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n$1\r\na\r\n$3\r\np52\r\n$3\r\np53\r\n$2\r\nbi\r\n$3\r\nbig\r\n$1\r\ni\r\n"),
    (&["zrangebyscore", "z", "(-inf", "(+inf"], b"*14\r\n$3\r\nneg\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n$2\r\np1\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n$1\r\na\r\n$3\r\np52\r\n$3\r\np53\r\n$2\r\nbi\r\n$3\r\nbig\r\n"),
    (&["zrangebyscore", "z", "(inf", "+inf"], b"*0\r\n"),
    (&["zrangebyscore", "z", "-inf", "-inf"], b"*0\r\n"),
    (&["zrangebyscore", "z", "1", "2", "limit", "0"], b"-ERR syntax error\r\n"),
    (&["zrangebyscore", "z", "(1.1000000000000001", "100"], b"*1\r\n$1\r\na\r\n"),
    (&["zrangebyscore", "z", "(0", "(0.1"], b"*2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n"),
    (&["zrevrangebyscore", "z", "100", "(1"], b"*2\r\n$1\r\na\r\n$1\r\nc\r\n"),
    (&["zrevrangebyscore", "z", "(100", "1", "withscores", "limit", "1", "2"], b"*4\r\n$1\r\nc\r\n$18\r\n1.1000000000000001\r\n$3\r\nnew\r\n$1\r\n1\r\n"),
    (&["zcount", "z", "(1", "100"], b":2\r\n"),
    (&["zcount", "z", "-inf", "+inf"], b":15\r\n"),
    (&["zcount", "z", "x", "3"], b"-ERR min or max is not a float\r\n"),
    (&["zcount", "missing", "1", "2"], b":0\r\n"),
    (&["zcount", "str", "1", "2"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zcount", "str", "x", "2"], b"-ERR min or max is not a float\r\n"),
    (&["zrange", "z", "-2", "-1"], b"*2\r\n$3\r\nbig\r\n$1\r\ni\r\n"),
    (&["zrange", "z", "3", "1"], b"*0\r\n"),
    (&["zrange", "z", "-100", "100"], b"*15\r\n$3\r\nneg\r\n$4\r\nnegz\r\n$5\r\nnegz2\r\n$5\r\nsmall\r\n$4\r\ntiny\r\n$2\r\np1\r\n$2\r\nb2\r\n$3\r\nnew\r\n$1\r\nc\r\n$1\r\na\r\n$3\r\np52\r\n$3\r\np53\r\n$2\r\nbi\r\n$3\r\nbig\r\n$1\r\ni\r\n"),
    (&["zrange", "z", "0", "1", "rev"], b"*2\r\n$1\r\ni\r\n$3\r\nbig\r\n"),
    (&["zrange", "z", "1", "5", "byscore", "rev"], b"*0\r\n"),
    (&["zrange", "z", "5", "1", "byscore", "rev"], b"*3\r\n$1\r\nc\r\n$3\r\nnew\r\n$2\r\nb2\r\n"),
    (&["zrank", "z", "a"], b":9\r\n"),
    (&["zrank", "z", "nope"], b"$-1\r\n"),
    (&["zrevrank", "z", "a"], b":5\r\n"),
    (&["zrank", "missing", "a"], b"$-1\r\n"),
    (&["zrank", "str", "a"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zmscore", "z", "a", "nope", "c"], b"*3\r\n$2\r\n50\r\n$-1\r\n$18\r\n1.1000000000000001\r\n"),
    (&["zmscore", "missing", "a"], b"*1\r\n$-1\r\n"),
    (&["zmscore", "str", "a"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zscore", "missing", "a"], b"$-1\r\n"),
    (&["zcard", "z"], b":15\r\n"),
    (&["zcard", "missing"], b":1\r\n"),
    (&["zcard", "str"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zrem", "z", "nope"], b":0\r\n"),
    (&["zrem", "missing", "a"], b":0\r\n"),
    (&["zrem", "str", "a"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zrem", "z", "a", "c", "nope"], b":2\r\n"),
    (&["zadd", "l", "0", "a", "0", "b", "0", "c", "0", "d", "0", "e", "0", "f", "0", "ab"], b":7\r\n"),
    (&["zrangebylex", "l", "-", "+"], b"*7\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"),
    (&["zrangebylex", "l", "-", "+", "withscores"], b"-ERR syntax error, WITHSCORES not supported in combination with BYLEX\r\n"),
    (&["zrangebylex", "l", "a", "+"], b"-ERR min or max not valid string range item\r\n"),
    (&["zrangebylex", "l", "", "+"], b"-ERR min or max not valid string range item\r\n"),
    (&["zrangebylex", "l", "[a", "(c"], b"*3\r\n$1\r\na\r\n$2\r\nab\r\n$1\r\nb\r\n"),
    (&["zrangebylex", "l", "(a", "[c"], b"*3\r\n$2\r\nab\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    (&["zrevrangebylex", "l", "+", "-", "limit", "1", "2"], b"*2\r\n$1\r\ne\r\n$1\r\nd\r\n"),
    (&["zrevrangebylex", "l", "(c", "[a"], b"*3\r\n$1\r\nb\r\n$2\r\nab\r\n$1\r\na\r\n"),
    (&["zrevrangebylex", "l", "[c", "(a"], b"*3\r\n$1\r\nc\r\n$1\r\nb\r\n$2\r\nab\r\n"),
    (&["zrangebylex", "l", "[c", "[a"], b"*0\r\n"),
    (&["zrangebylex", "l", "+", "-"], b"*0\r\n"),
    (&["zrangebylex", "l", "-", "-"], b"*0\r\n"),
    (&["zrangebylex", "l", "(a", "(a"], b"*0\r\n"),
    (&["zrangebylex", "l", "[a", "[a"], b"*1\r\n$1\r\na\r\n"),
    (&["zrangebylex", "l", "[b", "+", "limit", "1", "-1"], b"*4\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n$1\r\nf\r\n"),
    (&["zrangebylex", "l", "[b", "+", "limit", "-1", "1"], b"*0\r\n"),
    (&["zlexcount", "l", "-", "+"], b":7\r\n"),
    (&["zlexcount", "l", "[b", "(e"], b":3\r\n"),
    (&["zlexcount", "l", "x", "+"], b"-ERR min or max not valid string range item\r\n"),
    (&["zlexcount", "missing", "-", "+"], b":1\r\n"),
    (&["zlexcount", "str", "-", "+"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zrange", "l", "[b", "[d", "bylex", "rev"], b"*0\r\n"),
    (&["zrange", "l", "[d", "[b", "bylex", "rev"], b"*3\r\n$1\r\nd\r\n$1\r\nc\r\n$1\r\nb\r\n"),
    (&["zrange", "l", "[b", "[d", "bylex", "limit", "1", "1"], b"*1\r\n$1\r\nc\r\n"),
    (&["zpopmin", "l"], b"*2\r\n$1\r\na\r\n$1\r\n0\r\n"),
    (&["zpopmax", "l", "2"], b"*4\r\n$1\r\nf\r\n$1\r\n0\r\n$1\r\ne\r\n$1\r\n0\r\n"),
    (&["zpopmin", "l", "0"], b"*0\r\n"),
    (&["zpopmin", "l", "-1"], b"-ERR value is out of range, must be positive\r\n"),
    (&["zpopmin", "missing", "-1"], b"-ERR value is out of range, must be positive\r\n"),
    (&["zpopmin", "missing"], b"*2\r\n$1\r\nm\r\n$3\r\n2.5\r\n"),
    (&["zpopmin", "missing", "0"], b"*0\r\n"),
    (&["zpopmin", "str", "0"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zpopmin", "str", "-1"], b"-ERR value is out of range, must be positive\r\n"),
    (&["zpopmin", "l", "x"], b"-ERR value is out of range, must be positive\r\n"),
    (&["zpopmin", "l", "1", "2"], b"-ERR syntax error\r\n"),
    (&["zpopmin", "l", "10"], b"*8\r\n$2\r\nab\r\n$1\r\n0\r\n$1\r\nb\r\n$1\r\n0\r\n$1\r\nc\r\n$1\r\n0\r\n$1\r\nd\r\n$1\r\n0\r\n"),
    (&["zcard", "l"], b":0\r\n"),
    (&["zadd", "r", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e"], b":5\r\n"),
    (&["zremrangebyrank", "r", "0", "0"], b":1\r\n"),
    (&["zremrangebyrank", "r", "-1", "-1"], b":1\r\n"),
    (&["zremrangebyrank", "r", "5", "10"], b":0\r\n"),
    (&["zremrangebyrank", "r", "x", "1"], b"-ERR value is not an integer or out of range\r\n"),
    (&["zremrangebyscore", "r", "(2", "3"], b":1\r\n"),
    (&["zremrangebyscore", "r", "x", "3"], b"-ERR min or max is not a float\r\n"),
    (&["zremrangebylex", "r", "-", "[b"], b":1\r\n"),
    (&["zremrangebylex", "r", "x", "+"], b"-ERR min or max not valid string range item\r\n"),
    (&["zrange", "r", "0", "-1", "withscores"], b"*2\r\n$1\r\nd\r\n$1\r\n4\r\n"),
    (&["zremrangebyrank", "r", "0", "-1"], b":1\r\n"),
    (&["zcard", "r"], b":0\r\n"),
    (&["zremrangebyrank", "str", "0", "-1"], b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    (&["zremrangebyrank", "missing", "0", "-1"], b":0\r\n"),
    (&["zadd", "s2", "1", "a"], b":1\r\n"),
    (&["zincrby", "s2", "inf", "a"], b"$3\r\ninf\r\n"),
    (&["zincrby", "s2", "-inf", "a"], b"-ERR resulting score is not a number (NaN)\r\n"),
    (&["zincrby", "s2", "1.5", "b"], b"$3\r\n1.5\r\n"),
    (&["zincrby", "s2", "0.1", "b"], b"$18\r\n1.6000000000000001\r\n"),
    (&["zincrby", "s2", "0.2", "b"], b"$3\r\n1.8\r\n"),
    (&["zrange", "s2", "0", "-1", "withscores"], b"*4\r\n$1\r\nb\r\n$3\r\n1.8\r\n$1\r\na\r\n$3\r\ninf\r\n"),
    (&["zadd", "s3", "2", "b", "1", "a", "3", "c"], b":3\r\n"),
    (&["zadd", "s3", "gt", "0", "a", "5", "b"], b":0\r\n"),
    (&["zadd", "s3", "lt", "0", "a", "5", "b"], b":0\r\n"),
    (&["zadd", "s3", "xx", "ch", "7", "a", "7", "zz"], b":1\r\n"),
    (&["zrange", "s3", "0", "-1", "withscores"], b"*6\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nb\r\n$1\r\n5\r\n$1\r\na\r\n$1\r\n7\r\n"),
    (&["zadd", "s3", "incr", "nx", "1", "a"], b"$-1\r\n"),
    (&["zadd", "s3", "incr", "nx", "1", "q"], b"$1\r\n1\r\n"),

];

fn run_script(h: &mut H, script: &[Step]) {
    for (args, expected) in script {
        let a: Vec<&[u8]> = args.iter().map(|s| s.as_bytes()).collect();
        let got = h.raw(&a);
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected),
            "reply to {args:?}"
        );
    }
}

#[test]
fn script_listpack_matches_redis() {
    let mut h = H::new();
    run_script(&mut h, SCRIPT_LISTPACK);
    assert_eq!(h.encoding("z"), "listpack");
}

#[test]
fn script_skiplist_matches_redis() {
    let cfg = Config {
        zset_max_listpack_entries: 0,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    run_script(&mut h, SCRIPT_SKIPLIST);
    assert_eq!(h.encoding("z"), "skiplist");
}

#[test]
fn scores_print_as_redis_7_0() {
    let mut h = H::new();
    h.check(
        "ZADD z 1.1 a 3 b -2.5 c inf d -inf e 1e20 f 0.1 g",
        b":7\r\n",
    );
    h.check("ZSCORE z a", b"$18\r\n1.1000000000000001\r\n");
    h.check("ZSCORE z b", b"$1\r\n3\r\n");
    h.check("ZSCORE z d", b"$3\r\ninf\r\n");
    h.check("ZSCORE z e", b"$4\r\n-inf\r\n");
    h.check("ZSCORE z f", b"$5\r\n1e+20\r\n");
    h.check("ZINCRBY z 0.2 g", b"$19\r\n0.30000000000000004\r\n");
    h.check("ZINCRBY z 1 nosuch", b"$1\r\n1\r\n");
    h.check(
        "ZMSCORE z a nope c",
        b"*3\r\n$18\r\n1.1000000000000001\r\n$-1\r\n$4\r\n-2.5\r\n",
    );
    h.check(
        "ZRANGE z 0 2 WITHSCORES",
        &bulks(&["e", "-inf", "c", "-2.5", "g", "0.30000000000000004"]),
    );
}

#[test]
fn equal_scores_order_bytewise() {
    for entries in [128, 0] {
        let cfg = Config {
            zset_max_listpack_entries: entries,
            ..Config::default()
        };
        let mut h = H::with_config(cfg);
        h.check("ZADD z 1 b 1 ab 1 a 1 B 0 z 1 aa", b":6\r\n");
        h.check("ZRANGE z 0 -1", &bulks(&["z", "B", "a", "aa", "ab", "b"]));
        h.check("ZREVRANGE z 0 1", &bulks(&["b", "ab"]));
        h.check("ZRANK z aa", b":3\r\n");
        h.check("ZREVRANK z aa", b":2\r\n");
        h.check("ZRANGEBYLEX z (a [ab", b"*0\r\n");
        h.check("ZRANGEBYSCORE z (0 1 LIMIT 1 2", &bulks(&["a", "aa"]));
    }
}

#[test]
fn encoding_transitions() {
    let cfg = Config {
        zset_max_listpack_entries: 2,
        zset_max_listpack_value: 3,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    // Duplicate pairs do not count: 7.0 converts on insertion only.
    h.check("ZADD d 1 a 1 a 1 a 1 a", b":1\r\n");
    assert_eq!(h.encoding("d"), "listpack");
    h.check("ZADD d 2 b", b":1\r\n");
    assert_eq!(h.encoding("d"), "listpack");
    h.check("ZADD d 3 c", b":1\r\n");
    assert_eq!(h.encoding("d"), "skiplist");
    // Never back, even when small again.
    h.check("ZREM d a b", b":2\r\n");
    assert_eq!(h.encoding("d"), "skiplist");
    h.check("ZRANGE d 0 -1 WITHSCORES", &bulks(&["c", "3"]));
    // A long first member creates a skiplist at once; a long later one converts.
    h.check("ZADD e 1 abcd", b":1\r\n");
    assert_eq!(h.encoding("e"), "skiplist");
    h.check("ZADD f 1 abc", b":1\r\n");
    assert_eq!(h.encoding("f"), "listpack");
    h.check("ZADD f XX 1 abcdef", b":0\r\n");
    assert_eq!(h.encoding("f"), "listpack");
    h.check("ZINCRBY f 1 abcdef", b"$1\r\n1\r\n");
    assert_eq!(h.encoding("f"), "skiplist");
    h.check(
        "ZRANGE f 0 -1 WITHSCORES",
        &bulks(&["abc", "1", "abcdef", "1"]),
    );
    // Only the first member's length decides at creation.
    h.check("ZADD g 1 abc 2 abcd", b":2\r\n");
    assert_eq!(h.encoding("g"), "skiplist");

    let cfg = Config {
        zset_max_listpack_entries: 0,
        ..Config::default()
    };
    let mut h = H::with_config(cfg);
    h.check("ZADD k 1 a", b":1\r\n");
    assert_eq!(h.encoding("k"), "skiplist");
}

#[test]
fn big_skiplist_ranges_and_ranks() {
    let mut h = H::new();
    let mut args: Vec<Vec<u8>> = vec![b"ZADD".to_vec(), b"z".to_vec()];
    for i in 0..300 {
        args.push(format!("{}", i * 2).into_bytes());
        args.push(format!("m{i:03}").into_bytes());
    }
    let a: Vec<&[u8]> = args.iter().map(|v| v.as_slice()).collect();
    assert_eq!(h.raw(&a), b":300\r\n");
    assert_eq!(h.encoding("z"), "skiplist");
    h.check("ZCARD z", b":300\r\n");
    h.check("ZRANK z m150", b":150\r\n");
    h.check("ZREVRANK z m150", b":149\r\n");
    h.check("ZRANGE z 10 12", &bulks(&["m010", "m011", "m012"]));
    h.check("ZRANGE z -2 -1 REV", &bulks(&["m001", "m000"]));
    h.check("ZRANGEBYSCORE z (20 26", &bulks(&["m011", "m012", "m013"]));
    h.check("ZRANGEBYSCORE z 19 (25", &bulks(&["m010", "m011", "m012"]));
    h.check(
        "ZREVRANGEBYSCORE z 26 (20 LIMIT 1 5",
        &bulks(&["m012", "m011"]),
    );
    h.check("ZCOUNT z -inf (100", b":50\r\n");
    h.check("ZCOUNT z (597 +inf", b":1\r\n");
    h.check("ZCOUNT z 599 +inf", b":0\r\n");
    h.check("ZINCRBY z 1000 m000", b"$4\r\n1000\r\n");
    h.check("ZRANGE z -1 -1 WITHSCORES", &bulks(&["m000", "1000"]));
    h.check("ZPOPMIN z 2", &bulks(&["m001", "2", "m002", "4"]));
    h.check("ZREMRANGEBYRANK z 0 9", b":10\r\n");
    h.check("ZREMRANGEBYSCORE z -inf (100", b":37\r\n");
    h.check("ZCARD z", b":251\r\n");
    // Mixed scores (m000 now last): lex ranges follow Redis's skiplist search
    // (checked against redis-server 7.0.15).
    h.check("ZLEXCOUNT z [m100 (m200", b":0\r\n");
    h.check("ZRANGEBYLEX z [m100 (m103", b"*0\r\n");
    h.check(
        "ZREVRANGEBYLEX z (m103 - LIMIT 0 2",
        &bulks(&["m102", "m101"]),
    );
}

#[test]
fn wrongtype_everywhere() {
    let mut h = H::new();
    h.put_string("str");
    for line in [
        "ZADD str 1 a",
        "ZINCRBY str 1 a",
        "ZREM str a",
        "ZCARD str",
        "ZSCORE str a",
        "ZMSCORE str a",
        "ZCOUNT str 0 1",
        "ZLEXCOUNT str - +",
        "ZRANK str a",
        "ZREVRANK str a",
        "ZRANGE str 0 -1",
        "ZREVRANGE str 0 -1",
        "ZRANGEBYSCORE str 0 1",
        "ZREVRANGEBYSCORE str 1 0",
        "ZRANGEBYLEX str - +",
        "ZREVRANGEBYLEX str + -",
        "ZPOPMIN str",
        "ZPOPMAX str 0",
        "ZREMRANGEBYRANK str 0 1",
        "ZREMRANGEBYSCORE str 0 1",
        "ZREMRANGEBYLEX str - +",
    ] {
        h.check(line, WRONGTYPE);
    }
    // Argument errors come first.
    h.check("ZCOUNT str x 1", b"-ERR min or max is not a float\r\n");
    h.check(
        "ZPOPMIN str -1",
        b"-ERR value is out of range, must be positive\r\n",
    );
    h.check("ZADD str x a", b"-ERR value is not a valid float\r\n");
}

#[test]
fn propagation_is_verbatim_when_dirty() {
    let mut h = H::new();
    h.check("ZADD z INCR 5 a", b"$1\r\n5\r\n");
    h.assert_repl(
        &[
            bulks(&["SELECT", "0"]),
            bulks(&["ZADD", "z", "INCR", "5", "a"]),
        ]
        .concat(),
    );
    // No-ops propagate nothing.
    h.check("ZADD z 5 a", b":0\r\n");
    h.check("ZADD z NX 1 a", b":0\r\n");
    h.check("ZADD z GT INCR -1 a", b"$-1\r\n");
    h.check("ZPOPMIN z 0", b"*0\r\n");
    h.check("ZREM z nope", b":0\r\n");
    h.check("ZREMRANGEBYSCORE z 100 200", b":0\r\n");
    h.check("ZINCRBY z inf a", b"$3\r\ninf\r\n");
    h.clear_repl();
    h.check(
        "ZINCRBY z -inf a",
        b"-ERR resulting score is not a number (NaN)\r\n",
    );
    h.assert_repl(b"");
    h.check("ZINCRBY z 1.5 b", b"$3\r\n1.5\r\n");
    h.assert_repl(&bulks(&["ZINCRBY", "z", "1.5", "b"]));
    h.check("ZPOPMAX z", &bulks(&["a", "inf"]));
    h.assert_repl(&bulks(&["ZPOPMAX", "z"]));
    h.check("ZPOPMIN z 5", &bulks(&["b", "1.5"]));
    assert!(!h.exists("z"));
    h.assert_repl(&bulks(&["ZPOPMIN", "z", "5"]));
    h.check("ZADD z 1 a 2 b", b":2\r\n");
    h.clear_repl();
    h.check("ZREM z a b", b":2\r\n");
    assert!(!h.exists("z"));
    h.assert_repl(&bulks(&["ZREM", "z", "a", "b"]));
}

#[test]
fn emptied_keys_are_deleted() {
    let mut h = H::new();
    h.check("ZADD z 1 a 2 b 3 c", b":3\r\n");
    h.check("ZREMRANGEBYLEX z - +", b":3\r\n");
    assert!(!h.exists("z"));
    h.check("ZADD z 1 a 2 b 3 c", b":3\r\n");
    h.check("ZREMRANGEBYSCORE z -inf +inf", b":3\r\n");
    assert!(!h.exists("z"));
    h.check("ZADD z 1 a", b":1\r\n");
    h.check("ZPOPMAX z 1", &bulks(&["a", "1"]));
    assert!(!h.exists("z"));
    h.check("ZADD z XX 1 a", b":0\r\n");
    assert!(!h.exists("z"));
}

#[test]
fn arity_errors() {
    let mut h = H::new();
    h.check(
        "ZADD z 1",
        b"-ERR wrong number of arguments for 'zadd' command\r\n",
    );
    h.check(
        "ZRANGE z 0",
        b"-ERR wrong number of arguments for 'zrange' command\r\n",
    );
    h.check(
        "ZPOPMIN",
        b"-ERR wrong number of arguments for 'zpopmin' command\r\n",
    );
    h.check(
        "ZSCORE z",
        b"-ERR wrong number of arguments for 'zscore' command\r\n",
    );
}
