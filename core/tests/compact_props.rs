//! Property tests of the compact collection encodings: random operations on a list, a hash
//! and a sorted set give the same contents, in the same order, as a plain model (a vector),
//! whatever the element sizes (around the 1/2/3-byte length prefixes at 128 and 16384 bytes)
//! and across the conversions to the large encodings.

use std::collections::VecDeque;

use proptest::collection::vec;
use proptest::prelude::*;
use replscope_core::keyspace::hash::HashValue;
use replscope_core::keyspace::list::ListValue;
use replscope_core::keyspace::zset::ZSetValue;

/// An element: mostly short, sometimes around the length-prefix boundaries.
fn arb_elem() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        6 => vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'c')], 0..4),
        1 => (120usize..136).prop_map(|n| vec![b'x'; n]),
        1 => (16380usize..16390).prop_map(|n| vec![b'y'; n]),
    ]
}

#[derive(Clone, Debug)]
enum ListOp {
    Push(Vec<u8>, bool),
    Pop(bool),
    Set(usize, Vec<u8>),
    Insert(usize, Vec<u8>),
    Remove(Vec<u8>, u64, bool),
    Trim(usize, usize),
}

fn arb_list_op() -> impl Strategy<Value = ListOp> {
    prop_oneof![
        4 => (arb_elem(), any::<bool>()).prop_map(|(e, h)| ListOp::Push(e, h)),
        1 => any::<bool>().prop_map(ListOp::Pop),
        1 => (0usize..12, arb_elem()).prop_map(|(i, e)| ListOp::Set(i, e)),
        1 => (0usize..12, arb_elem()).prop_map(|(i, e)| ListOp::Insert(i, e)),
        1 => (arb_elem(), 0u64..3, any::<bool>()).prop_map(|(e, n, t)| ListOp::Remove(e, n, t)),
        1 => (0usize..3, 0usize..3).prop_map(|(l, r)| ListOp::Trim(l, r)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn list_matches_a_deque(ops in vec(arb_list_op(), 1..40)) {
        let mut l = ListValue::new();
        let mut m: VecDeque<Vec<u8>> = VecDeque::new();
        for op in ops {
            match op {
                ListOp::Push(e, head) => {
                    l.push(&e, head);
                    if head { m.push_front(e) } else { m.push_back(e) }
                }
                ListOp::Pop(head) => {
                    let got = l.pop(head).map(|e| e.to_vec());
                    let want = if head { m.pop_front() } else { m.pop_back() };
                    prop_assert_eq!(got, want);
                }
                ListOp::Set(i, e) => {
                    prop_assert_eq!(l.set(i, &e), i < m.len());
                    if i < m.len() { m[i] = e; }
                }
                ListOp::Insert(i, e) => {
                    if i <= m.len() {
                        l.insert(i, &e);
                        m.insert(i, e);
                    }
                }
                ListOp::Remove(e, limit, from_tail) => {
                    let limit = if limit == 0 { u64::MAX } else { limit };
                    let mut removed = 0;
                    let idx: Vec<usize> = if from_tail {
                        (0..m.len()).rev().collect()
                    } else {
                        (0..m.len()).collect()
                    };
                    let mut drop = vec![false; m.len()];
                    for i in idx {
                        if removed < limit && m[i] == e {
                            drop[i] = true;
                            removed += 1;
                        }
                    }
                    let mut k = 0;
                    m.retain(|_| { k += 1; !drop[k - 1] });
                    prop_assert_eq!(l.remove_matching(&e, limit, from_tail), removed);
                }
                ListOp::Trim(lt, rt) => {
                    let lt = lt.min(m.len());
                    let rt = rt.min(m.len() - lt);
                    l.trim(lt, rt);
                    m.drain(..lt);
                    m.truncate(m.len() - rt);
                }
            }
            prop_assert_eq!(l.len(), m.len());
            let got: Vec<&[u8]> = l.iter().collect();
            let want: Vec<&[u8]> = m.iter().map(Vec::as_slice).collect();
            prop_assert_eq!(&got, &want);
            let back: Vec<&[u8]> = l.iter().rev().collect();
            let want_back: Vec<&[u8]> = m.iter().rev().map(Vec::as_slice).collect();
            prop_assert_eq!(back, want_back);
        }
    }

    #[test]
    fn hash_matches_an_ordered_vector(
        ops in vec((arb_elem(), arb_elem(), any::<bool>()), 1..40),
        max_entries in 1usize..12,
    ) {
        let mut h = HashValue::new();
        let mut m: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        for (f, v, del) in ops {
            if del {
                let pos = m.iter().position(|(k, _)| *k == f);
                prop_assert_eq!(h.remove(&f), pos.is_some());
                if let Some(p) = pos { m.remove(p); }
            } else {
                let created = h.set(&f, &v, max_entries, 20000);
                match m.iter_mut().find(|(k, _)| *k == f) {
                    Some(slot) => { prop_assert!(!created); slot.1 = v.clone(); }
                    None => { prop_assert!(created); m.push((f.clone(), v.clone())); }
                }
            }
            prop_assert_eq!(h.len(), m.len());
            for (k, v) in &m {
                prop_assert_eq!(h.get(k), Some(v.as_slice()));
            }
            if h.encoding_name() == "listpack" {
                let got: Vec<(&[u8], &[u8])> = h.iter().collect();
                let want: Vec<(&[u8], &[u8])> =
                    m.iter().map(|(k, v)| (k.as_slice(), v.as_slice())).collect();
                prop_assert_eq!(got, want);
            }
        }
    }

    #[test]
    fn zset_listpack_matches_skiplist(
        ops in vec((arb_elem(), -3i32..4, any::<bool>()), 1..40),
    ) {
        let mut lp = ZSetValue::default();
        let mut sl = ZSetValue::new_skiplist();
        for (m, score, del) in ops {
            let score = f64::from(score) / 2.0;
            if del {
                prop_assert_eq!(lp.remove(&m), sl.remove(&m));
            } else if lp.score(&m).is_some() {
                lp.set_score(&m, score);
                sl.set_score(&m, score);
            } else {
                lp.insert(&m, score);
                sl.insert(&m, score);
            }
            prop_assert_eq!(lp.len(), sl.len());
            let a: Vec<(&[u8], f64)> = lp.iter().collect();
            let b: Vec<(&[u8], f64)> = sl.iter().collect();
            prop_assert_eq!(&a, &b);
            let ar: Vec<(&[u8], f64)> = lp.iter().rev().collect();
            let br: Vec<(&[u8], f64)> = sl.iter().rev().collect();
            prop_assert_eq!(ar, br);
            prop_assert_eq!(lp.rank(&m), sl.rank(&m));
            let r = replscope_core::keyspace::zset::ScoreRange {
                min: -0.5, max: 1.0, minex: true, maxex: false,
            };
            let a: Vec<(&[u8], f64)> = lp.score_range(&r).rev().collect();
            let b: Vec<(&[u8], f64)> = sl.score_range(&r).rev().collect();
            prop_assert_eq!(a, b);
        }
    }
}
