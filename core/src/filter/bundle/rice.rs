//! Rice (Golomb power-of-two) coding of small non-negative integers in a little-endian bit
//! stream: the quotient `value >> k` in unary (that many 1 bits, then a 0), then the low `k`
//! bits. Sorted hash prefixes have nearly geometric gaps, for which this is within a fraction of
//! a bit of the entropy.

/// Largest Rice parameter: gaps between 32-bit prefixes never need more.
pub(super) const MAX_PARAMETER: u32 = 31;
/// Bits a [`BitReader`] window is sure to hold past any position (64 minus the 7 bits a
/// position can be into its byte).
const WINDOW_BITS: u64 = 57;

/// The parameter `k` that codes `values` in the fewest bits.
pub(super) fn best_parameter(values: &[u64]) -> u32 {
    let cost = |k: u32| -> u64 {
        values
            .iter()
            .map(|value| (value >> k) + 1 + u64::from(k))
            .sum()
    };
    (0..=MAX_PARAMETER).min_by_key(|&k| cost(k)).unwrap_or(0)
}

/// Appends bits to a byte vector, least significant bit first.
#[derive(Default)]
pub(super) struct BitWriter {
    bytes: Vec<u8>,
    bits: u64,
}

impl BitWriter {
    /// Bits written so far.
    pub(super) fn bit_len(&self) -> u64 {
        self.bits
    }

    /// Appends `value` Rice-coded with parameter `k` (at most [`MAX_PARAMETER`]).
    pub(super) fn push_rice(&mut self, value: u64, k: u32) {
        let mut quotient = value >> k;
        while quotient > 0 {
            let run = quotient.min(32);
            self.push_bits((1u64 << run) - 1, run as u32);
            quotient -= run;
        }
        self.push_bits(0, 1);
        self.push_bits(value & ((1u64 << k) - 1), k);
    }

    /// Appends the low `count` bits of `value` (`count` at most 32).
    fn push_bits(&mut self, value: u64, count: u32) {
        for bit in 0..count {
            let byte = (self.bits / 8) as usize;
            if byte == self.bytes.len() {
                self.bytes.push(0);
            }
            if value >> bit & 1 == 1 {
                self.bytes[byte] |= 1 << (self.bits % 8);
            }
            self.bits += 1;
        }
    }

    /// The written bytes; the last one is padded with 0 bits.
    pub(super) fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// Reads a bit stream written by [`BitWriter`]. Every read checks the stream's end and returns
/// `None` past it, so a damaged stream ends a lookup instead of reading out of bounds.
pub(super) struct BitReader<'a> {
    bytes: &'a [u8],
    position: u64,
}

impl<'a> BitReader<'a> {
    /// A reader at bit `position` of `bytes`.
    pub(super) fn new(bytes: &'a [u8], position: u64) -> Self {
        Self { bytes, position }
    }

    fn bit_len(&self) -> u64 {
        self.bytes.len() as u64 * 8
    }

    /// The bits from the current position on, at least [`WINDOW_BITS`] of them (0 past the end).
    #[inline]
    fn window(&self) -> u64 {
        let start = (self.position / 8) as usize;
        let mut buffer = [0u8; 8];
        match self.bytes.get(start..start + 8) {
            Some(full) => buffer.copy_from_slice(full),
            None => {
                let rest = self.bytes.get(start..).unwrap_or_default();
                buffer[..rest.len()].copy_from_slice(rest);
            }
        }
        u64::from_le_bytes(buffer) >> (self.position % 8)
    }

    /// Reads a Rice-coded value with parameter `k` (at most [`MAX_PARAMETER`]).
    #[inline]
    pub(super) fn read_rice(&mut self, k: u32) -> Option<u64> {
        // Fast path: the whole code lies in one window, as it does unless the quotient is long.
        let remaining = self.bit_len().checked_sub(self.position)?;
        let window = self.window();
        let ones = u64::from((!window).trailing_zeros());
        let code_len = ones + 1 + u64::from(k);
        if code_len <= remaining.min(WINDOW_BITS) {
            self.position += code_len;
            let low = (window >> (ones + 1)) & ((1u64 << k) - 1);
            return Some((ones << k) | low);
        }
        let mut quotient = 0u64;
        loop {
            let remaining = self.bit_len().checked_sub(self.position)?;
            if remaining == 0 {
                return None;
            }
            let visible = remaining.min(WINDOW_BITS);
            let ones = u64::from((!self.window()).trailing_zeros());
            if ones < visible {
                quotient += ones;
                self.position += ones + 1;
                break;
            }
            quotient += visible;
            self.position += visible;
        }
        let low = self.read_bits(k)?;
        // The quotient counts bits of a stream capped at MAX_BUNDLE_BYTES (2^30 bits), so the
        // shift by at most 31 stays below 2^61.
        Some((quotient << k) | low)
    }

    /// Reads `count` bits (at most 32).
    fn read_bits(&mut self, count: u32) -> Option<u64> {
        let end = self.position + u64::from(count);
        if end > self.bit_len() {
            return None;
        }
        let value = self.window() & ((1u64 << count) - 1);
        self.position = end;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_for_every_parameter() {
        let values = [
            0u64,
            1,
            2,
            3,
            7,
            100,
            4095,
            65_536,
            1 << 31,
            u64::from(u32::MAX),
        ];
        for k in 0..=MAX_PARAMETER {
            let mut writer = BitWriter::default();
            let small: Vec<u64> = values.iter().copied().filter(|v| v >> k < 5000).collect();
            for &value in &small {
                writer.push_rice(value, k);
            }
            let bytes = writer.into_bytes();
            let mut reader = BitReader::new(&bytes, 0);
            for &value in &small {
                assert_eq!(reader.read_rice(k), Some(value), "k = {k}");
            }
        }
    }

    #[test]
    fn a_long_unary_run_crosses_windows() {
        let mut writer = BitWriter::default();
        writer.push_rice(200, 0);
        writer.push_rice(3, 0);
        assert_eq!(writer.bit_len(), 201 + 4);
        let bytes = writer.into_bytes();
        let mut reader = BitReader::new(&bytes, 0);
        assert_eq!(reader.read_rice(0), Some(200));
        assert_eq!(reader.read_rice(0), Some(3));
    }

    #[test]
    fn reading_past_the_end_gives_none() {
        assert_eq!(BitReader::new(&[], 0).read_rice(3), None);
        assert_eq!(BitReader::new(&[0xff; 4], 0).read_rice(0), None);
        assert_eq!(BitReader::new(&[0], 0).read_rice(8), None);
        assert_eq!(BitReader::new(&[0], 100).read_rice(0), None);
    }

    #[test]
    fn the_best_parameter_fits_the_gap_size() {
        let gaps: Vec<u64> = (0..1000).map(|i| 4000 + (i * 37) % 1000).collect();
        let k = best_parameter(&gaps);
        assert!((10..=12).contains(&k), "k = {k}");
        assert_eq!(best_parameter(&[]), 0);
    }
}
