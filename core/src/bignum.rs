//! A minimal unsigned big integer for exact decimal <-> binary conversions: `ldouble`'s
//! 80-bit long-double arithmetic and `dtoa`'s exact printing of doubles. Never used for
//! anything a client can make large beyond a double's range (a few hundred bits).

use std::cmp::Ordering;

/// A minimal unsigned big integer (little-endian 32-bit limbs, no leading zero limbs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Big(pub(crate) Vec<u32>);

impl Big {
    pub(crate) fn zero() -> Big {
        Big(Vec::new())
    }
    pub(crate) fn from_u128(mut v: u128) -> Big {
        let mut l = Vec::new();
        while v != 0 {
            l.push(v as u32);
            v >>= 32;
        }
        Big(l)
    }
    pub(crate) fn trim(mut self) -> Big {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        self
    }
    pub(crate) fn is_zero(&self) -> bool {
        self.0.is_empty()
    }
    pub(crate) fn bitlen(&self) -> usize {
        match self.0.last() {
            None => 0,
            Some(&top) => self.0.len() * 32 - top.leading_zeros() as usize,
        }
    }
    pub(crate) fn set_low_bit(&mut self) {
        if self.0.is_empty() {
            self.0.push(1);
        } else {
            self.0[0] |= 1;
        }
    }
    pub(crate) fn mul_small(&mut self, m: u32) {
        let mut carry = 0u64;
        for l in self.0.iter_mut() {
            let v = *l as u64 * m as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
        if m == 0 {
            self.0.clear();
        }
    }
    pub(crate) fn add_small(&mut self, a: u32) {
        let mut carry = a as u64;
        for l in self.0.iter_mut() {
            if carry == 0 {
                break;
            }
            let v = *l as u64 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }
    pub(crate) fn mul_pow10(&mut self, mut e: u32) {
        while e >= 9 {
            self.mul_small(1_000_000_000);
            e -= 9;
        }
        if e > 0 {
            self.mul_small(10u32.pow(e));
        }
    }
    pub(crate) fn shl_bits(&self, n: usize) -> Big {
        if self.is_zero() {
            return Big::zero();
        }
        let limbs = n / 32;
        let bits = n % 32;
        let mut out = vec![0u32; limbs];
        if bits == 0 {
            out.extend_from_slice(&self.0);
        } else {
            let mut carry = 0u32;
            for &l in &self.0 {
                out.push((l << bits) | carry);
                carry = l >> (32 - bits);
            }
            out.push(carry);
        }
        Big(out).trim()
    }
    pub(crate) fn shr1(&self) -> Big {
        let mut out = self.0.clone();
        let mut carry = 0u32;
        for l in out.iter_mut().rev() {
            let v = *l;
            *l = (v >> 1) | (carry << 31);
            carry = v & 1;
        }
        Big(out).trim()
    }
    pub(crate) fn cmp_big(&self, o: &Big) -> Ordering {
        self.0
            .len()
            .cmp(&o.0.len())
            .then_with(|| self.0.iter().rev().cmp(o.0.iter().rev()))
    }
    pub(crate) fn add_big(&self, o: &Big) -> Big {
        let (a, b) = if self.0.len() >= o.0.len() {
            (self, o)
        } else {
            (o, self)
        };
        let mut out = Vec::with_capacity(a.0.len() + 1);
        let mut carry = 0u64;
        for i in 0..a.0.len() {
            let v = a.0[i] as u64 + *b.0.get(i).unwrap_or(&0) as u64 + carry;
            out.push(v as u32);
            carry = v >> 32;
        }
        if carry != 0 {
            out.push(carry as u32);
        }
        Big(out)
    }
    /// `self - o`, requires `self >= o`.
    pub(crate) fn sub_big(&self, o: &Big) -> Big {
        let mut out = Vec::with_capacity(self.0.len());
        let mut borrow = 0i64;
        for i in 0..self.0.len() {
            let mut v = self.0[i] as i64 - *o.0.get(i).unwrap_or(&0) as i64 - borrow;
            borrow = 0;
            if v < 0 {
                v += 1 << 32;
                borrow = 1;
            }
            out.push(v as u32);
        }
        Big(out).trim()
    }
    /// The top (up to) 128 bits, the number of bits dropped below them, and whether any
    /// dropped bit was set: `self = m * 2^shift + rest`.
    pub(crate) fn top128(&self) -> (u128, usize, bool) {
        let bl = self.bitlen();
        let shift = bl.saturating_sub(128);
        let limb = shift / 32;
        let bits = shift % 32;
        let mut m: u128 = 0;
        // Gather 5 limbs from `limb` upwards, then shift by `bits`.
        for k in (0..5).rev() {
            let v = *self.0.get(limb + k).unwrap_or(&0) as u128;
            if k == 4 {
                // Only the low `bits` bits of the 5th limb fit after shifting.
                if bits > 0 {
                    m = v << (128 - bits);
                }
            } else {
                m |= (v << (32 * k)) >> bits;
            }
        }
        let mut sticky = self.0[..limb.min(self.0.len())].iter().any(|&l| l != 0);
        if bits > 0 {
            if let Some(&l) = self.0.get(limb) {
                sticky |= l & ((1u32 << bits) - 1) != 0;
            }
        }
        (m, shift, sticky)
    }
    pub(crate) fn divmod_small(&mut self, d: u32) -> u32 {
        let mut rem = 0u64;
        for l in self.0.iter_mut().rev() {
            let v = (rem << 32) | *l as u64;
            *l = (v / d as u64) as u32;
            rem = v % d as u64;
        }
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
        rem as u32
    }
    pub(crate) fn to_decimal(&self) -> String {
        if self.is_zero() {
            return "0".into();
        }
        let mut n = self.clone();
        let mut chunks = Vec::new();
        while !n.is_zero() {
            chunks.push(n.divmod_small(1_000_000_000));
        }
        let mut s = chunks.last().map(|c| c.to_string()).unwrap_or_default();
        for c in chunks.iter().rev().skip(1) {
            s.push_str(&format!("{c:09}"));
        }
        s
    }
    /// `self >> n` (bits shifted out are dropped).
    pub(crate) fn shr_bits(&self, n: usize) -> Big {
        let limbs = n / 32;
        let bits = n % 32;
        if limbs >= self.0.len() {
            return Big::zero();
        }
        let src = &self.0[limbs..];
        let mut out = Vec::with_capacity(src.len());
        for i in 0..src.len() {
            let hi = if bits == 0 {
                0
            } else {
                src.get(i + 1).map_or(0, |&h| h << (32 - bits))
            };
            out.push((src[i] >> bits) | hi);
        }
        Big(out).trim()
    }
    /// The low 64 bits.
    pub(crate) fn low_u64(&self) -> u64 {
        self.0.first().map_or(0, |&l| l as u64) | (self.0.get(1).map_or(0, |&h| h as u64) << 32)
    }
}
