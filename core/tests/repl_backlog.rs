//! The replication backlog, replication ids and the PSYNC decision against numbers and bytes
//! recorded from a real redis-server 7.0.15 (Debian bookworm, jemalloc 5.3.0).
//!
//! Recording setup: `redis-server --repl-backlog-size <size> --repl-diskless-sync no
//! --repl-ping-replica-period 100000` (no cron `ping` in the stream), one fake replica doing
//! `REPLCONF capa eof capa psync2` + `PSYNC ? -1` and draining its socket (so it never pins
//! a block), then `SET` commands from a client, reading `INFO replication` after each one.
//! PSYNC replies were read on fresh connections; log lines come from the server's log file.

use bytes::Bytes;
use proptest::prelude::*;
use replscope_core::repl::backlog::{block_size, ReplBacklog};
use replscope_core::repl::ids::{ReplId, ReplIds};
use replscope_core::repl::psync::{
    continue_reply, fullresync_reply, master_try_partial_resynchronization, replica_name,
    sync_command_gate, sync_decision, FullResyncReason, MasterReplView, PsyncDecision,
    SyncDecision, SyncGate, SyncRequest, SyncStep,
};
use replscope_core::repl::{
    info_replication_master, role_reply_master, FailoverState, MasterInfo, ReplicaEntry, SlaveState,
};
use replscope_core::rng::Rng;
use replscope_core::time::Time;

const SELECT0: &[u8] = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n";

fn state(b: &ReplBacklog) -> (i64, i64, i64) {
    (b.master_repl_offset(), b.first_byte_offset(), b.histlen())
}

fn id(s: &str) -> ReplId {
    ReplId::from_bytes(s.as_bytes()).unwrap()
}

/// `--repl-backlog-size 16384`, `SET k<n> <500 x>` for n in 0..400 (the first write is
/// preceded by `SELECT 0`). Every (offset, first byte, histlen) below is a real INFO reading
/// after write n; trims happen in 20440-byte blocks (16 KiB + 40-byte header rounded up to
/// jemalloc's 20480 class), only once histlen exceeds 16384 + 20440.
#[test]
fn wraparound_16k_matches_redis() {
    let mut b = ReplBacklog::new(16384, Time::default());
    assert_eq!(state(&b), (0, 0, 0));
    assert!(b.create());
    assert_eq!(state(&b), (0, 1, 0));
    let expected: &[(usize, (i64, i64, i64))] = &[
        (0, (552, 1, 552)),
        (1, (1081, 1, 1081)),
        (9, (5313, 1, 5313)),
        (10, (5843, 1, 5843)),
        (68, (36583, 1, 36583)),
        (69, (37113, 20441, 16673)),
        (99, (53013, 20441, 32573)),
        (100, (53544, 20441, 33104)),
        (107, (57261, 20441, 36821)),
        (108, (57792, 40881, 16912)),
        (222, (118326, 81761, 36566)),
        (223, (118857, 102201, 16657)),
        (376, (200100, 163521, 36580)),
        (377, (200631, 183961, 16671)),
        (399, (212313, 183961, 28353)),
    ];
    let value = vec![b'x'; 500];
    let mut all = Vec::new();
    let mut next = expected.iter().peekable();
    b.feed(SELECT0);
    all.extend_from_slice(SELECT0);
    for n in 0..400usize {
        let key = format!("k{n}");
        b.feed_argv(&[b"SET".as_slice(), key.as_bytes(), &value]);
        all.extend_from_slice(
            format!("*3\r\n$3\r\nSET\r\n${}\r\n{key}\r\n$500\r\n", key.len()).as_bytes(),
        );
        all.extend_from_slice(&value);
        all.extend_from_slice(b"\r\n");
        if let Some((i, want)) = next.peek() {
            if *i == n {
                assert_eq!(state(&b), *want, "after write {n}");
                next.next();
            }
        }
    }
    assert!(next.peek().is_none());
    // The window holds exactly the last histlen bytes fed.
    let (first, hist) = b.window().unwrap();
    let r = b.range_from(first).unwrap();
    assert_eq!(r.len() as i64, hist);
    assert_eq!(r.to_vec(), &all[(first - 1) as usize..]);
    assert!(r.chunks().count() >= 2);
    assert_eq!(b.range_from(212308).unwrap().to_vec(), b"xxxx\r\n");
    assert!(b.range_from(first - 1).is_none());
    assert!(b.range_from(212315).is_none());
    assert!(b.range_from(212314).unwrap().is_empty());
}

/// Every reading of the same recording: `INFO replication` after each of the 400 writes
/// (`repl_backlog_first_byte_offset` is always `master_repl_offset - histlen + 1`).
#[rustfmt::skip]
const HISTLEN_16K: [i64; 400] = [
    552, 1081, 1610, 2139, 2668, 3197, 3726, 4255, 4784, 5313, 5843, 6373,
    6903, 7433, 7963, 8493, 9023, 9553, 10083, 10613, 11143, 11673, 12203, 12733,
    13263, 13793, 14323, 14853, 15383, 15913, 16443, 16973, 17503, 18033, 18563, 19093,
    19623, 20153, 20683, 21213, 21743, 22273, 22803, 23333, 23863, 24393, 24923, 25453,
    25983, 26513, 27043, 27573, 28103, 28633, 29163, 29693, 30223, 30753, 31283, 31813,
    32343, 32873, 33403, 33933, 34463, 34993, 35523, 36053, 36583, 16673, 17203, 17733,
    18263, 18793, 19323, 19853, 20383, 20913, 21443, 21973, 22503, 23033, 23563, 24093,
    24623, 25153, 25683, 26213, 26743, 27273, 27803, 28333, 28863, 29393, 29923, 30453,
    30983, 31513, 32043, 32573, 33104, 33635, 34166, 34697, 35228, 35759, 36290, 36821,
    16912, 17443, 17974, 18505, 19036, 19567, 20098, 20629, 21160, 21691, 22222, 22753,
    23284, 23815, 24346, 24877, 25408, 25939, 26470, 27001, 27532, 28063, 28594, 29125,
    29656, 30187, 30718, 31249, 31780, 32311, 32842, 33373, 33904, 34435, 34966, 35497,
    36028, 36559, 16650, 17181, 17712, 18243, 18774, 19305, 19836, 20367, 20898, 21429,
    21960, 22491, 23022, 23553, 24084, 24615, 25146, 25677, 26208, 26739, 27270, 27801,
    28332, 28863, 29394, 29925, 30456, 30987, 31518, 32049, 32580, 33111, 33642, 34173,
    34704, 35235, 35766, 36297, 16388, 16919, 17450, 17981, 18512, 19043, 19574, 20105,
    20636, 21167, 21698, 22229, 22760, 23291, 23822, 24353, 24884, 25415, 25946, 26477,
    27008, 27539, 28070, 28601, 29132, 29663, 30194, 30725, 31256, 31787, 32318, 32849,
    33380, 33911, 34442, 34973, 35504, 36035, 36566, 16657, 17188, 17719, 18250, 18781,
    19312, 19843, 20374, 20905, 21436, 21967, 22498, 23029, 23560, 24091, 24622, 25153,
    25684, 26215, 26746, 27277, 27808, 28339, 28870, 29401, 29932, 30463, 30994, 31525,
    32056, 32587, 33118, 33649, 34180, 34711, 35242, 35773, 36304, 16395, 16926, 17457,
    17988, 18519, 19050, 19581, 20112, 20643, 21174, 21705, 22236, 22767, 23298, 23829,
    24360, 24891, 25422, 25953, 26484, 27015, 27546, 28077, 28608, 29139, 29670, 30201,
    30732, 31263, 31794, 32325, 32856, 33387, 33918, 34449, 34980, 35511, 36042, 36573,
    16664, 17195, 17726, 18257, 18788, 19319, 19850, 20381, 20912, 21443, 21974, 22505,
    23036, 23567, 24098, 24629, 25160, 25691, 26222, 26753, 27284, 27815, 28346, 28877,
    29408, 29939, 30470, 31001, 31532, 32063, 32594, 33125, 33656, 34187, 34718, 35249,
    35780, 36311, 16402, 16933, 17464, 17995, 18526, 19057, 19588, 20119, 20650, 21181,
    21712, 22243, 22774, 23305, 23836, 24367, 24898, 25429, 25960, 26491, 27022, 27553,
    28084, 28615, 29146, 29677, 30208, 30739, 31270, 31801, 32332, 32863, 33394, 33925,
    34456, 34987, 35518, 36049, 36580, 16671, 17202, 17733, 18264, 18795, 19326, 19857,
    20388, 20919, 21450, 21981, 22512, 23043, 23574, 24105, 24636, 25167, 25698, 26229,
    26760, 27291, 27822, 28353,
];
#[rustfmt::skip]
const OFFSET_16K: [i64; 400] = [
    552, 1081, 1610, 2139, 2668, 3197, 3726, 4255, 4784, 5313, 5843, 6373,
    6903, 7433, 7963, 8493, 9023, 9553, 10083, 10613, 11143, 11673, 12203, 12733,
    13263, 13793, 14323, 14853, 15383, 15913, 16443, 16973, 17503, 18033, 18563, 19093,
    19623, 20153, 20683, 21213, 21743, 22273, 22803, 23333, 23863, 24393, 24923, 25453,
    25983, 26513, 27043, 27573, 28103, 28633, 29163, 29693, 30223, 30753, 31283, 31813,
    32343, 32873, 33403, 33933, 34463, 34993, 35523, 36053, 36583, 37113, 37643, 38173,
    38703, 39233, 39763, 40293, 40823, 41353, 41883, 42413, 42943, 43473, 44003, 44533,
    45063, 45593, 46123, 46653, 47183, 47713, 48243, 48773, 49303, 49833, 50363, 50893,
    51423, 51953, 52483, 53013, 53544, 54075, 54606, 55137, 55668, 56199, 56730, 57261,
    57792, 58323, 58854, 59385, 59916, 60447, 60978, 61509, 62040, 62571, 63102, 63633,
    64164, 64695, 65226, 65757, 66288, 66819, 67350, 67881, 68412, 68943, 69474, 70005,
    70536, 71067, 71598, 72129, 72660, 73191, 73722, 74253, 74784, 75315, 75846, 76377,
    76908, 77439, 77970, 78501, 79032, 79563, 80094, 80625, 81156, 81687, 82218, 82749,
    83280, 83811, 84342, 84873, 85404, 85935, 86466, 86997, 87528, 88059, 88590, 89121,
    89652, 90183, 90714, 91245, 91776, 92307, 92838, 93369, 93900, 94431, 94962, 95493,
    96024, 96555, 97086, 97617, 98148, 98679, 99210, 99741, 100272, 100803, 101334, 101865,
    102396, 102927, 103458, 103989, 104520, 105051, 105582, 106113, 106644, 107175, 107706, 108237,
    108768, 109299, 109830, 110361, 110892, 111423, 111954, 112485, 113016, 113547, 114078, 114609,
    115140, 115671, 116202, 116733, 117264, 117795, 118326, 118857, 119388, 119919, 120450, 120981,
    121512, 122043, 122574, 123105, 123636, 124167, 124698, 125229, 125760, 126291, 126822, 127353,
    127884, 128415, 128946, 129477, 130008, 130539, 131070, 131601, 132132, 132663, 133194, 133725,
    134256, 134787, 135318, 135849, 136380, 136911, 137442, 137973, 138504, 139035, 139566, 140097,
    140628, 141159, 141690, 142221, 142752, 143283, 143814, 144345, 144876, 145407, 145938, 146469,
    147000, 147531, 148062, 148593, 149124, 149655, 150186, 150717, 151248, 151779, 152310, 152841,
    153372, 153903, 154434, 154965, 155496, 156027, 156558, 157089, 157620, 158151, 158682, 159213,
    159744, 160275, 160806, 161337, 161868, 162399, 162930, 163461, 163992, 164523, 165054, 165585,
    166116, 166647, 167178, 167709, 168240, 168771, 169302, 169833, 170364, 170895, 171426, 171957,
    172488, 173019, 173550, 174081, 174612, 175143, 175674, 176205, 176736, 177267, 177798, 178329,
    178860, 179391, 179922, 180453, 180984, 181515, 182046, 182577, 183108, 183639, 184170, 184701,
    185232, 185763, 186294, 186825, 187356, 187887, 188418, 188949, 189480, 190011, 190542, 191073,
    191604, 192135, 192666, 193197, 193728, 194259, 194790, 195321, 195852, 196383, 196914, 197445,
    197976, 198507, 199038, 199569, 200100, 200631, 201162, 201693, 202224, 202755, 203286, 203817,
    204348, 204879, 205410, 205941, 206472, 207003, 207534, 208065, 208596, 209127, 209658, 210189,
    210720, 211251, 211782, 212313,
];

#[test]
fn wraparound_16k_every_write() {
    let mut b = ReplBacklog::new(16384, Time::default());
    b.create();
    b.feed(SELECT0);
    let value = vec![b'x'; 500];
    for n in 0..400usize {
        let key = format!("k{n}");
        b.feed_argv(&[b"SET".as_slice(), key.as_bytes(), &value]);
        let want = (
            OFFSET_16K[n],
            OFFSET_16K[n] - HISTLEN_16K[n] + 1,
            HISTLEN_16K[n],
        );
        assert_eq!(state(&b), want, "after write {n}");
    }
}

/// `--repl-backlog-size 16384` with arguments larger than a block: a 50000-byte value spans
/// several 20440-byte blocks fed in one piece, trimmed as the piece is stored.
#[test]
fn pieces_larger_than_blocks_match_redis() {
    let mut b = ReplBacklog::new(16384, Time::default());
    b.create();
    b.feed(SELECT0);
    let recorded: &[(usize, (i64, i64, i64))] = &[
        (50000, (50053, 20441, 29613)),
        (7000, (57082, 20441, 36642)),
        (100, (57210, 20441, 36770)),
        (70000, (127240, 102201, 25040)),
        (3000, (130269, 102201, 28069)),
        (45000, (175299, 143081, 32219)),
        (20000, (195329, 163521, 31809)),
        (12000, (207359, 183961, 23399)),
        (90000, (297389, 265721, 31669)),
        (5, (297420, 265721, 31700)),
        (33000, (330450, 306601, 23850)),
    ];
    for (len, want) in recorded {
        b.feed_argv(&[b"SET".as_slice(), b"k", &vec![b'y'; *len]]);
        assert_eq!(state(&b), *want, "after SET k <{len} bytes>");
    }
}

/// Default 1 MiB backlog on a master restarted from an RDB whose `repl-offset` was 212313
/// (backlog created at 1, then rebased), then `SET k <30000 x>` 46 times. Blocks are no
/// longer uniform: the 30000-byte argument is one piece; what does not fit in the tail block
/// gets a block sized for it (e.g. 32728 = 32768 - 40). Then `CONFIG SET repl-backlog-size
/// 16384` trims at once.
#[test]
fn big_arguments_and_resize_match_redis() {
    let mut b = ReplBacklog::new(1 << 20, Time::default());
    b.create();
    b.rebase(212313);
    assert_eq!(state(&b), (212313, 212314, 0));
    b.feed(SELECT0);
    let value = vec![b'x'; 30000];
    let expected: &[(usize, (i64, i64, i64))] = &[
        (1, (242366, 212314, 30053)),
        (6, (392516, 212314, 180203)),
        (36, (1293416, 232754, 1060663)),
        (37, (1323446, 273634, 1049813)),
        (38, (1353476, 273634, 1079843)),
        (39, (1383506, 306362, 1077145)),
        (40, (1413536, 363626, 1049911)),
        (42, (1473596, 424986, 1048611)),
        (44, (1533656, 453618, 1080039)),
        (45, (1563686, 514978, 1048709)),
        (46, (1593716, 543610, 1050107)),
    ];
    let mut next = expected.iter().peekable();
    for n in 1..=46usize {
        b.feed_argv(&[b"SET".as_slice(), b"k", &value]);
        if let Some((i, want)) = next.peek() {
            if *i == n {
                assert_eq!(state(&b), *want, "after write {n}");
                next.next();
            }
        }
    }
    b.resize(16384);
    assert_eq!(state(&b), (1593716, 1566250, 27467));
}

/// 1 MiB backlog, `SET k <500 x>` 2500 times, then resizes down and up (real readings).
#[test]
fn resize_matches_redis() {
    let mut b = ReplBacklog::new(1 << 20, Time::default());
    b.create();
    b.feed(SELECT0);
    let value = vec![b'x'; 500];
    for n in 1..=2500usize {
        b.feed_argv(&[b"SET".as_slice(), b"k", &value]);
        match n {
            1 => assert_eq!(state(&b), (551, 1, 551)),
            2024 => assert_eq!(state(&b), (1068695, 1, 1068695)),
            2025 => assert_eq!(state(&b), (1069223, 20441, 1048783)),
            _ => {}
        }
    }
    assert_eq!(state(&b), (1320023, 265721, 1054303));
    b.resize(16384);
    assert_eq!(state(&b), (1320023, 1287721, 32303));
    for _ in 0..5 {
        b.feed_argv(&[b"SET".as_slice(), b"k", b"xxxxxxxxxx"]);
    }
    assert_eq!(state(&b), (1320208, 1287721, 32488));
    b.resize(1_000_000);
    assert_eq!(b.size(), 1_000_000);
    b.feed_argv(&[b"SET".as_slice(), b"k", b"xxxxxxxxxx"]);
    assert_eq!(state(&b), (1320245, 1287721, 32525));
    b.resize(16384);
    assert_eq!(state(&b), (1320245, 1287721, 32525));
    b.resize(1);
    assert_eq!(b.size(), 16384);
}

#[test]
fn block_sizes() {
    assert_eq!(block_size(14, 16384), 20440);
    assert_eq!(block_size(14, 1 << 20), 20440);
    assert_eq!(block_size(25000, 1 << 20), 28632);
    assert_eq!(block_size(30000, 16384), 20440);
}

/// `repl-backlog-ttl`: freed once idle for more than ttl seconds with no replica, with a new
/// replid and no second id; the offset then stays frozen.
#[test]
fn ttl_frees_backlog_and_changes_replid() {
    let mut rng = Rng::new(3);
    let mut ids = ReplIds::new(&mut rng);
    let t0 = Time::from_millis(1_700_000_000_000);
    let mut b = ReplBacklog::new(1 << 20, t0);
    let before = ids.replid;
    assert!(b.create_for_first_replica(1, &mut ids, &mut rng));
    assert_ne!(ids.replid, before);
    assert!(!b.create_for_first_replica(1, &mut ids, &mut rng));
    b.feed(b"*1\r\n$4\r\nping\r\n");
    ids.shift_replication_id(14, &mut rng);
    b.set_no_replicas_since(t0);
    let created = ids.replid;
    // A replica connected: never freed.
    assert!(!b.cron_free_if_idle(t0.add_millis(10_000), 1, 1, true, &mut ids, &mut rng));
    // ttl 0 = never.
    assert!(!b.cron_free_if_idle(t0.add_millis(10_000), 0, 0, true, &mut ids, &mut rng));
    // Replicas keep their backlog.
    assert!(!b.cron_free_if_idle(t0.add_millis(10_000), 1, 0, false, &mut ids, &mut rng));
    // idle must be > ttl.
    assert!(!b.cron_free_if_idle(t0.add_millis(1_999), 1, 0, true, &mut ids, &mut rng));
    assert!(b.cron_free_if_idle(t0.add_millis(2_000), 1, 0, true, &mut ids, &mut rng));
    assert_ne!(ids.replid, created);
    assert_eq!(ids.replid2, ReplId::ZERO);
    assert_eq!(ids.second_repl_offset, -1);
    assert_eq!(state(&b), (14, 0, 0));
    assert!(!b.is_active());
    b.feed(b"*1\r\n$4\r\nping\r\n");
    assert_eq!(b.master_repl_offset(), 14);
}

// ---------------------------------------------------------------------------------------
// PSYNC

const RID: &str = "2f867cc81cd00386df7431d38fbca8012a910ee9";
const NAME: &str = "127.0.0.1:<unknown-replica-port>";

/// The master of `wraparound_16k_matches_redis` (offset 212313, window 183961 + 28353).
fn recorded_master() -> (ReplIds, ReplBacklog) {
    let ids = ReplIds {
        replid: id(RID),
        replid2: ReplId::ZERO,
        second_repl_offset: -1,
    };
    let mut b = ReplBacklog::new(16384, Time::default());
    b.create();
    b.feed(SELECT0);
    let value = vec![b'x'; 500];
    for n in 0..400 {
        let key = format!("k{n}");
        b.feed_argv(&[b"SET".as_slice(), key.as_bytes(), &value]);
    }
    assert_eq!(state(&b), (212313, 183961, 28353));
    (ids, b)
}

fn view<'a>(ids: &'a ReplIds, b: &ReplBacklog) -> MasterReplView<'a> {
    MasterReplView {
        ids,
        window: b.window(),
        master_repl_offset: b.master_repl_offset(),
    }
}

fn psync(replid: &str, offset: i64, psync2: bool, v: &MasterReplView<'_>) -> SyncDecision {
    sync_decision(
        SyncRequest::Psync {
            replid: replid.as_bytes(),
            offset,
        },
        psync2,
        v,
        NAME,
    )
}

#[test]
fn psync_continue_replies() {
    let (ids, b) = recorded_master();
    let v = view(&ids, &b);
    // capa psync2 -> id in the reply; 0 bytes at master_repl_offset + 1.
    let d = psync(RID, 212314, true, &v);
    assert_eq!(
        d,
        SyncDecision::Partial {
            offset: 212314,
            psync_len: 0,
            reply: Bytes::from(format!("+CONTINUE {RID}\r\n")),
            log: "Partial resynchronization request from 127.0.0.1:<unknown-replica-port> \
                  accepted. Sending 0 bytes of backlog starting from offset 212314."
                .into(),
        }
    );
    assert_eq!(d.stats_delta(), (0, 1, 0));
    // No psync2 capa (only `capa eof` or none) -> bare +CONTINUE.
    let SyncDecision::Partial { reply, .. } = psync(RID, 212314, false, &v) else {
        panic!()
    };
    assert_eq!(&reply[..], b"+CONTINUE\r\n");
    let SyncDecision::Partial {
        reply,
        psync_len,
        log,
        ..
    } = psync(RID, 212308, false, &v)
    else {
        panic!()
    };
    assert_eq!(&reply[..], b"+CONTINUE\r\n");
    assert_eq!(psync_len, 6);
    assert_eq!(b.range_from(212308).unwrap().to_vec(), b"xxxx\r\n");
    assert!(log.ends_with("Sending 6 bytes of backlog starting from offset 212308."));
    // The id is compared case-insensitively; the reply carries our spelling.
    let SyncDecision::Partial { reply, .. } = psync(&RID.to_uppercase(), 212308, true, &v) else {
        panic!()
    };
    assert_eq!(reply, Bytes::from(format!("+CONTINUE {RID}\r\n")));
    // The very first byte of the window: the whole history.
    let SyncDecision::Partial { psync_len, log, .. } = psync(RID, 183961, true, &v) else {
        panic!()
    };
    assert_eq!(psync_len, 28353);
    assert_eq!(
        log,
        "Partial resynchronization request from 127.0.0.1:<unknown-replica-port> accepted. \
         Sending 28353 bytes of backlog starting from offset 183961."
    );
    assert_eq!(b.range_from(183961).unwrap().len(), 28353);
}

fn full(d: SyncDecision) -> (FullResyncReason, bool, Vec<String>) {
    match d {
        SyncDecision::Full {
            pre_psync: false,
            reason: Some(r),
            partial_err,
            log,
        } => (r, partial_err, log),
        other => panic!("{other:?}"),
    }
}

#[test]
fn psync_full_resync_reasons() {
    let (ids, b) = recorded_master();
    let v = view(&ids, &b);
    let zeros = "0".repeat(40);

    let (r, err, log) = full(psync(RID, 212315, true, &v));
    assert_eq!(
        r,
        FullResyncReason::LackOfBacklog {
            requested: 212315,
            beyond_master_offset: true
        }
    );
    assert!(err);
    assert_eq!(
        log,
        [
            "Unable to partial resync with replica 127.0.0.1:<unknown-replica-port> for lack of \
             backlog (Replica request was: 212315).",
            "Warning: replica 127.0.0.1:<unknown-replica-port> tried to PSYNC with an offset \
             that is greater than the master replication offset."
        ]
    );

    let (_, _, log) = full(psync(RID, 183960, true, &v));
    assert_eq!(
        log,
        [
            "Unable to partial resync with replica 127.0.0.1:<unknown-replica-port> for lack of \
          backlog (Replica request was: 183960)."
        ]
    );

    let (_, err, log) = full(psync("abc", 5, true, &v));
    assert!(err);
    assert_eq!(
        log,
        [format!(
            "Partial resynchronization not accepted: Replication ID mismatch (Replica asked \
             for 'abc', my replication IDs are '{RID}' and '{zeros}')"
        )]
    );

    // Any id starting with '?' is an explicit full resync, not a partial-sync error.
    for q in ["?", "?abc"] {
        let d = psync(q, 5, true, &v);
        assert_eq!(d.stats_delta(), (1, 0, 0));
        let (r, err, log) = full(d);
        assert_eq!(r, FullResyncReason::Requested);
        assert!(!err);
        assert_eq!(
            log,
            ["Full resync requested by replica 127.0.0.1:<unknown-replica-port>"]
        );
    }
    let d = psync("?", -1, true, &v);
    assert_eq!(d.stats_delta(), (1, 0, 0));

    // The unset replid2 (40 zeros) "matches" but only up to offset -1.
    let d = psync(&zeros, 5, true, &v);
    assert_eq!(d.stats_delta(), (1, 0, 1));
    let (_, _, log) = full(d);
    assert_eq!(
        log,
        [
            "Partial resynchronization not accepted: Requested offset for second ID was 5, but I \
          can reply up to -1"
        ]
    );
    let (r, _, _) = full(psync(&zeros, -1, true, &v));
    assert_eq!(
        r,
        FullResyncReason::LackOfBacklog {
            requested: -1,
            beyond_master_offset: false
        }
    );

    // No backlog at all.
    let nb = ReplBacklog::new(16384, Time::default());
    let (r, _, _) = full(psync(RID, 1, true, &view(&ids, &nb)));
    assert_eq!(
        r,
        FullResyncReason::LackOfBacklog {
            requested: 1,
            beyond_master_offset: true
        }
    );

    // Replies sent later, at BGSAVE start.
    assert_eq!(
        fullresync_reply(&ids.replid, 212313),
        Bytes::from(format!("+FULLRESYNC {RID} 212313\r\n"))
    );
    assert_eq!(&continue_reply(None)[..], b"+CONTINUE\r\n");
}

#[test]
fn legacy_sync_is_always_full() {
    let (ids, b) = recorded_master();
    let d = sync_decision(SyncRequest::Sync, false, &view(&ids, &b), NAME);
    assert_eq!(
        d,
        SyncDecision::Full {
            pre_psync: true,
            reason: None,
            partial_err: false,
            log: vec![]
        }
    );
    assert_eq!(d.stats_delta(), (1, 0, 0));
}

fn argv(parts: &[&str]) -> Vec<Bytes> {
    parts
        .iter()
        .map(|p| Bytes::copy_from_slice(p.as_bytes()))
        .collect()
}

fn reject(step: SyncStep<'_>) -> Vec<u8> {
    match step {
        SyncStep::Reject { reply, .. } => reply.to_vec(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn sync_command_checks() {
    let me = id(RID);
    let ok = SyncGate::default();
    let a = argv(&["PSYNC", RID, "100"]);
    assert_eq!(
        sync_command_gate(&a, &ok, &me, NAME),
        SyncStep::Proceed {
            request: SyncRequest::Psync {
                replid: RID.as_bytes(),
                offset: 100
            },
            failover_promote: false
        }
    );
    let s = argv(&["sync"]);
    assert_eq!(
        sync_command_gate(&s, &ok, &me, NAME),
        SyncStep::Proceed {
            request: SyncRequest::Sync,
            failover_promote: false
        }
    );
    let bad = argv(&["psync", RID, "x"]);
    match sync_command_gate(&bad, &ok, &me, NAME) {
        SyncStep::Reject { reply, log } => {
            assert_eq!(
                &reply[..],
                b"-ERR value is not an integer or out of range\r\n"
            );
            assert_eq!(
                log.unwrap(),
                "Replica 127.0.0.1:<unknown-replica-port> asks for synchronization but with a \
                 wrong offset"
            );
        }
        other => panic!("{other:?}"),
    }
    // A fourth argument other than FAILOVER is ignored.
    let extra = argv(&["PSYNC", RID, "5", "foo"]);
    assert!(matches!(
        sync_command_gate(&extra, &ok, &me, NAME),
        SyncStep::Proceed {
            failover_promote: false,
            ..
        }
    ));
    let fo = argv(&["PSYNC", "abc", "5", "FAILOVER"]);
    assert_eq!(
        reject(sync_command_gate(&fo, &ok, &me, NAME)),
        b"-ERR PSYNC FAILOVER replid must match my replid.\r\n"
    );
    let link_down = SyncGate {
        replica_link_down: true,
        ..ok
    };
    let fo = argv(&["psync", &RID.to_uppercase(), "5", "failover"]);
    assert!(matches!(
        sync_command_gate(&fo, &link_down, &me, NAME),
        SyncStep::Proceed {
            failover_promote: true,
            ..
        }
    ));
    assert_eq!(
        reject(sync_command_gate(&a, &link_down, &me, NAME)),
        b"-NOMASTERLINK Can't SYNC while not connected with my master\r\n"
    );
    let failing = SyncGate {
        failover_in_progress: true,
        ..link_down
    };
    assert_eq!(
        reject(sync_command_gate(&a, &failing, &me, NAME)),
        b"-NOMASTERLINK Can't SYNC while failing over\r\n"
    );
    let pending = SyncGate {
        has_pending_output: true,
        ..ok
    };
    assert_eq!(
        reject(sync_command_gate(&s, &pending, &me, NAME)),
        b"-ERR SYNC and PSYNC are invalid with pending output\r\n"
    );
    let filt = SyncGate {
        rdb_filter_without_eof: true,
        ..ok
    };
    assert_eq!(
        reject(sync_command_gate(&s, &filt, &me, NAME)),
        b"-ERR Filtered replica requires EOF capability\r\n"
    );
    let already = SyncGate {
        client_is_replica: true,
        ..failing
    };
    assert_eq!(sync_command_gate(&a, &already, &me, NAME), SyncStep::Ignore);
    assert_eq!(replica_name("127.0.0.1", 7002), "127.0.0.1:7002");
}

/// Spec §3.2: B replica of A at offset 218 with A's id; `REPLICAOF NO ONE` on B shifts ids;
/// C asks `PSYNC <A id> 219` and gets `+CONTINUE <B's new id>` with 0 bytes; A later asks
/// the same and gets the 63 bytes written meanwhile (SELECT 0 + one 40-byte write).
#[test]
fn promotion_example() {
    let mut rng = Rng::new(11);
    let a_id = ReplId::random(&mut rng);
    let mut b_ids = ReplIds::new(&mut rng);
    let mut b = ReplBacklog::new(1 << 20, Time::default());
    // B full-synced from A at 0, then applied 218 bytes of A's stream.
    b_ids.set_from_full_sync(a_id);
    b.set_master_repl_offset(0);
    b.create();
    b.feed(&[b'.'; 218]);
    b_ids.shift_replication_id(b.master_repl_offset(), &mut rng);
    assert_eq!(b_ids.replid2, a_id);
    assert_eq!(b_ids.second_repl_offset, 219);
    assert_eq!(b.master_repl_offset(), 218);
    let new_id = b_ids.replid;

    let v = view(&b_ids, &b);
    let a_str = a_id.to_string();
    let PsyncDecision::Continue {
        offset,
        psync_len,
        via_replid2,
    } = master_try_partial_resynchronization(a_str.as_bytes(), 219, &v)
    else {
        panic!()
    };
    assert_eq!((offset, psync_len, via_replid2), (219, 0, true));
    let SyncDecision::Partial { reply, .. } = psync(&a_str, 219, true, &v) else {
        panic!()
    };
    assert_eq!(reply, Bytes::from(format!("+CONTINUE {new_id}\r\n")));
    // Past second_repl_offset with the old id: refused.
    let (_, _, log) = full(psync(&a_str, 220, true, &v));
    assert_eq!(
        log,
        [
            "Partial resynchronization not accepted: Requested offset for second ID was 220, but \
          I can reply up to 219"
        ]
    );
    // B writes SELECT 0 + `set k1 v1`-sized 40 bytes; A asks for 219 with the old id.
    b.feed(SELECT0);
    b.feed(&[b'w'; 40]);
    let v = view(&b_ids, &b);
    let SyncDecision::Partial { psync_len, .. } = psync(&a_str, 219, true, &v) else {
        panic!()
    };
    assert_eq!(psync_len, 63);
    assert_eq!(b.master_repl_offset(), 281);
    assert_eq!(b.range_from(219).unwrap().to_vec()[..23], *SELECT0);
    // New id, any offset in the window.
    assert!(matches!(
        psync(&new_id.to_string(), 250, true, &v),
        SyncDecision::Partial { psync_len: 32, .. }
    ));
}

/// Spec §3.4: a master restarted from an RDB with `repl-id` add5… and `repl-offset` 156
/// shows replid2 add5…, offset 156, second 157, window 157+0, and accepts `PSYNC add5… 157`.
#[test]
fn master_restart_from_rdb() {
    let mut rng = Rng::new(5);
    let mut ids = ReplIds::new(&mut rng);
    let fresh = ids.replid;
    let old = id("add50094fe93032be4ba386957d063397c443d31");
    let mut b = ReplBacklog::new(1 << 20, Time::default());
    b.create();
    ids.restore_master_from_rdb(old, 156);
    b.rebase(156);
    assert_eq!(ids.replid, fresh);
    assert_eq!((ids.replid2, ids.second_repl_offset), (old, 157));
    assert_eq!(state(&b), (156, 157, 0));
    let v = view(&ids, &b);
    let SyncDecision::Partial { reply, .. } = psync(&old.to_string(), 157, true, &v) else {
        panic!()
    };
    assert_eq!(reply, Bytes::from(format!("+CONTINUE {fresh}\r\n")));

    let mut r = ReplIds::new(&mut rng);
    r.restore_replica_from_rdb(old);
    assert_eq!(r.replid, old);
    assert_eq!(r.second_repl_offset, -1);
}

// ---------------------------------------------------------------------------------------
// INFO / ROLE

#[test]
fn info_replication_master_lines() {
    let ids = ReplIds {
        replid: id("add50094fe93032be4ba386957d063397c443d31"),
        replid2: ReplId::ZERO,
        second_repl_offset: -1,
    };
    let mut b = ReplBacklog::new(1 << 20, Time::default());
    b.create();
    b.feed(&[b'.'; 101]);
    let replicas = [
        ReplicaEntry {
            ip: "127.0.0.1".into(),
            port: 7002,
            state: SlaveState::Online,
            ack_offset: 87,
            ack_time_secs: 999,
        },
        ReplicaEntry {
            ip: "127.0.0.1".into(),
            port: 7999,
            state: SlaveState::WaitBgsaveStart,
            ack_offset: 0,
            ack_time_secs: 0,
        },
    ];
    let info = info_replication_master(&MasterInfo {
        replicas: &replicas,
        min_slaves_good_slaves: None,
        failover: FailoverState::None,
        ids: &ids,
        backlog: &b,
        now_secs: 1000,
    });
    assert_eq!(
        info,
        "role:master\r\n\
         connected_slaves:2\r\n\
         slave0:ip=127.0.0.1,port=7002,state=online,offset=87,lag=1\r\n\
         slave1:ip=127.0.0.1,port=7999,state=wait_bgsave,offset=0,lag=0\r\n\
         master_failover_state:no-failover\r\n\
         master_replid:add50094fe93032be4ba386957d063397c443d31\r\n\
         master_replid2:0000000000000000000000000000000000000000\r\n\
         master_repl_offset:101\r\n\
         second_repl_offset:-1\r\n\
         repl_backlog_active:1\r\n\
         repl_backlog_size:1048576\r\n\
         repl_backlog_first_byte_offset:1\r\n\
         repl_backlog_histlen:101\r\n"
    );
    // Fresh master.
    let fresh = ReplBacklog::new(1 << 20, Time::default());
    let info = info_replication_master(&MasterInfo {
        replicas: &[],
        min_slaves_good_slaves: Some(0),
        failover: FailoverState::None,
        ids: &ids,
        backlog: &fresh,
        now_secs: 0,
    });
    assert!(info.starts_with("role:master\r\nconnected_slaves:0\r\nmin_slaves_good_slaves:0\r\n"));
    assert!(info.ends_with(
        "master_repl_offset:0\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n\
         repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n\
         repl_backlog_histlen:0\r\n"
    ));

    let role = role_reply_master(
        14,
        &[
            ReplicaEntry {
                ip: "127.0.0.1".into(),
                port: 7002,
                state: SlaveState::Online,
                ack_offset: 14,
                ack_time_secs: 0,
            },
            replicas[1].clone(),
        ],
    );
    assert_eq!(
        &role[..],
        b"*3\r\n$6\r\nmaster\r\n:14\r\n*1\r\n*3\r\n$9\r\n127.0.0.1\r\n$4\r\n7002\r\n$2\r\n14\r\n"
    );
    assert_eq!(
        &role_reply_master(0, &[])[..],
        b"*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"
    );
}

// ---------------------------------------------------------------------------------------
// Property: the window always holds exactly the last bytes fed.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn range_from_returns_last_bytes(
        size in 16384u64..200_000,
        feeds in prop::collection::vec(0usize..40_000, 1..40),
        probes in prop::collection::vec(any::<u64>(), 16),
        start in 0i64..1_000_000,
    ) {
        let mut b = ReplBacklog::new(size, Time::default());
        b.set_master_repl_offset(start);
        b.create();
        let mut all: Vec<u8> = Vec::new();
        let mut seed = 1u32;
        let mut resized = false;
        for (i, len) in feeds.iter().enumerate() {
            let piece: Vec<u8> = (0..*len).map(|_| {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (seed >> 16) as u8
            }).collect();
            b.feed(&piece);
            all.extend_from_slice(&piece);
            if i % 7 == 3 {
                b.resize(size / 2);
                b.resize(size);
                resized = true;
            }
            let master = b.master_repl_offset();
            prop_assert_eq!(master, start + all.len() as i64);
            let (first, hist) = b.window().unwrap();
            prop_assert_eq!(first, master - hist + 1);
            // Never trimmed below the configured size (or what was fed), at most one block over
            // (plus at most one extra block's slack).
            if !resized {
                prop_assert!(hist >= (all.len() as i64).min(size as i64));
            }
            prop_assert!(hist <= size as i64 + 2 * block_size(40_000, size) as i64);
            // The whole window.
            let whole = b.range_from(first).unwrap();
            prop_assert_eq!(whole.len() as i64, hist);
            let tail = &all[all.len() - hist as usize..];
            prop_assert_eq!(whole.to_vec(), tail);
            // Every offset in the window has the right length and first byte.
            for o in first..=master + 1 {
                let r = b.range_from(o).unwrap();
                let want = (master + 1 - o) as usize;
                prop_assert_eq!(r.len(), want);
                let got_first = r.chunks().next().map(|c| c[0]);
                prop_assert_eq!(got_first, tail.get((o - first) as usize).copied());
            }
            // Random offsets: the exact bytes.
            for p in &probes {
                let o = first + (p % (hist as u64 + 1)) as i64;
                prop_assert_eq!(b.range_from(o).unwrap().to_vec(), &tail[(o - first) as usize..]);
            }
            prop_assert!(b.range_from(first - 1).is_none());
            prop_assert!(b.range_from(master + 2).is_none());
        }
    }
}
