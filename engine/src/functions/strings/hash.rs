//! Spark's row hashes: `hash` (Murmur3 x86 32-bit, seed 42, with Spark's own
//! handling of the trailing bytes) and `xxhash64` (XXH64, seed 42). Several
//! columns chain: each value's hash is the seed of the next; NULL leaves the
//! running hash as it is.

use arrow::array::*;
use arrow::datatypes::*;

use crate::error::{EngineError, Result};

const SEED: u32 = 42;

pub fn supported(t: &DataType) -> bool {
    match t {
        DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Utf8
        | DataType::Binary
        | DataType::Date32
        | DataType::Timestamp(..)
        | DataType::Null => true,
        DataType::List(f) => supported(f.data_type()),
        DataType::Struct(fs) => fs.iter().all(|f| supported(f.data_type())),
        _ => false,
    }
}

pub trait Hasher {
    type Out: Copy;
    fn int(v: i32, seed: Self::Out) -> Self::Out;
    fn long(v: i64, seed: Self::Out) -> Self::Out;
    fn bytes(b: &[u8], seed: Self::Out) -> Self::Out;
}

pub struct Murmur3;

fn mix_k1(k: u32) -> u32 {
    k.wrapping_mul(0xcc9e2d51).rotate_left(15).wrapping_mul(0x1b873593)
}

fn mix_h1(h: u32, k: u32) -> u32 {
    (h ^ k).rotate_left(13).wrapping_mul(5).wrapping_add(0xe6546b64)
}

fn fmix32(mut h: u32, len: u32) -> u32 {
    h ^= len;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85ebca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2ae35);
    h ^ (h >> 16)
}

impl Hasher for Murmur3 {
    type Out = u32;
    fn int(v: i32, seed: u32) -> u32 {
        fmix32(mix_h1(seed, mix_k1(v as u32)), 4)
    }
    fn long(v: i64, seed: u32) -> u32 {
        let h = mix_h1(seed, mix_k1(v as u32));
        let h = mix_h1(h, mix_k1((v as u64 >> 32) as u32));
        fmix32(h, 8)
    }
    fn bytes(b: &[u8], seed: u32) -> u32 {
        let aligned = b.len() - b.len() % 4;
        let mut h = seed;
        for c in b[..aligned].chunks_exact(4) {
            h = mix_h1(h, mix_k1(u32::from_le_bytes([c[0], c[1], c[2], c[3]])));
        }
        // Spark mixes each trailing byte on its own, sign-extended.
        for &x in &b[aligned..] {
            h = mix_h1(h, mix_k1(x as i8 as i32 as u32));
        }
        fmix32(h, b.len() as u32)
    }
}

pub struct XxHash64;

const P1: u64 = 0x9E3779B185EBCA87;
const P2: u64 = 0xC2B2AE3D27D4EB4F;
const P3: u64 = 0x165667B19E3779F9;
const P4: u64 = 0x85EBCA77C2B2AE63;
const P5: u64 = 0x27D4EB2F165667C5;

fn round(acc: u64, v: u64) -> u64 {
    acc.wrapping_add(v.wrapping_mul(P2)).rotate_left(31).wrapping_mul(P1)
}

fn merge(acc: u64, v: u64) -> u64 {
    (acc ^ round(0, v)).wrapping_mul(P1).wrapping_add(P4)
}

fn avalanche(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(P2);
    h ^= h >> 29;
    h = h.wrapping_mul(P3);
    h ^ (h >> 32)
}

pub fn xxh64(b: &[u8], seed: u64) -> u64 {
    let le64 = |c: &[u8]| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
    let mut rest = b;
    let mut h = if b.len() >= 32 {
        let mut v = [seed.wrapping_add(P1).wrapping_add(P2), seed.wrapping_add(P2), seed, seed.wrapping_sub(P1)];
        while rest.len() >= 32 {
            for (k, acc) in v.iter_mut().enumerate() {
                *acc = round(*acc, le64(&rest[k * 8..k * 8 + 8]));
            }
            rest = &rest[32..];
        }
        let mut h = v[0].rotate_left(1).wrapping_add(v[1].rotate_left(7)).wrapping_add(v[2].rotate_left(12)).wrapping_add(v[3].rotate_left(18));
        for x in v {
            h = merge(h, x);
        }
        h
    } else {
        seed.wrapping_add(P5)
    };
    h = h.wrapping_add(b.len() as u64);
    while rest.len() >= 8 {
        h ^= round(0, le64(rest));
        h = h.rotate_left(27).wrapping_mul(P1).wrapping_add(P4);
        rest = &rest[8..];
    }
    if rest.len() >= 4 {
        let k = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as u64;
        h ^= k.wrapping_mul(P1);
        h = h.rotate_left(23).wrapping_mul(P2).wrapping_add(P3);
        rest = &rest[4..];
    }
    for &x in rest {
        h ^= (x as u64).wrapping_mul(P5);
        h = h.rotate_left(11).wrapping_mul(P1);
    }
    avalanche(h)
}

impl Hasher for XxHash64 {
    type Out = u64;
    fn int(v: i32, seed: u64) -> u64 {
        xxh64(&v.to_le_bytes(), seed)
    }
    fn long(v: i64, seed: u64) -> u64 {
        xxh64(&v.to_le_bytes(), seed)
    }
    fn bytes(b: &[u8], seed: u64) -> u64 {
        xxh64(b, seed)
    }
}

/// Java's `doubleToLongBits` after Spark folds -0.0 into 0.0.
fn double_bits(d: f64) -> i64 {
    if d == 0.0 {
        0
    } else if d.is_nan() {
        0x7ff8000000000000
    } else {
        d.to_bits() as i64
    }
}

fn float_bits(f: f32) -> i32 {
    if f == 0.0 {
        0
    } else if f.is_nan() {
        0x7fc00000
    } else {
        f.to_bits() as i32
    }
}

/// Java's `BigInteger.toByteArray`: two's complement, big-endian, shortest.
fn big_integer_bytes(v: i128) -> Vec<u8> {
    let b = v.to_be_bytes();
    let mut start = 0;
    while start < 15 {
        let (x, next) = (b[start], b[start + 1]);
        if (x == 0 && next & 0x80 == 0) || (x == 0xFF && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    b[start..].to_vec()
}

/// Hashes row `i` of `a` into `h` (unchanged when the value is NULL).
fn hash_value<H: Hasher>(a: &dyn Array, i: usize, h: H::Out) -> Result<H::Out> {
    if a.is_null(i) {
        return Ok(h);
    }
    Ok(match a.data_type() {
        DataType::Null => h,
        DataType::Boolean => H::int(a.as_boolean().value(i) as i32, h),
        DataType::Int8 => H::int(a.as_primitive::<Int8Type>().value(i) as i32, h),
        DataType::Int16 => H::int(a.as_primitive::<Int16Type>().value(i) as i32, h),
        DataType::Int32 => H::int(a.as_primitive::<Int32Type>().value(i), h),
        DataType::Date32 => H::int(a.as_primitive::<Date32Type>().value(i), h),
        DataType::Int64 => H::long(a.as_primitive::<Int64Type>().value(i), h),
        DataType::Timestamp(TimeUnit::Microsecond, _) => H::long(a.as_primitive::<TimestampMicrosecondType>().value(i), h),
        DataType::Float32 => H::int(float_bits(a.as_primitive::<Float32Type>().value(i)), h),
        DataType::Float64 => H::long(double_bits(a.as_primitive::<Float64Type>().value(i)), h),
        DataType::Decimal128(p, _) => {
            let v = a.as_primitive::<Decimal128Type>().value(i);
            if *p <= 18 {
                H::long(v as i64, h)
            } else {
                H::bytes(&big_integer_bytes(v), h)
            }
        }
        DataType::Utf8 => H::bytes(a.as_string::<i32>().value(i).as_bytes(), h),
        DataType::Binary => H::bytes(a.as_binary::<i32>().value(i), h),
        DataType::List(_) => {
            let l = a.as_list::<i32>();
            let v = l.value(i);
            let mut h = h;
            for k in 0..v.len() {
                h = hash_value::<H>(v.as_ref(), k, h)?;
            }
            h
        }
        DataType::Struct(_) => {
            let s = a.as_struct();
            let mut h = h;
            for c in s.columns() {
                h = hash_value::<H>(c.as_ref(), i, h)?;
            }
            h
        }
        other => {
            return Err(EngineError::execution("INTERNAL_ERROR", format!("cannot hash {other}"), "XX000"));
        }
    })
}

pub fn murmur3(cols: &[ArrayRef], n: usize) -> Result<Int32Array> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut h = SEED;
        for c in cols {
            h = hash_value::<Murmur3>(c.as_ref(), i, h)?;
        }
        out.push(h as i32);
    }
    Ok(Int32Array::from(out))
}

pub fn xxhash64(cols: &[ArrayRef], n: usize) -> Result<Int64Array> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let mut h = SEED as u64;
        for c in cols {
            h = hash_value::<XxHash64>(c.as_ref(), i, h)?;
        }
        out.push(h as i64);
    }
    Ok(Int64Array::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn murmur3_known_values() {
        // Spark: SELECT hash(1), hash('Spark'), hash(1L)
        assert_eq!(Murmur3::int(1, 42) as i32, -559580957);
        assert_eq!(Murmur3::long(1, 42) as i32, -1712319331);
    }

    #[test]
    fn xxhash64_known_values() {
        assert_eq!(xxh64(b"", 0), 0xEF46DB3751D8E999);
        // Spark: xxhash64(1), xxhash64(1L)
        assert_eq!(XxHash64::int(1, 42) as i64, -6698625589789238999);
        assert_eq!(XxHash64::long(1, 42) as i64, -7001672635703045582);
    }

    #[test]
    fn big_integer_bytes_shortest() {
        assert_eq!(big_integer_bytes(0), vec![0]);
        assert_eq!(big_integer_bytes(127), vec![127]);
        assert_eq!(big_integer_bytes(128), vec![0, 128]);
        assert_eq!(big_integer_bytes(-1), vec![0xFF]);
    }
}
