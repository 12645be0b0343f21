//! Numbers and times for people: durations, seconds, UTC dates. Pure functions of their
//! input (the page never reads a clock).

/// `12 ms`, `1.23 s`.
pub(super) fn duration(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

/// Seconds without trailing zeros: `5`, `2.5`, `0.25`.
pub(super) fn secs(s: f64) -> String {
    let t = format!("{s:.2}");
    t.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Milliseconds since the epoch as `YYYY-MM-DD hh:mm:ss UTC`.
pub(super) fn utc(ms: u128) -> String {
    let [y, m, d, hh, mm, ss] = crate::clock::civil_time((ms / 1000) as i64);
    format!("{y:04}-{m:02}-{d:02} {hh:02}:{mm:02}:{ss:02} UTC")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_switch_to_seconds_at_one_second() {
        assert_eq!(duration(0.4), "0 ms");
        assert_eq!(duration(12.5), "12 ms");
        assert_eq!(duration(999.0), "999 ms");
        assert_eq!(duration(1000.0), "1.00 s");
        assert_eq!(duration(1234.5), "1.23 s");
    }

    #[test]
    fn seconds_without_trailing_zeros() {
        assert_eq!(secs(5.0), "5");
        assert_eq!(secs(2.5), "2.5");
        assert_eq!(secs(0.25), "0.25");
        assert_eq!(secs(10.0), "10");
    }

    #[test]
    fn utc_formatting() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_700_000_000_000), "2023-11-14 22:13:20 UTC");
    }
}
